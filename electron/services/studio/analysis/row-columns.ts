// A per-row number column for millions of rows, grown in chunks (never
// copied as it grows): what the analysis keeps of each row (its partner, its
// flags) beside the rows it describes.

const CHUNK = 1 << 16;

type TypedArray = Int32Array | Uint8Array;

export class RowColumn<A extends TypedArray> {
  readonly #chunks: A[] = [];

  constructor(
    readonly make: (n: number) => A,
    readonly empty: number,
  ) {}

  get(row: number): number {
    const c = this.#chunks[row >>> 16];
    return c ? c[row & (CHUNK - 1)]! : this.empty;
  }

  set(row: number, value: number): void {
    const at = row >>> 16;
    while (this.#chunks.length <= at) {
      const c = this.make(CHUNK);
      if (this.empty !== 0) c.fill(this.empty);
      this.#chunks.push(c);
    }
    this.#chunks[at]![row & (CHUNK - 1)] = value;
  }

  clear(): void {
    this.#chunks.length = 0;
  }
}

export const int32Column = (empty: number): RowColumn<Int32Array> => new RowColumn((n) => new Int32Array(n), empty);
export const uint8Column = (): RowColumn<Uint8Array> => new RowColumn((n) => new Uint8Array(n), 0);
