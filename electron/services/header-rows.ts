// Rows of message headers kept as columns of typed arrays in chunks, never
// an object per message: what the live traffic store (studio/traffic/traffic-store.ts)
// and a capture file's index (capture/capture-index.ts) have in common.
// Each adds its own columns (the data, or where the record is in the file).
// Rows are only appended (or all dropped), so a row number stays valid.
import type { Direction, MessageOrigin } from '../shared/message.ts';

/** Rows per chunk. */
export const CHUNK_ROWS = 1 << 16;
/** Distinct targets: the index shares a u16 with the direction bit. */
const MAX_TARGETS = 1 << 15;

/** Index of the low 32-bit half of a u64 in a Uint32Array over a BigUint64Array (the machine's byte order). */
export const LOW_HALF = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** Header columns of up to CHUNK_ROWS rows, from row `firstRow` on. */
export class HeaderChunk {
  readonly ts: BigUint64Array;
  readonly type: BigUint64Array;
  readonly id: BigUint64Array;
  /** type and id as 32-bit halves (row r: [2r + LOW_HALF] low, the other high), read without a BigInt. */
  readonly type32: Uint32Array;
  readonly id32: Uint32Array;
  /** Bytes of data. */
  readonly length: Uint32Array;
  /** target index << 1 | (1 for tx). */
  readonly meta: Uint16Array;
  /**
   * Monitored rows: 1 + the index of their origin (HeaderRows.origin()); 0 for the Studio's own messages.
   * Made with the chunk's first monitored row: the Studio's own traffic pays nothing for it.
   */
  #origin: Uint32Array | undefined;
  rows = 0;

  /** @capacity: CHUNK_ROWS, or 0 for a chunk that only stands in before the first row is placed. */
  constructor(
    readonly firstRow: number,
    capacity = CHUNK_ROWS,
  ) {
    this.ts = new BigUint64Array(capacity);
    this.type = new BigUint64Array(capacity);
    this.id = new BigUint64Array(capacity);
    this.type32 = new Uint32Array(this.type.buffer);
    this.id32 = new Uint32Array(this.id.buffer);
    this.length = new Uint32Array(capacity);
    this.meta = new Uint16Array(capacity);
  }

  /** Row @r's origin number (0: none). */
  originAt(r: number): number {
    return this.#origin?.[r] ?? 0;
  }

  setOrigin(r: number, origin: number): void {
    if (origin === 0 && !this.#origin) return;
    this.#origin ??= new Uint32Array(this.meta.length);
    this.#origin[r] = origin;
  }

  /** Writes row @r's header columns (the caller counts the row). */
  setHeader(
    r: number,
    timestampNs: bigint,
    type: bigint,
    id: bigint,
    length: number,
    target: number,
    direction: Direction,
  ): void {
    this.ts[r] = timestampNs;
    this.type[r] = type;
    this.id[r] = id;
    this.length[r] = length;
    this.meta[r] = (target << 1) | (direction === 'tx' ? 1 : 0);
  }
}

/** Where a row's header columns are: chunk.type[r], chunk.length[r]... */
export interface RowHeaderPlace {
  chunk: HeaderChunk;
  r: number;
}

/** A row's header columns and its data: bytes[at .. at + chunk.length[r]], also seen through view (valid until the next place). */
export interface RowPlace extends RowHeaderPlace {
  bytes: Uint8Array;
  view: DataView;
  at: number;
}

export abstract class HeaderRows<C extends HeaderChunk> {
  protected chunks: C[] = [];
  protected targetNames: string[] = [];
  readonly #targetIndex = new Map<string, number>();
  /** The distinct origins of monitored rows (a drop's or event's value included), each kept once. */
  protected origins: MessageOrigin[] = [];
  readonly #originIndex = new Map<string, number>();
  protected rowCount = 0;
  /** The chunk chunkOf() found last. */
  #lastChunk = 0;

  get total(): number {
    return this.rowCount;
  }

  /** The number a target name is kept as; @what names the holder in the error past the limit. */
  protected indexOfTarget(target: string, what: string): number {
    let i = this.#targetIndex.get(target);
    if (i === undefined) {
      if (this.targetNames.length >= MAX_TARGETS)
        throw new RangeError(`${what} holds at most ${MAX_TARGETS} distinct targets`);
      i = this.targetNames.length;
      this.targetNames.push(target);
      this.#targetIndex.set(target, i);
    }
    return i;
  }

  /** What a row's origin column holds for @origin: 0 for none, else 1 + its index in the origin table. */
  originNumber(origin: MessageOrigin | undefined): number {
    if (!origin) return 0;
    const key = JSON.stringify([
      origin.device,
      origin.link,
      origin.pid,
      origin.process,
      origin.note,
      origin.value?.toString(),
    ]);
    let i = this.#originIndex.get(key);
    if (i === undefined) {
      i = this.origins.length;
      this.origins.push(origin);
      this.#originIndex.set(key, i);
    }
    return i + 1;
  }

  /** Where a monitored row was seen (its link and process; a drop's or event's note); undefined for the Studio's own. */
  origin(row: number): MessageOrigin | undefined {
    const [c, r] = this.locate(row);
    const n = c.originAt(r);
    return n === 0 ? undefined : this.origins[n - 1];
  }

  /** Drops every row (target numbers stay). */
  protected dropRows(): void {
    this.chunks = [];
    this.rowCount = 0;
  }

  /** The chunk holding @row: scans read rows in order, so the last one found is tried first. */
  protected chunkOf(row: number): C {
    const last = this.chunks[this.#lastChunk];
    if (last && row >= last.firstRow && row < last.firstRow + last.rows && Number.isInteger(row)) return last;
    if (!Number.isInteger(row) || row < 0 || row >= this.rowCount) throw new RangeError(this.missingRow(row));
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (chunks[mid]!.firstRow <= row) lo = mid;
      else hi = mid - 1;
    }
    this.#lastChunk = lo;
    return chunks[lo]!;
  }

  /** Points @out at @row's header columns (its chunk, and its index there); returns the chunk. */
  placeHeader(row: number, out: RowHeaderPlace): C {
    const c = this.chunkOf(row);
    out.chunk = c;
    out.r = row - c.firstRow;
    return c;
  }

  /** Why @row is not here, for the RangeError locate() throws. */
  protected abstract missingRow(row: number): string;

  /** The chunk holding @row, and the row's place in it. */
  protected locate(row: number): [C, number] {
    const c = this.chunkOf(row);
    return [c, row - c.firstRow];
  }

  type(row: number): bigint {
    const [c, r] = this.locate(row);
    return c.type[r]!;
  }

  id(row: number): bigint {
    const [c, r] = this.locate(row);
    return c.id[r]!;
  }

  length(row: number): number {
    const [c, r] = this.locate(row);
    return c.length[r]!;
  }

  timestampNs(row: number): bigint {
    const [c, r] = this.locate(row);
    return c.ts[r]!;
  }

  direction(row: number): Direction {
    const [c, r] = this.locate(row);
    return c.meta[r]! & 1 ? 'tx' : 'rx';
  }

  target(row: number): string {
    const [c, r] = this.locate(row);
    return this.targetNames[c.meta[r]! >> 1]!;
  }
}
