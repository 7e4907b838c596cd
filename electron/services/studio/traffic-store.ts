// Every message the Studio has seen, stored compactly enough for tens of
// millions: columns of typed arrays in chunks (42 bytes a row plus its
// data), never an object per message. A row is found by its number; rows
// are only appended (or all cleared), so a row number stays valid.
import type { Direction, Message } from '../../shared/message.ts';

/** Rows per chunk; a chunk also closes when its data reaches CHUNK_DATA_BYTES. */
const CHUNK_ROWS = 1 << 16;
const CHUNK_DATA_BYTES = 64 << 20;
const FIRST_DATA_BYTES = 64 << 10;

class Chunk {
  readonly ts = new BigUint64Array(CHUNK_ROWS);
  readonly type = new BigUint64Array(CHUNK_ROWS);
  readonly id = new BigUint64Array(CHUNK_ROWS);
  readonly userValue = new BigUint64Array(CHUNK_ROWS);
  readonly length = new Uint32Array(CHUNK_ROWS);
  /** Where each row's data starts in `data`; its end is start + length. */
  readonly dataStart = new Uint32Array(CHUNK_ROWS);
  /** target index << 1 | (1 for tx). */
  readonly meta = new Uint16Array(CHUNK_ROWS);
  data = new Uint8Array(FIRST_DATA_BYTES);
  rows = 0;
  dataUsed = 0;

  constructor(readonly firstRow: number) {}

  fits(dataBytes: number): boolean {
    return this.rows < CHUNK_ROWS && (this.rows === 0 || this.dataUsed + dataBytes <= CHUNK_DATA_BYTES);
  }

  reserveData(n: number): number {
    if (this.dataUsed + n > this.data.length) {
      let size = this.data.length;
      while (size < this.dataUsed + n) size *= 2;
      const bigger = new Uint8Array(size);
      bigger.set(this.data.subarray(0, this.dataUsed));
      this.data = bigger;
    }
    const at = this.dataUsed;
    this.dataUsed += n;
    return at;
  }
}

/** One stored row, materialised on request (a window, a detail). */
export interface StoredMessage extends Message {
  row: number;
  target: string;
}

export class TrafficStore {
  #chunks: Chunk[] = [];
  #targets: string[] = [];
  #targetIndex = new Map<string, number>();
  #total = 0;

  get total(): number {
    return this.#total;
  }

  /** The number a target name is stored as (at most 32768 distinct targets). */
  targetIndex(target: string): number {
    let i = this.#targetIndex.get(target);
    if (i === undefined) {
      if (this.#targets.length >= 1 << 15) throw new RangeError(`the traffic store holds at most ${1 << 15} distinct targets`);
      i = this.#targets.length;
      this.#targets.push(target);
      this.#targetIndex.set(target, i);
    }
    return i;
  }

  append(target: string, m: Message): number {
    return this.appendFields(this.targetIndex(target), m.direction, m.timestampNs, m.type, m.id, m.userValue, m.data);
  }

  /** Appends one row from its fields (the store's hot path); returns its row number. */
  appendFields(targetIndex: number, direction: Direction, timestampNs: bigint, type: bigint, id: bigint, userValue: bigint, data: Uint8Array): number {
    let chunk = this.#chunks[this.#chunks.length - 1];
    if (!chunk || !chunk.fits(data.length)) {
      chunk = new Chunk(this.#total);
      this.#chunks.push(chunk);
    }
    const r = chunk.rows;
    chunk.ts[r] = timestampNs;
    chunk.type[r] = type;
    chunk.id[r] = id;
    chunk.userValue[r] = userValue;
    chunk.length[r] = data.length;
    chunk.meta[r] = (targetIndex << 1) | (direction === 'tx' ? 1 : 0);
    const at = chunk.reserveData(data.length);
    chunk.dataStart[r] = at;
    chunk.data.set(data, at);
    chunk.rows++;
    return this.#total++;
  }

  clear(): void {
    this.#chunks = [];
    this.#total = 0;
  }

  #locate(row: number): [Chunk, number] {
    if (!Number.isInteger(row) || row < 0 || row >= this.#total) throw new RangeError(`row ${row} is not stored (the store holds rows 0 to ${this.#total - 1})`);
    const chunks = this.#chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (chunks[mid]!.firstRow <= row) lo = mid;
      else hi = mid - 1;
    }
    const c = chunks[lo]!;
    return [c, row - c.firstRow];
  }

  type(row: number): bigint {
    const [c, r] = this.#locate(row);
    return c.type[r]!;
  }

  id(row: number): bigint {
    const [c, r] = this.#locate(row);
    return c.id[r]!;
  }

  userValue(row: number): bigint {
    const [c, r] = this.#locate(row);
    return c.userValue[r]!;
  }

  length(row: number): number {
    const [c, r] = this.#locate(row);
    return c.length[r]!;
  }

  timestampNs(row: number): bigint {
    const [c, r] = this.#locate(row);
    return c.ts[r]!;
  }

  direction(row: number): Direction {
    const [c, r] = this.#locate(row);
    return c.meta[r]! & 1 ? 'tx' : 'rx';
  }

  target(row: number): string {
    const [c, r] = this.#locate(row);
    return this.#targets[c.meta[r]! >> 1]!;
  }

  /** The row's data: a view into the store (copy it to keep it past clear()). */
  data(row: number): Uint8Array {
    const [c, r] = this.#locate(row);
    const at = c.dataStart[r]!;
    return c.data.subarray(at, at + c.length[r]!);
  }

  get(row: number): StoredMessage {
    const [c, r] = this.#locate(row);
    const at = c.dataStart[r]!;
    return {
      row,
      target: this.#targets[c.meta[r]! >> 1]!,
      direction: c.meta[r]! & 1 ? 'tx' : 'rx',
      timestampNs: c.ts[r]!,
      length: BigInt(c.length[r]!),
      type: c.type[r]!,
      id: c.id[r]!,
      userValue: c.userValue[r]!,
      data: c.data.subarray(at, at + c.length[r]!),
    };
  }
}
