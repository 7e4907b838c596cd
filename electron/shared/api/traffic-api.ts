// The Studio API's traffic calls: the rows of the live traffic store (or of
// a capture opened into Traffic) in windows, filtered views of them, one
// row's detail, pausing and clearing, and the messages-per-second series.
import { z } from 'zod';
import type { MessageJson, MessageOriginJson } from '../message.ts';
import { call, empty, event, type CallTable, type EventPayloads, type EventTable } from './call-spec.ts';
import type { DecodedJson } from './shared-types.ts';

/** Where Traffic reads rows: 'live' (the traffic store, when absent) or the name of a capture opened with openCapture. */
export const trafficSource = z.string().min(1, 'expected "live" or an open capture\'s name').max(200).optional();

export const windowInput = z
  .object({
    source: trafficSource,
    /** The view to read (see setFilter); 'all' is every stored row. */
    view: z.string().min(1).default('all'),
    /** First row of the view, 0-based. */
    start: z.number().int().min(0),
    /** Rows wanted; fewer come back at the end of the view. */
    count: z.number().int().min(0).max(5000, 'at most 5000 rows per window'),
  })
  .strict();

/** One row of the traffic table. u64s as decimal strings. */
export interface TrafficRow {
  /** Position in the store (not in the view): stable, use it for details. */
  row: number;
  timestampNs: string;
  direction: 'rx' | 'tx';
  target: string;
  type: string;
  id: string;
  userValue: string;
  length: number;
  /** The layout's message kind, when the target has a layout and one matched. */
  kind?: string;
  /** One line of decoded fields (cut to about 160 characters); of a monitor's drop or event, what it says. */
  summary: string;
  /** Monitored rows: the link and process (origin.note: a drop or event, not a message). */
  origin?: MessageOriginJson;
  /** The auto-answer rule (rules.yaml) that sent it, for a sent message one did. */
  rule?: string;
}

export interface TrafficWindow {
  view: string;
  /** Rows in the view (paused: as of the pause). */
  total: number;
  start: number;
  rows: TrafficRow[];
}

export interface TrafficDetail {
  row: TrafficRow;
  message: MessageJson;
  /** The whole message, header included, base64: what the hex dump shows. */
  bytes: string;
  /** Absent when the target has no layout. */
  decoded?: DecodedJson;
}

export interface FilterResult {
  /** The view id to pass to window(). */
  view: string;
  /** Rows matching so far; grows as messages arrive. */
  total: number;
  /** How long filtering the stored rows took. */
  ms: number;
}

/** A located filter error: `position` is the 0-based character offset. */
export interface FilterErrorData {
  expression: string;
  position: number;
  message: string;
}

/** The words a filter may use, from every layout the Studio knows. */
export interface FilterWords {
  /** Header fields (type, id, ..., kind) and data field paths (data.acceleration.x, data.aux_mv[0]). */
  fields: string[];
  /** The names an enum-typed field compares with, by field (kind: the message kinds). */
  values: Record<string, string[]>;
}

export interface RatePoint {
  /** Start of the second, ms since the Unix epoch. */
  t: number;
  rx: number;
  tx: number;
}

const trafficTotal = call<{ total: number }>();

export const trafficCalls = {
  window: call<TrafficWindow>()(windowInput, 'rows start .. start+count of a view'),
  setFilter: call<FilterResult>()(
    z.object({ source: trafficSource, expression: z.string().max(4000) }).strict(),
    'filters the store (or an open capture) by an expression (docs in electron/services/studio/traffic/filter-grammar.md); an empty one shows all',
  ),
  detail: call<TrafficDetail>()(
    z.object({ source: trafficSource, row: z.number().int().min(0) }).strict(),
    'one stored row (live or of an open capture): message, bytes, field tree',
  ),
  pause: trafficTotal(empty, 'freezes the views at their current length; messages keep being stored'),
  resume: trafficTotal(empty, 'lets the views catch up with everything stored while paused'),
  clear: trafficTotal(empty, 'forgets every stored row'),
  filterWords: call<FilterWords>()(
    empty,
    "what the filter box completes: header fields, every layout's data field paths, and each enum-typed field's names",
  ),
  rate: call<RatePoint[]>()(
    z.object({ seconds: z.number().int().min(1).max(3600).default(60) }).strict(),
    'messages per second over the last `seconds` seconds, one point per second',
  ),
} satisfies CallTable;

export const trafficEvents = {
  traffic: event<{ total: number; views: Record<string, number>; paused: boolean }>(
    'The store grew (or was cleared). Fetch the rows you show with window().',
  ),
  rate: event<RatePoint>("The last second's message counts, once a second while there is traffic."),
} satisfies EventTable;

export type TrafficEvents = EventPayloads<typeof trafficEvents>;
