// The rows of one backend view a virtual list has fetched (a traffic view,
// a replay's reply pairs), in blocks. The backend owns the rows; the list
// asks for the rows it shows and this keeps the blocks around them, fetching
// each missing block once however often it is asked for. A view never changes
// a row it has shown, so only the last, partly filled block is fetched again
// as the view grows.

/** What a backend answers for rows start .. start+count-1: those it has, and the view's length. */
export interface RowWindow<Row> {
  total: number;
  rows: Row[];
}

export type WindowFetcher<Row> = (start: number, count: number) => Promise<RowWindow<Row>>;

export class RowCache<Row> {
  readonly #fetch: WindowFetcher<Row>;
  readonly #blockSize: number;
  readonly #maxBlocks: number;
  /** block index -> rows (fewer than blockSize: the view's end when fetched) */
  readonly #blocks = new Map<number, Row[]>();
  readonly #inFlight = new Map<number, Promise<void>>();
  /** Blocks cut short by an older end of the view: still shown, fetched again when asked for. */
  readonly #stale = new Set<number>();
  /** Bumped by reset(): answers to older requests are dropped. */
  #generation = 0;
  #total = 0;
  /** Called whenever rows arrive. */
  onChange: () => void = () => {};
  /** Called when a fetch fails (the table shows the error and keeps going). */
  onError: (err: Error) => void = () => {};

  constructor(fetch: WindowFetcher<Row>, blockSize = 200, maxBlocks = 64) {
    this.#fetch = fetch;
    this.#blockSize = blockSize;
    this.#maxBlocks = maxBlocks;
  }

  get total(): number {
    return this.#total;
  }

  get blockCount(): number {
    return this.#blocks.size;
  }

  /** Forgets every row (another view, or the store was cleared). */
  reset(total = 0): void {
    this.#generation++;
    this.#blocks.clear();
    this.#inFlight.clear();
    this.#stale.clear();
    this.#total = total;
    this.onChange();
  }

  /**
   * The view now has @total rows: a block cut short by the old end is stale. It is kept, since the rows
   * it has do not change (shown while the rest is fetched, instead of placeholders), and fetched again
   * by the next ensure().
   */
  setTotal(total: number): void {
    if (total < this.#total) return this.reset(total);
    this.#total = total;
    for (const [index, rows] of this.#blocks)
      if (rows.length < this.#blockSize && index * this.#blockSize + rows.length < total) this.#stale.add(index);
  }

  get(row: number): Row | undefined {
    const block = this.#blocks.get(Math.floor(row / this.#blockSize));
    return block?.[row % this.#blockSize];
  }

  /** Fetches whatever is missing of rows first .. first+count-1. */
  ensure(first: number, count: number): Promise<void> {
    const end = Math.min(this.#total, first + count);
    const waits: Array<Promise<void>> = [];
    for (let b = Math.floor(first / this.#blockSize); b * this.#blockSize < end; b++) {
      if (this.#blocks.has(b) && !this.#stale.has(b)) {
        // Recently used: move to the back of the eviction order.
        const rows = this.#blocks.get(b)!;
        this.#blocks.delete(b);
        this.#blocks.set(b, rows);
        continue;
      }
      waits.push(this.#inFlight.get(b) ?? this.#load(b));
    }
    return Promise.all(waits).then(() => undefined);
  }

  #load(b: number): Promise<void> {
    const generation = this.#generation;
    const p = this.#fetch(b * this.#blockSize, this.#blockSize).then(
      (w) => {
        if (generation !== this.#generation) return;
        this.#inFlight.delete(b);
        this.#stale.delete(b);
        this.#blocks.delete(b); // set again below: the most recently used
        this.#blocks.set(b, w.rows);
        while (this.#blocks.size > this.#maxBlocks) {
          const oldest = this.#blocks.keys().next().value!;
          this.#blocks.delete(oldest);
          this.#stale.delete(oldest);
        }
        if (w.total > this.#total) this.#total = w.total;
        // The view grew while this block was on its way (setTotal could not
        // drop a block it did not have yet): show what came, fetch the rest.
        // Only for a complete answer, so it ends once the backend catches up.
        const answered = Math.min(w.total, (b + 1) * this.#blockSize);
        if (
          b * this.#blockSize + w.rows.length >= answered &&
          answered < Math.min(this.#total, (b + 1) * this.#blockSize)
        )
          void this.#load(b);
        this.onChange();
      },
      (err: Error) => {
        if (generation !== this.#generation) return;
        this.#inFlight.delete(b);
        this.onError(err);
      },
    );
    this.#inFlight.set(b, p);
    return p;
  }
}
