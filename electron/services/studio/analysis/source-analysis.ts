// What the analysis knows of one source of rows (the live store, or a capture
// opened into Traffic), kept up to date as rows arrive: the reply pairs
// (header only, fast) and, behind them, every message checked against its
// layout (each decoded by the compiled decoder; the reference decoder only
// says why one does not fit). A row keeps the number of its problem's group,
// not its text, so a million malformed messages cost four bytes each.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { decodeData } from '../../protocol/decode.ts';
import type { LayoutFor, TrafficRows } from '../traffic/traffic-rows.ts';
import { ReplyPairing } from './reply-pairing.ts';
import { RowScanner } from './row-scanner.ts';
import { problemOf, type Problem } from './row-problems.ts';
import { int32Column } from './row-columns.ts';

const PAIR_SLICE = 1 << 16;
const CHECK_SLICE = 4096;
/** Rows pairNow() pairs at most in one call. */
const SYNC_PAIR_ROWS = 200_000;

export interface ProblemGroup {
  severity: Problem['severity'];
  summary: string;
}

export class SourceAnalysis {
  readonly pairing = new ReplyPairing();
  /** Each checked row's problem group (index into `groups`), -1 for none. */
  readonly #groupOf = int32Column(-1);
  readonly groups: ProblemGroup[] = [];
  readonly #groupIndex = new Map<string, number>();
  /** Rows 0 .. checked-1 are checked. */
  checked = 0;
  readonly #scanner: RowScanner;
  /** The rows' generation this analysis is of. */
  #generation: number | undefined;

  constructor(
    readonly rows: TrafficRows,
    readonly layoutFor: LayoutFor,
  ) {
    this.#generation = rows.generation;
    this.#scanner = new RowScanner(rows, layoutFor);
  }

  /** Forgets everything when the rows were cleared or a target's layout changed. */
  #refresh(): void {
    if (this.rows.generation !== this.#generation || this.pairing.stale(this.layoutFor)) this.reset();
  }

  reset(): void {
    this.#generation = this.rows.generation;
    this.pairing.reset();
    this.#groupOf.clear();
    this.groups.length = 0;
    this.#groupIndex.clear();
    this.checked = 0;
  }

  /** Pairs and checks new rows for at most @budgetMs (live traffic: called after every batch). */
  update(budgetMs: number): void {
    this.#refresh();
    const deadline = performance.now() + budgetMs;
    const total = this.rows.total;
    while (this.pairing.scanned < total && performance.now() < deadline)
      this.pairing.scan(this.rows, this.layoutFor, Math.min(total, this.pairing.scanned + PAIR_SLICE));
    while (this.checked < total && performance.now() < deadline)
      this.#check(Math.min(total, this.checked + CHECK_SLICE));
  }

  /**
   * Pairs rows now, up to @upTo but at most SYNC_PAIR_ROWS of them (the
   * table's marks are asked for while rows arrive; the rest follows in
   * update()).
   */
  pairNow(upTo: number): void {
    this.#refresh();
    const end = Math.min(upTo, this.rows.total, this.pairing.scanned + SYNC_PAIR_ROWS);
    if (end > this.pairing.scanned) this.pairing.scan(this.rows, this.layoutFor, end);
  }

  /** Pairs every row there is, letting the event loop through between slices. */
  async pairAll(): Promise<void> {
    this.#refresh();
    while (this.pairing.scanned < this.rows.total) {
      this.pairing.scan(this.rows, this.layoutFor, Math.min(this.rows.total, this.pairing.scanned + PAIR_SLICE));
      await yieldToEventLoop();
    }
  }

  /** Checks rows for up to @ms (a capture read from disk may take longer: the caller asks again). */
  async checkFor(ms: number): Promise<void> {
    this.#refresh();
    const deadline = performance.now() + ms;
    while (this.checked < this.rows.total && performance.now() < deadline) {
      this.#check(Math.min(this.rows.total, this.checked + CHECK_SLICE));
      await yieldToEventLoop();
    }
  }

  /** The problem group of a checked row, or undefined. */
  groupOf(row: number): number | undefined {
    const g = row < this.checked ? this.#groupOf.get(row) : -1;
    return g < 0 ? undefined : g;
  }

  /** What is wrong with @row (decoding it again), or undefined. */
  problem(row: number): Problem | undefined {
    const at = this.#scanner;
    at.at(row, true);
    const access = at.access;
    if (!access) return undefined;
    const kind = at.kind();
    const { bytes, at: start } = at.place;
    const data = bytes.subarray(start, start + at.length);
    const fast = kind < 0 ? undefined : access.codec.decodeDataFast(kind, data);
    const verdict = fast
      ? { kind: access.layout.messages[kind]!.name, data: fast }
      : decodeData(access.layout, at.header(), data);
    return problemOf(access.layout, verdict);
  }

  #check(upTo: number): void {
    for (let r = this.checked; r < upTo; r++) {
      const p = this.problem(r);
      if (!p) continue;
      let g = this.#groupIndex.get(p.group);
      if (g === undefined) {
        g = this.groups.push({ severity: p.severity, summary: p.group }) - 1;
        this.#groupIndex.set(p.group, g);
      }
      this.#groupOf.set(r, g);
    }
    this.checked = Math.max(this.checked, upTo);
  }
}
