// Reads a file front to back through a buffer that holds only what the
// reader still needs, so memory does not grow with the file.
import type { FileHandle } from 'node:fs/promises';
import { LIMITS } from '../../shared/limits.ts';

const CHUNK = 1 << 20;
/** The most a reader may ask to hold at once: its largest block and change. Above it a read is a bug, not input. */
const MOST = Math.max(LIMITS.captureBlockBytes, LIMITS.pcapngBlockBytes) + CHUNK;
/** A forward-only window over a file: what is behind the reader is dropped. */
export class FileWindow {
  buf = Buffer.alloc(0);
  /** file offset of buf[0] */
  start = 0;
  eof = false;
  constructor(readonly fh: FileHandle) {}

  /** Makes [at, at + n) available; false if the file ends first. */
  async ensure(at: number, n: number): Promise<boolean> {
    if (!(n >= 0 && n <= MOST))
      throw new RangeError(`a file window of ${n} bytes was asked for; readers check lengths against LIMITS first`);
    while (at + n > this.start + this.buf.length) {
      if (this.eof) return false;
      const keep = this.buf.subarray(Math.max(0, at - this.start));
      const keepStart = this.start + this.buf.length - keep.length;
      const chunk = Buffer.allocUnsafe(Math.max(CHUNK, at + n - keepStart - keep.length));
      const { bytesRead } = await this.fh.read(chunk, 0, chunk.length, keepStart + keep.length);
      if (bytesRead === 0) this.eof = true;
      this.buf = Buffer.concat([keep, chunk.subarray(0, bytesRead)]);
      this.start = keepStart;
    }
    return true;
  }

  slice(at: number, n: number): Buffer {
    return this.buf.subarray(at - this.start, at - this.start + n);
  }

  get end(): number {
    return this.start + this.buf.length;
  }
}
