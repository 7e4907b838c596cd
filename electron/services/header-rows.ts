// Rows of message headers kept as columns of typed arrays in chunks, never
// an object per message: what the live traffic store (studio/traffic/traffic-store.ts)
// and a capture file's index (capture/capture-index.ts) have in common.
// Each adds its own columns (the data, or where the record is in the file).
// Rows are only appended (or all dropped), so a row number stays valid.
import type { Direction } from '../shared/message.ts';

/** Rows per chunk. */
export const CHUNK_ROWS = 1 << 16;
/** Distinct targets: the index shares a u16 with the direction bit. */
const MAX_TARGETS = 1 << 15;

/** Header columns of up to CHUNK_ROWS rows, from row `firstRow` on. */
export class HeaderChunk {
  readonly ts = new BigUint64Array(CHUNK_ROWS);
  readonly type = new BigUint64Array(CHUNK_ROWS);
  readonly id = new BigUint64Array(CHUNK_ROWS);
  /** Bytes of data. */
  readonly length = new Uint32Array(CHUNK_ROWS);
  /** target index << 1 | (1 for tx). */
  readonly meta = new Uint16Array(CHUNK_ROWS);
  rows = 0;

  constructor(readonly firstRow: number) {}

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

export abstract class HeaderRows<C extends HeaderChunk> {
  protected chunks: C[] = [];
  protected targetNames: string[] = [];
  readonly #targetIndex = new Map<string, number>();
  protected rowCount = 0;

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

  /** Drops every row (target numbers stay). */
  protected dropRows(): void {
    this.chunks = [];
    this.rowCount = 0;
  }

  /** Why @row is not here, for the RangeError locate() throws. */
  protected abstract missingRow(row: number): string;

  /** The chunk holding @row, and the row's place in it. */
  protected locate(row: number): [C, number] {
    if (!Number.isInteger(row) || row < 0 || row >= this.rowCount) throw new RangeError(this.missingRow(row));
    const chunks = this.chunks;
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
