// Every message the Studio has seen, stored compactly enough for tens of
// millions: columns of typed arrays in chunks (42 bytes a row plus its
// data), never an object per message. A row is found by its number; rows
// are only appended (or all cleared), so a row number stays valid.
import type { Direction, Message } from '../../../shared/message.ts';
import { CHUNK_ROWS, HeaderChunk, HeaderRows, type RowPlace } from '../../header-rows.ts';

/** A chunk also closes when its data reaches CHUNK_DATA_BYTES. */
const CHUNK_DATA_BYTES = 64 << 20;
const FIRST_DATA_BYTES = 64 << 10;

class Chunk extends HeaderChunk {
  readonly userValue = new BigUint64Array(CHUNK_ROWS);
  /** Where each row's data starts in `data`; its end is start + length. */
  readonly dataStart = new Uint32Array(CHUNK_ROWS);
  data = new Uint8Array(FIRST_DATA_BYTES);
  /** A view of `data`, for filters reading fields in place. */
  dataView = new DataView(this.data.buffer);
  dataUsed = 0;

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
      this.dataView = new DataView(bigger.buffer);
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

export class TrafficStore extends HeaderRows<Chunk> {
  /** The number a target name is stored as (at most 32768 distinct targets). */
  targetIndex(target: string): number {
    return this.indexOfTarget(target, 'the traffic store');
  }

  append(target: string, m: Message): number {
    return this.appendMessage(this.targetIndex(target), m);
  }

  /** Appends @m as a row of the target numbered @targetIndex; returns its row number. */
  appendMessage(targetIndex: number, m: Message): number {
    return this.appendFields(
      targetIndex,
      m.direction,
      m.timestampNs,
      m.type,
      m.id,
      m.userValue,
      m.data,
      this.originNumber(m.origin),
    );
  }

  /** Appends one row from its fields (the store's hot path); returns its row number. */
  appendFields(
    targetIndex: number,
    direction: Direction,
    timestampNs: bigint,
    type: bigint,
    id: bigint,
    userValue: bigint,
    data: Uint8Array,
    /** originNumber() of a monitored message's origin; 0 for the Studio's own. */
    origin = 0,
  ): number {
    let chunk = this.chunks[this.chunks.length - 1];
    if (!chunk || !chunk.fits(data.length)) {
      chunk = new Chunk(this.rowCount);
      this.chunks.push(chunk);
    }
    const r = chunk.rows;
    chunk.setHeader(r, timestampNs, type, id, data.length, targetIndex, direction);
    chunk.userValue[r] = userValue;
    chunk.setOrigin(r, origin);
    const at = chunk.reserveData(data.length);
    chunk.dataStart[r] = at;
    chunk.data.set(data, at);
    chunk.rows++;
    return this.rowCount++;
  }

  /** Bumped by clear(): what was worked out from the old rows no longer holds. */
  generation = 0;

  clear(): void {
    this.dropRows();
    this.generation++;
  }

  protected missingRow(row: number): string {
    return `row ${row} is not stored (the store holds rows 0 to ${this.rowCount - 1})`;
  }

  userValue(row: number): bigint {
    const [c, r] = this.locate(row);
    return c.userValue[r]!;
  }

  /** The row's data: a view into the store (copy it to keep it past clear()). */
  data(row: number): Uint8Array {
    const [c, r] = this.locate(row);
    const at = c.dataStart[r]!;
    return c.data.subarray(at, at + c.length[r]!);
  }

  place(row: number, out: RowPlace): void {
    const c = this.placeHeader(row, out);
    out.bytes = c.data;
    out.view = c.dataView;
    out.at = c.dataStart[out.r]!;
  }

  get(row: number): StoredMessage {
    const [c, r] = this.locate(row);
    const at = c.dataStart[r]!;
    return {
      row,
      target: this.targetNames[c.meta[r]! >> 1]!,
      direction: c.meta[r]! & 1 ? 'tx' : 'rx',
      timestampNs: c.ts[r]!,
      length: BigInt(c.length[r]!),
      type: c.type[r]!,
      id: c.id[r]!,
      userValue: c.userValue[r]!,
      data: c.data.subarray(at, at + c.length[r]!),
      ...(c.originAt(r) ? { origin: this.origins[c.originAt(r) - 1]! } : {}),
    };
  }
}
