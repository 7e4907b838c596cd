// The Studio API's traffic analysis calls, over the live traffic or a capture
// opened into Traffic, whole or through a filter's view: requests paired with
// their replies and the latency between them, the "expert info" list of
// messages that do not fit their layout (or look wrong) and of monitor drops,
// counts and bytes per kind, direction and target, and numeric fields over
// time for plots (downsampled in the backend).
import { z } from 'zod';
import { call, type CallTable } from './call-spec.ts';
import { trafficSource } from './traffic-api.ts';

const view = z.string().min(1).default('all');

export const analysisInput = z.object({ source: trafficSource, view }).strict();

/** A request left without a reply for longer than this is flagged unanswered (the same for every source). */
export const replyTimeoutInput = z
  .object({ ms: z.number().int().min(1, 'at least 1 ms').max(3_600_000, 'at most an hour (3 600 000 ms)') })
  .strict();

/** How one row pairs: shown in the table as "reply in #N" / "request in #N". */
export interface RowPair {
  role: 'request' | 'reply';
  /** The other row of the pair (a request still waiting has none). */
  row?: number;
  /** Reply time minus request time, in nanoseconds (decimal string). */
  rttNs?: string;
  /** A request of a kind that gets replies, still without one after the reply timeout. */
  unanswered?: true;
}

/** Why a row is flagged in the table: 'error' when it does not fit its layout, 'warning' when it fits but looks wrong. */
export interface RowProblem {
  severity: 'error' | 'warning';
  text: string;
}

/** The marks of one row in the traffic table. */
export interface RowMarks {
  row: number;
  pair?: RowPair;
  problem?: RowProblem;
}

/** The latency of one request kind (the request's kind; 'messages' when the target has no kind for it). */
export interface LatencyKind {
  kind: string;
  target: string;
  /** Pairs counted. */
  count: number;
  /** Requests of this kind flagged unanswered. */
  unanswered: number;
  p50Ns: number;
  p99Ns: number;
  maxNs: number;
  minNs: number;
  /** Counts per bin of `histogram.edgesNs` (log-spaced, shared by every kind of the summary). */
  bins: number[];
}

export interface LatencySummary {
  /** Rows paired so far of the source (the rest are still being read). */
  pairedRows: number;
  totalRows: number;
  replyTimeoutMs: number;
  /** Bin i counts RTTs in [edgesNs[i], edgesNs[i+1]). */
  edgesNs: number[];
  kinds: LatencyKind[];
}

export type ExpertCategory = 'malformed' | 'suspicious' | 'unanswered' | 'drop';

/** One group of the expert info list: messages with the same category, kind and place of the problem. */
export interface ExpertGroup {
  category: ExpertCategory;
  severity: 'error' | 'warning';
  /** What the group is about, e.g. "configure: data.label does not fit". */
  summary: string;
  count: number;
  /** The first rows of the group, each with its own text (at most EXPERT_ROWS_PER_GROUP). */
  rows: Array<{ row: number; text: string }>;
}

export const EXPERT_ROWS_PER_GROUP = 200;

export interface ExpertInfo {
  /** Rows checked so far of those in the view; the list covers these. */
  checked: number;
  total: number;
  groups: ExpertGroup[];
}

export interface CountBytes {
  count: number;
  /** Whole messages: the 32-byte header and the data. */
  bytes: number;
}

export interface TrafficStatistics {
  total: CountBytes;
  /** First to last message of the view, ns (decimal strings); absent when it is empty. */
  firstNs?: string;
  lastNs?: string;
  byKind: Array<CountBytes & { kind: string }>;
  byDirection: Array<CountBytes & { direction: 'rx' | 'tx' }>;
  byTarget: Array<CountBytes & { target: string }>;
}

export const plotInput = z
  .object({
    source: trafficSource,
    view,
    /** Numeric fields as filters name them: `data.temperature`, `data.acceleration.x`, `data.aux_mv[2]`, `id`, `length`. */
    fields: z.array(z.string().min(1).max(200)).min(1, 'name at least one field').max(8, 'at most 8 fields'),
    /** Time range in ms since the Unix epoch (fractions allowed); absent: the whole view. */
    fromMs: z.number().optional(),
    toMs: z.number().optional(),
    /** Buckets across the range: each keeps its minimum and maximum per series. */
    buckets: z.number().int().min(1).max(10_000).default(1000),
  })
  .strict();

export interface PlotSeries {
  field: string;
  target: string;
  /** Times in seconds since the Unix epoch, ascending. */
  t: number[];
  v: number[];
}

export interface PlotData {
  /** The whole view's time range in ms (absent: no point at all). */
  fullFromMs?: number;
  fullToMs?: number;
  /** The range these points cover. */
  fromMs?: number;
  toMs?: number;
  /** Points of the view in the range, before downsampling. */
  points: number;
  series: PlotSeries[];
  /** Per field: messages of the view that have no numeric value there (another kind, a string, decoding stopped). */
  skipped: Record<string, number>;
}

export const analysisCalls = {
  replyTimeout: call<{ ms: number }>()(
    replyTimeoutInput,
    'sets how long a request may wait for its reply before it is flagged unanswered (every source)',
  ),
  latency: call<LatencySummary>()(
    analysisInput,
    "requests paired with their replies by their layout's `reply: match`: count, p50, p99, max and a histogram per kind",
  ),
  expertInfo: call<ExpertInfo>()(
    analysisInput,
    'messages that do not fit their layout or look wrong, unanswered requests and monitor drops, grouped',
  ),
  statistics: call<TrafficStatistics>()(analysisInput, 'counts and bytes per kind, direction and target of a view'),
  plot: call<PlotData>()(
    plotInput,
    'numeric fields of a view over time, per target, downsampled to min/max per bucket',
  ),
  rowMarks: call<RowMarks[]>()(
    z.object({ source: trafficSource, rows: z.array(z.number().int().min(0)).max(1000, 'at most 1000 rows') }).strict(),
    "the marks the traffic table shows on rows: each one's request or reply with the round trip, and what is wrong with it",
  ),
  locate: call<{ index: number | null }>()(
    z.object({ source: trafficSource, view, row: z.number().int().min(0) }).strict(),
    "a stored row's position in a view (null: the view does not show it)",
  ),
} satisfies CallTable;
