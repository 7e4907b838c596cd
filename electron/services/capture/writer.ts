// Writes a capture file (format.ts) append-only. Records collect in one
// buffer that becomes a block when it is full or when the flush timer fires,
// so memory stays the same however long the capture runs, and a process
// killed mid-capture loses at most the last flush interval.
import { closeSync, openSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import {
  BLOCK_HEADER_SIZE,
  BLOCK_MAGIC,
  DIRECTION_CODE,
  RECORD_HEADER_SIZE,
  fileHeader,
  originBytes,
  type CaptureRecord,
} from './format.ts';

export interface CaptureWriterOptions {
  /** A block is written once its body reaches this size (bytes). */
  blockBytes?: number;
  /** ...or this long after its first record (ms); 0 = only when full. */
  flushIntervalMs?: number;
}

const DEFAULT_BLOCK_BYTES = 256 << 10;
const DEFAULT_FLUSH_MS = 100;
// Room for the target and origin tables at the start of a block body.
const TABLE_RESERVE = 4096;

export class CaptureWriter {
  readonly path: string;
  #fd: number | undefined;
  #buf: Buffer;
  #view: DataView;
  #pos = 0;
  #records = 0;
  #targets = new Map<string, number>();
  /** This block's origins: their key, their bytes. */
  #origins = new Map<string, { index: number; bytes: Buffer }>();
  // bytes of both tables: each count, then each name or origin
  #tableSize = 4;
  #timer: NodeJS.Timeout | undefined;
  readonly #blockBytes: number;
  readonly #flushMs: number;
  /** Records written so far (flushed or not). */
  count = 0;

  constructor(path: string, options: CaptureWriterOptions = {}) {
    this.path = path;
    this.#blockBytes = options.blockBytes ?? DEFAULT_BLOCK_BYTES;
    this.#flushMs = options.flushIntervalMs ?? DEFAULT_FLUSH_MS;
    this.#buf = Buffer.alloc(BLOCK_HEADER_SIZE + this.#blockBytes + TABLE_RESERVE);
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
    this.#fd = openSync(path, 'w');
    writeSync(this.#fd, fileHeader());
  }

  write(r: CaptureRecord): void {
    if (this.#fd === undefined) throw new Error(`capture ${this.path} is closed`);
    const length = r.data.length;
    if (BigInt(length) !== r.length)
      throw new Error(`capture record of ${r.target}: header length ${r.length} but ${length} data bytes`);
    const need = RECORD_HEADER_SIZE + length;
    const newTarget = !this.#targets.has(r.target);
    const nameBytes = newTarget ? 2 + Buffer.byteLength(r.target, 'utf8') : 0;
    const origin = r.origin ? originBytes(r.origin) : undefined;
    const originKey = origin?.toString('latin1');
    const newOrigin = originKey !== undefined && !this.#origins.has(originKey);
    const tableBytes = nameBytes + (newOrigin ? 2 + origin!.length : 0);
    if (tableBytes + 4 > TABLE_RESERVE)
      throw new Error(`capture ${this.path}: target name or origin too long: ${r.target}`);
    if (this.#records > 0 && (this.#pos + need > this.#blockBytes || this.#tableSize + tableBytes > TABLE_RESERVE))
      this.flush();
    if (need > this.#buf.length - BLOCK_HEADER_SIZE - TABLE_RESERVE) {
      const bigger = Buffer.allocUnsafe(BLOCK_HEADER_SIZE + TABLE_RESERVE + need);
      this.#buf.copy(bigger, 0, 0, BLOCK_HEADER_SIZE + TABLE_RESERVE + this.#pos);
      this.#buf = bigger;
      this.#view = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
    }
    let target = this.#targets.get(r.target);
    if (target === undefined) {
      target = this.#targets.size;
      this.#targets.set(r.target, target);
      this.#tableSize += 2 + Buffer.byteLength(r.target, 'utf8');
    }
    let originNumber = 0;
    if (originKey !== undefined) {
      let entry = this.#origins.get(originKey);
      if (!entry) {
        entry = { index: this.#origins.size, bytes: origin! };
        this.#origins.set(originKey, entry);
        this.#tableSize += 2 + origin!.length;
      }
      originNumber = entry.index + 1;
    }
    // Records go after the header and table space; flush() moves the tables in.
    const v = this.#view;
    const at = BLOCK_HEADER_SIZE + TABLE_RESERVE + this.#pos;
    v.setBigUint64(at, r.timestampNs, true);
    v.setUint32(at + 8, target | (DIRECTION_CODE[r.direction] << 16), true);
    v.setUint32(at + 12, originNumber, true);
    v.setBigUint64(at + 16, r.length, true);
    v.setBigUint64(at + 24, r.type, true);
    v.setBigUint64(at + 32, r.id, true);
    v.setBigUint64(at + 40, r.userValue, true);
    if (length > 0) this.#buf.set(r.data, at + RECORD_HEADER_SIZE);
    this.#pos += need;
    this.#records++;
    this.count++;
    if (this.#records === 1 && this.#flushMs > 0) {
      this.#timer = setTimeout(() => this.flush(), this.#flushMs);
      this.#timer.unref();
    }
  }

  /** Writes what is buffered as one block. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#fd === undefined || this.#records === 0) return;
    const names = [...this.#targets.keys()].map((t) => Buffer.from(t, 'utf8'));
    const origins = [...this.#origins.values()].map((o) => o.bytes);
    const tableSize = this.#tableSize;
    const b = this.#buf;
    let tableAt = BLOCK_HEADER_SIZE + TABLE_RESERVE - tableSize;
    const start = tableAt - BLOCK_HEADER_SIZE;
    for (const table of [names, origins]) {
      b.writeUInt16LE(table.length, tableAt);
      tableAt += 2;
      for (const n of table) {
        b.writeUInt16LE(n.length, tableAt);
        n.copy(b, tableAt + 2);
        tableAt += 2 + n.length;
      }
    }
    const bodyLength = tableSize + this.#pos;
    b.writeUInt32LE(BLOCK_MAGIC, start);
    b.writeUInt32LE(bodyLength, start + 4);
    b.writeUInt32LE(this.#records, start + 8);
    const crc = crc32(
      b.subarray(start + BLOCK_HEADER_SIZE, start + BLOCK_HEADER_SIZE + bodyLength),
      crc32(b.subarray(start + 4, start + 12)),
    );
    b.writeUInt32LE(crc, start + 12);
    writeSync(this.#fd, b, start, BLOCK_HEADER_SIZE + bodyLength);
    this.#pos = 0;
    this.#records = 0;
    this.#targets.clear();
    this.#origins.clear();
    this.#tableSize = 4;
  }

  close(): void {
    if (this.#fd === undefined) return;
    this.flush();
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}
