// Reads single records of a capture file by offset (from a CaptureIndex),
// through one cached stretch of the file: a window of rows or a filter's
// front-to-back scan read neighbouring records, so most reads are served
// from the cache and the file is read in large pieces. Reads are
// synchronous because the traffic filter tests rows synchronously; each
// costs at most one read of CACHE_BYTES (or of one record, if larger).
import { closeSync, openSync, readSync } from 'node:fs';
import { RECORD_HEADER_SIZE } from './format.ts';

const CACHE_BYTES = 1 << 20;

/** The header fields of a record as the file holds them, and its data (a view: copy it to keep it). */
export interface RecordBytes {
  timestampNs: bigint;
  type: bigint;
  id: bigint;
  userValue: bigint;
  data: Uint8Array;
}

/** Where a record's data is: bytes[at ..], also seen through view. */
export interface DataPlace {
  bytes: Uint8Array;
  view: DataView;
  at: number;
}

export class RecordReader {
  #fd: number | undefined;
  #cache = Buffer.alloc(0);
  #view = new DataView(new ArrayBuffer(0));
  /** File offset of #cache[0]. */
  #cacheAt = 0;

  constructor(readonly path: string) {
    this.#fd = openSync(path, 'r');
  }

  /** The record at @offset whose data is @length bytes (as the index says); throws if the file no longer holds it. */
  read(offset: number, length: number): RecordBytes {
    const b = this.#bytes(offset, RECORD_HEADER_SIZE + length);
    const stored = b.readBigUInt64LE(16);
    if (stored !== BigInt(length))
      throw new Error(
        `${this.path} changed since it was opened: the record at offset ${offset} now says ${stored} data bytes, not ${length}; open it again`,
      );
    return {
      timestampNs: b.readBigUInt64LE(0),
      type: b.readBigUInt64LE(24),
      id: b.readBigUInt64LE(32),
      userValue: b.readBigUInt64LE(40),
      data: b.subarray(RECORD_HEADER_SIZE),
    };
  }

  /** Just the data of the record at @offset (a view: copy it to keep it), for scans that need no header field. */
  data(offset: number, length: number): Uint8Array {
    const b = this.#bytes(offset, RECORD_HEADER_SIZE + length);
    // The stored length, checked without BigInt (the low and high 32 bits).
    if (b.readUInt32LE(16) !== length || b.readUInt32LE(20) !== 0) return this.read(offset, length).data;
    return b.subarray(RECORD_HEADER_SIZE);
  }

  /**
   * Points @out at the data of the record at @offset in the reader's cache
   * (bytes[at .. at + length], valid until the next read), without an object
   * per record: for filters scanning millions of rows.
   */
  placeData(offset: number, length: number, out: DataPlace): void {
    const from = this.#at(offset, RECORD_HEADER_SIZE + length);
    const c = this.#cache;
    if (c.readUInt32LE(from + 16) !== length || c.readUInt32LE(from + 20) !== 0) this.read(offset, length);
    out.bytes = c;
    out.view = this.#view;
    out.at = from + RECORD_HEADER_SIZE;
  }

  /** Just the user_value of the record at @offset. */
  userValue(offset: number): bigint {
    return this.#bytes(offset, RECORD_HEADER_SIZE).readBigUInt64LE(40);
  }

  #bytes(offset: number, n: number): Buffer {
    const from = this.#at(offset, n);
    return this.#cache.subarray(from, from + n);
  }

  /** Where @n bytes from file @offset start in the cache (filling it when they are not there). */
  #at(offset: number, n: number): number {
    if (offset < this.#cacheAt || offset + n > this.#cacheAt + this.#cache.length) this.#fill(offset, n);
    return offset - this.#cacheAt;
  }

  #fill(offset: number, n: number): void {
    if (this.#fd === undefined) throw new Error(`${this.path} is closed`);
    const size = Math.max(CACHE_BYTES, n);
    if (this.#cache.length !== size) this.#cache = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const r = readSync(this.#fd, this.#cache, got, size - got, offset + got);
      if (r === 0) break;
      got += r;
    }
    if (got < n) {
      this.#cache = Buffer.alloc(0);
      throw new Error(
        `${this.path} changed since it was opened: it ends before the record at offset ${offset}; open it again`,
      );
    }
    this.#cache = this.#cache.subarray(0, got);
    this.#view = new DataView(this.#cache.buffer, this.#cache.byteOffset, got);
    this.#cacheAt = offset;
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
    this.#cache = Buffer.alloc(0);
  }
}
