// The Studio's traffic analysis calls (electron/shared/api/analysis-api.ts)
// over the live traffic or a capture opened into Traffic: the pairs and
// problems of each source (kept up to date as rows arrive, a budget at a
// time), the latency summary, the expert info, statistics, field plots, and
// the marks the traffic table shows on each row.
import type { RowMarks, analysisCalls } from '../../../shared/api/analysis-api.ts';
import type { AreaHandlers, StudioArea } from '../studio-context.ts';
import type { LayoutFor, TrafficRows } from '../traffic/traffic-rows.ts';
import type { TrafficViews } from '../traffic/traffic-views.ts';
import { expertInfo } from './expert-info.ts';
import { latencySummary } from './latency-summary.ts';
import { plotData } from './plot-data.ts';
import { REPLY, REQUEST } from './reply-pairing.ts';
import { RowScanner } from './row-scanner.ts';
import { SourceAnalysis } from './source-analysis.ts';
import { trafficStatistics } from './traffic-statistics.ts';

/** How often, and for how long at most, the live traffic's new rows are paired and checked. */
const LIVE_UPDATE_MS = 100;
const LIVE_BUDGET_MS = 15;
export const DEFAULT_REPLY_TIMEOUT_MS = 1000;

/** Rows and their filtered views, as Traffic reads them. */
interface TrafficSource {
  rows: TrafficRows;
  views: TrafficViews;
}

export interface AnalysisAreaOptions {
  /** Where Traffic reads rows: the live store (name absent or 'live') or an open capture. */
  source(name: string | undefined): TrafficSource;
  layoutOf: LayoutFor;
}

/** Whether a call's `source` is the live traffic (absent or 'live') rather than an open capture. */
export function isLiveSource(name: string | undefined): boolean {
  return name === undefined || name === 'live';
}

export class AnalysisArea implements StudioArea<typeof analysisCalls> {
  readonly handlers: AreaHandlers<typeof analysisCalls>;
  readonly #options: AnalysisAreaOptions;
  readonly #analyses = new WeakMap<TrafficRows, SourceAnalysis>();
  #replyTimeoutMs = DEFAULT_REPLY_TIMEOUT_MS;
  readonly #timer: NodeJS.Timeout;

  constructor(options: AnalysisAreaOptions) {
    this.#options = options;
    this.#timer = setInterval(() => this.#analysis(undefined).update(LIVE_BUDGET_MS), LIVE_UPDATE_MS).unref();
    this.handlers = {
      replyTimeout: async (i) => {
        this.#replyTimeoutMs = i.ms;
        return { ms: i.ms };
      },
      latency: async (i) =>
        latencySummary(
          this.#analysis(i.source),
          this.#options.source(i.source).views,
          i.view,
          this.#now(i.source),
          this.#replyTimeoutMs,
        ),
      expertInfo: async (i) =>
        expertInfo(
          this.#analysis(i.source),
          this.#options.source(i.source).views,
          i.view,
          this.#now(i.source),
          this.#replyTimeoutMs,
        ),
      statistics: async (i) => {
        const { rows, views } = this.#options.source(i.source);
        return trafficStatistics(rows, this.#options.layoutOf, views, i.view);
      },
      plot: async (i) => {
        const { rows, views } = this.#options.source(i.source);
        return plotData(rows, this.#options.layoutOf, views, i);
      },
      rowMarks: async (i) => i.rows.map((row) => this.#marks(i.source, row)),
      locate: async (i) => {
        const { views } = this.#options.source(i.source);
        return { index: locate(views, i.view, i.row) };
      },
    };
  }

  /** The marks of one row of @source for the table: its pair, and what is wrong with it. */
  #marks(source: string | undefined, row: number): RowMarks {
    const a = this.#analysis(source);
    const out: RowMarks = { row };
    if (row >= a.rows.total) return out;
    const { pairing, rows } = a;
    // Rows after this one may hold its reply: pair up to the end.
    a.pairNow(rows.total);
    if (row < pairing.scanned) {
      const role = pairing.role.get(row);
      const partner = pairing.partner.get(row);
      if (role === REPLY || (role === REQUEST && partner >= 0)) {
        const [request, reply] = role === REQUEST ? [row, partner] : [partner, row];
        out.pair = {
          role: role === REQUEST ? 'request' : 'reply',
          row: partner,
          rttNs: (rows.timestampNs(reply) - rows.timestampNs(request)).toString(),
        };
      } else if (
        role === REQUEST &&
        pairing.unanswered(
          rows,
          row,
          new RowScanner(rows, a.layoutFor).targetNumberOf(row),
          this.#now(source),
          BigInt(this.#replyTimeoutMs) * 1_000_000n,
        )
      )
        out.pair = { role: 'request', unanswered: true };
    }
    // A checked row without a group is fine: no need to decode it again.
    if (row >= a.checked || a.groupOf(row) !== undefined) {
      const p = a.problem(row);
      if (p) out.problem = { severity: p.severity, text: p.text };
    }
    return out;
  }

  #analysis(source: string | undefined): SourceAnalysis {
    const { rows } = this.#options.source(source);
    let a = this.#analyses.get(rows);
    if (!a) this.#analyses.set(rows, (a = new SourceAnalysis(rows, this.#options.layoutOf)));
    return a;
  }

  /** Live: the clock; a capture: its last message's time (nothing arrives after it). */
  #now(source: string | undefined): bigint {
    if (isLiveSource(source)) return BigInt(Date.now()) * 1_000_000n;
    const { rows } = this.#options.source(source);
    return rows.total > 0 ? rows.timestampNs(rows.total - 1) : 0n;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
  }
}

/** The position of store row @row in @view, or null when the view does not show it (views are in row order). */
function locate(views: TrafficViews, view: string, row: number): number | null {
  let lo = 0;
  let hi = views.total(view) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = views.rows(view, mid, 1)[0]!;
    if (at === row) return mid;
    if (at < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return null;
}
