// The number of messages a capture file's blocks announce, found by hopping
// from block header to block header (16 bytes read per block of about
// 256 KiB, no checksums): cheap enough to show beside every file of a list.
// Opening the file (capture-index.ts) is what checks every block.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { BLOCK_HEADER_SIZE, BLOCK_MAGIC, FILE_HEADER_SIZE, FILE_MAGIC, MAX_BLOCK_BODY } from './format.ts';

/** Messages announced by the blocks of the capture at @path; undefined when a header is damaged or the file is cut off. */
export function announcedCount(path: string): number | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.max(FILE_HEADER_SIZE, BLOCK_HEADER_SIZE));
    if (readSync(fd, head, 0, FILE_HEADER_SIZE, 0) < FILE_HEADER_SIZE || !head.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)) return undefined;
    let count = 0;
    for (let at = FILE_HEADER_SIZE; at < size; ) {
      if (readSync(fd, head, 0, BLOCK_HEADER_SIZE, at) < BLOCK_HEADER_SIZE) return undefined;
      const length = head.readUInt32LE(4);
      if (head.readUInt32LE(0) !== BLOCK_MAGIC || length > MAX_BLOCK_BODY || at + BLOCK_HEADER_SIZE + length > size) return undefined;
      count += head.readUInt32LE(8);
      at += BLOCK_HEADER_SIZE + length;
    }
    return count;
  } finally {
    closeSync(fd);
  }
}
