// Views of the traffic store (or of an opened capture: any rows that only
// grow): 'all' (every row) and filtered views (the row
// numbers matching an expression, kept up to date as rows arrive). Pausing
// freezes what every view shows without stopping the store; resuming lets
// the views catch up, so nothing is lost.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { StudioError } from '../../../shared/studio-api.ts';
import { compileFilter, type FilterRow } from './filter.ts';
import type { FilterVocabulary } from './filter-vocabulary.ts';

/** Rows scanned between yields to the event loop, so nothing freezes. */
const SCAN_SLICE = 50_000;
/** Time and rows a live update of the views may take per call. */
const UPDATE_BUDGET_MS = 20;
const UPDATE_SLICE = 4096;
/** Filtered views kept at once (each client usually has one). */
const MAX_VIEWS = 8;

export const ALL_VIEW = 'all';

/** A reader of one stored row for the filter, positioned by `at(row)`. */
export interface FilterRowReader extends FilterRow {
  at(row: number): void;
}

class FilteredView {
  rows = new Uint32Array(1024);
  count = 0;
  /** Store rows examined so far. */
  scanned = 0;

  constructor(
    readonly expression: string,
    readonly test: (row: FilterRow) => boolean,
  ) {}

  /** Examines store rows scanned .. upTo. */
  scan(reader: FilterRowReader, upTo: number): void {
    for (let r = this.scanned; r < upTo; r++) {
      reader.at(r);
      if (!this.test(reader)) continue;
      if (this.count === this.rows.length) {
        const bigger = new Uint32Array(this.rows.length * 2);
        bigger.set(this.rows);
        this.rows = bigger;
      }
      this.rows[this.count++] = r;
    }
    this.scanned = Math.max(this.scanned, upTo);
  }
}

export class TrafficViews {
  #views = new Map<string, FilteredView>();
  #next = 1;
  /** The store's length when paused; undefined while live. */
  #pausedAt: number | undefined;

  constructor(
    readonly store: { readonly total: number },
    readonly reader: () => FilterRowReader,
  ) {}

  get paused(): boolean {
    return this.#pausedAt !== undefined;
  }

  /** Rows of the store the views show: all of them, or those up to the pause. */
  get #visibleStoreRows(): number {
    return this.#pausedAt ?? this.store.total;
  }

  /** Compiles (checked against @vocabulary, when given) and runs a filter over the visible rows; returns the new view's id. */
  async create(expression: string, vocabulary?: FilterVocabulary): Promise<string> {
    const { test } = compileFilter(expression, vocabulary);
    const view = new FilteredView(expression, test);
    const reader = this.reader();
    const upTo = this.#visibleStoreRows;
    while (view.scanned < upTo) {
      view.scan(reader, Math.min(upTo, view.scanned + SCAN_SLICE));
      if (view.scanned < upTo) await yieldToEventLoop();
    }
    const id = `f${this.#next++}`;
    this.#views.set(id, view);
    if (this.#views.size > MAX_VIEWS) this.#views.delete(this.#views.keys().next().value!);
    return id;
  }

  /**
   * Brings the views towards the visible rows (call after appending), for at
   * most @budgetMs: a filter that decodes every row may fall behind a fast
   * stream, and then catches up over the next calls instead of freezing
   * the backend.
   */
  update(budgetMs = UPDATE_BUDGET_MS): void {
    const reader = this.reader();
    const deadline = performance.now() + budgetMs;
    for (const v of this.#views.values())
      while (v.scanned < this.#visibleStoreRows && performance.now() < deadline)
        v.scan(reader, Math.min(this.#visibleStoreRows, v.scanned + UPDATE_SLICE));
  }

  /** Brings every view up to the visible rows, however long it takes, yielding to the event loop between slices. */
  async settle(): Promise<void> {
    const reader = this.reader();
    for (const v of this.#views.values())
      while (v.scanned < this.#visibleStoreRows) {
        v.scan(reader, Math.min(this.#visibleStoreRows, v.scanned + SCAN_SLICE));
        await yieldToEventLoop();
      }
  }

  total(view: string): number {
    if (view === ALL_VIEW) return this.#visibleStoreRows;
    return this.#get(view).count;
  }

  /** Store row numbers of view rows start .. start+count. */
  rows(view: string, start: number, count: number): number[] {
    const total = this.total(view);
    const end = Math.min(total, start + count);
    const out: number[] = [];
    if (view === ALL_VIEW) for (let i = start; i < end; i++) out.push(i);
    else {
      const v = this.#get(view);
      for (let i = start; i < end; i++) out.push(v.rows[i]!);
    }
    return out;
  }

  totals(): Record<string, number> {
    const out: Record<string, number> = { [ALL_VIEW]: this.total(ALL_VIEW) };
    for (const [id, v] of this.#views) out[id] = v.count;
    return out;
  }

  pause(): void {
    this.#pausedAt ??= this.store.total;
  }

  resume(): void {
    this.#pausedAt = undefined;
    this.update();
  }

  /** The store was cleared: every view starts again from nothing. */
  reset(): void {
    for (const v of this.#views.values()) {
      v.count = 0;
      v.scanned = 0;
    }
    if (this.#pausedAt !== undefined) this.#pausedAt = 0;
  }

  #get(view: string): FilteredView {
    const v = this.#views.get(view);
    if (!v)
      throw new StudioError({
        code: 'ENOENT',
        message: `no traffic view "${view}": set the filter again (views: ${[ALL_VIEW, ...this.#views.keys()].join(', ')})`,
      });
    return v;
  }
}
