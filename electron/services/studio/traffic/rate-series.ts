// Messages per second, per direction, for the Traffic graph: one bucket per
// wall-clock second, the last hour kept in a ring of counters.
import type { RatePoint } from '../../../shared/studio-api.ts';

const KEEP_SECONDS = 3600;

export class RateSeries {
  readonly #rx = new Uint32Array(KEEP_SECONDS);
  readonly #tx = new Uint32Array(KEEP_SECONDS);
  /** The second (since the epoch) the newest bucket counts. */
  #newest = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.#newest = Math.floor(this.now() / 1000);
  }

  /** Moves to the current second, zeroing the buckets skipped over. */
  #advance(second: number): void {
    if (second <= this.#newest) return;
    const gap = Math.min(second - this.#newest, KEEP_SECONDS);
    for (let s = second - gap + 1; s <= second; s++) {
      this.#rx[s % KEEP_SECONDS] = 0;
      this.#tx[s % KEEP_SECONDS] = 0;
    }
    this.#newest = second;
  }

  count(rx: number, tx: number): void {
    const second = Math.floor(this.now() / 1000);
    this.#advance(second);
    const i = second % KEEP_SECONDS;
    this.#rx[i] = this.#rx[i]! + rx;
    this.#tx[i] = this.#tx[i]! + tx;
  }

  /** The last @seconds complete and current seconds, oldest first. */
  points(seconds: number): RatePoint[] {
    const now = Math.floor(this.now() / 1000);
    this.#advance(now);
    const n = Math.min(seconds, KEEP_SECONDS);
    const out: RatePoint[] = [];
    for (let s = now - n + 1; s <= now; s++)
      out.push({ t: s * 1000, rx: this.#rx[s % KEEP_SECONDS]!, tx: this.#tx[s % KEEP_SECONDS]! });
    return out;
  }
}
