// The number of messages a capture file's blocks announce, found by hopping
// from block header to block header (16 bytes read per block of about
// 256 KiB, no checksums): cheap enough to show beside every file of a list.
// Opening the file (capture-index.ts) is what checks every block. A pcapng
// file is counted the same way, a packet block per message (12 bytes read
// per packet: still far less than the file).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { BLOCK_HEADER_SIZE, BLOCK_MAGIC, FILE_HEADER_SIZE, FILE_MAGIC } from './format.ts';
import { LIMITS } from '../../shared/limits.ts';

/** Messages announced by the blocks of the capture at @path; undefined when a header is damaged or the file is cut off. */
export function announcedCount(path: string): number | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.max(FILE_HEADER_SIZE, BLOCK_HEADER_SIZE));
    if (
      readSync(fd, head, 0, FILE_HEADER_SIZE, 0) < FILE_HEADER_SIZE ||
      !head.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)
    )
      return undefined;
    let count = 0;
    for (let at = FILE_HEADER_SIZE; at < size;) {
      if (readSync(fd, head, 0, BLOCK_HEADER_SIZE, at) < BLOCK_HEADER_SIZE) return undefined;
      const length = head.readUInt32LE(4);
      if (
        head.readUInt32LE(0) !== BLOCK_MAGIC ||
        length > LIMITS.captureBlockBytes ||
        at + BLOCK_HEADER_SIZE + length > size
      )
        return undefined;
      count += head.readUInt32LE(8);
      at += BLOCK_HEADER_SIZE + length;
    }
    return count;
  } finally {
    closeSync(fd);
  }
}

const PCAPNG_SECTION = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER = 0x1a2b3c4d;
/** Enhanced and simple packet blocks: one message each. */
const PCAPNG_PACKETS = new Set([0x00000006, 0x00000003]);

/** Packets in the pcapng file at @path; undefined when it is not pcapng, a block length is impossible, or it is cut off. */
export function announcedPackets(path: string): number | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(12);
    let littleEndian = true;
    let count = 0;
    for (let at = 0; at < size;) {
      if (readSync(fd, head, 0, 12, at) < 12) return undefined;
      if (head.readUInt32LE(0) === PCAPNG_SECTION) {
        if (head.readUInt32LE(8) === PCAPNG_BYTE_ORDER) littleEndian = true;
        else if (head.readUInt32BE(8) === PCAPNG_BYTE_ORDER) littleEndian = false;
        else return undefined;
      } else if (at === 0) return undefined;
      const type = littleEndian ? head.readUInt32LE(0) : head.readUInt32BE(0);
      const total = littleEndian ? head.readUInt32LE(4) : head.readUInt32BE(4);
      if (total < 12 || total % 4 !== 0 || at + total > size) return undefined;
      if (PCAPNG_PACKETS.has(type)) count++;
      at += total;
    }
    return count;
  } finally {
    closeSync(fd);
  }
}
