// Numeric fields of a view over time, one series per field and target, for
// the Traffic view's field plot (Wireshark's I/O graph, CANoe's graphics
// window). A field's values are read once per view into columns (times and
// values, per target) and extended as the view grows; each request then
// downsamples the range asked for to the minimum and maximum of each bucket,
// in the order they occurred, so a million points draw as a few thousand
// that look the same at the plot's width.
import type { PlotData, PlotSeries, plotInput } from '../../../shared/api/analysis-api.ts';
import type { z } from 'zod';
import { StudioError } from '../../../shared/studio-api.ts';
import type { DataPath } from '../../protocol/field-access.ts';
import type { FieldValue } from '../../protocol/values.ts';
import type { LayoutFor, TrafficRows } from '../traffic/traffic-rows.ts';
import type { TrafficViews } from '../traffic/traffic-views.ts';
import { RowScanner } from './row-scanner.ts';
import { forEachViewRow } from './view-rows.ts';

/** Field columns kept per source (the plot asks for the same few again on every zoom and pan). */
const KEPT_COLUMNS = 8;

/** A plottable field: a header value, or a path below `data`. */
type PlotField = { header: 'type' | 'id' | 'user_value' | 'length' } | { path: DataPath };

const HEADER_FIELDS: Record<string, 'type' | 'id' | 'user_value' | 'length'> = {
  type: 'type',
  id: 'id',
  user_value: 'user_value',
  userValue: 'user_value',
  length: 'length',
};

/** `data.a.b[2].c` -> ['a', 'b', 2, 'c']; a header name as itself; anything else is refused, saying what is accepted. */
export function parsePlotField(text: string): PlotField {
  const name = text.trim().replace(/^header\./, '');
  const header = HEADER_FIELDS[name];
  if (header) return { header };
  const m = /^data((?:\.[A-Za-z_$][\w$]*|\[\d+\])+)$/.exec(name);
  if (!m)
    throw new StudioError({
      code: 'EINVAL_INPUT',
      message: `cannot plot "${text}": name a numeric field as data.NAME (data.temperature, data.acceleration.x, data.aux_mv[2]) or type, id, user_value, length`,
    });
  const path: Array<string | number> = [];
  for (const step of m[1]!.matchAll(/\.([A-Za-z_$][\w$]*)|\[(\d+)\]/g))
    path.push(step[1] !== undefined ? step[1] : Number(step[2]));
  return { path };
}

function numeric(v: FieldValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

class Growing {
  a = new Float64Array(1024);
  n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
}

/** One field's values in a view, by target: times (ms) and values. */
class FieldColumns {
  readonly byTarget = new Map<string, { t: Growing; v: Growing; sorted: boolean }>();
  /** View rows read so far. */
  read = 0;
  skipped = 0;
  constructor(
    readonly field: PlotField,
    /** The rows' generation when read (another: the live store was cleared since). */
    readonly generation: number | undefined,
  ) {}
}

/** Reads @field of the row @at is on (placed with its data for a data field). */
function readValue(at: RowScanner, field: PlotField): number | undefined {
  const { chunk, r } = at.place;
  if ('header' in field) {
    const h = field.header;
    return h === 'length'
      ? chunk.length[r]!
      : Number(h === 'type' ? chunk.type[r]! : h === 'id' ? chunk.id[r]! : at.rows.userValue(at.row));
  }
  const access = at.access;
  const kind = at.kind();
  if (!access || kind < 0) return undefined;
  const { bytes, view, at: start } = at.place;
  return numeric(access.readers(field.path)[kind]?.(bytes, view, start, chunk.length[r]!, () => at.header()));
}

const columnsOf = new WeakMap<TrafficRows, Map<string, FieldColumns>>();

/** The columns of @field in @view, read up to the view's current end. */
async function columns(
  rows: TrafficRows,
  layoutFor: LayoutFor,
  views: TrafficViews,
  view: string,
  text: string,
): Promise<FieldColumns> {
  let kept = columnsOf.get(rows);
  if (!kept) columnsOf.set(rows, (kept = new Map()));
  const key = `${view}\u0000${text}`;
  let c = kept.get(key);
  // The live store was cleared since: start again.
  if (!c || c.generation !== rows.generation || views.total(view) < c.read)
    c = new FieldColumns(parsePlotField(text), rows.generation);
  kept.delete(key);
  kept.set(key, c);
  if (kept.size > KEPT_COLUMNS) kept.delete(kept.keys().next().value!);
  const cols = c;
  const at = new RowScanner(rows, layoutFor);
  const withData = !('header' in cols.field);
  // Views only grow: read the rows past those read before.
  cols.read = await forEachViewRow(views, view, cols.read, (row) => {
    at.at(row, withData);
    const v = readValue(at, cols.field);
    if (v === undefined || Number.isNaN(v)) {
      cols.skipped++;
      return;
    }
    const target = at.targetName;
    let s = cols.byTarget.get(target);
    if (!s) cols.byTarget.set(target, (s = { t: new Growing(), v: new Growing(), sorted: true }));
    const t = Number(at.timestampNs) / 1e6;
    if (s.t.n > 0 && t < s.t.a[s.t.n - 1]!) s.sorted = false;
    s.t.push(t);
    s.v.push(v);
  });
  return cols;
}

/** First index of ascending @a[0..n) whose value is >= @x (@after: > @x). */
function bound(a: Float64Array, n: number, x: number, after: boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x || (after && a[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Min and max of each of @buckets buckets over [fromMs, toMs], in time order; returns the points it looked at. */
function downsample(
  t: Float64Array,
  v: Float64Array,
  n: number,
  sorted: boolean,
  fromMs: number,
  toMs: number,
  buckets: number,
  out: PlotSeries,
): number {
  const [i0, i1] = sorted ? [bound(t, n, fromMs, false), bound(t, n, toMs, true)] : [0, n];
  const width = Math.max(toMs - fromMs, 1e-9) / buckets;
  const minAt = new Int32Array(buckets).fill(-1);
  const maxAt = new Int32Array(buckets).fill(-1);
  let looked = 0;
  for (let i = i0; i < i1; i++) {
    const x = t[i]!;
    if (x < fromMs || x > toMs) continue;
    looked++;
    const b = Math.min(buckets - 1, Math.floor((x - fromMs) / width));
    if (minAt[b]! < 0 || v[i]! < v[minAt[b]!]!) minAt[b] = i;
    if (maxAt[b]! < 0 || v[i]! > v[maxAt[b]!]!) maxAt[b] = i;
  }
  for (let b = 0; b < buckets; b++) {
    const lo = minAt[b]!;
    if (lo < 0) continue;
    const hi = maxAt[b]!;
    for (const i of lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo]) {
      out.t.push(t[i]! / 1000);
      out.v.push(v[i]!);
    }
  }
  // An unsorted series (rows stored out of time order): its points sorted by time.
  if (!sorted) {
    const order = out.t.map((_, k) => k).sort((a, b) => out.t[a]! - out.t[b]!);
    const [ts, vs] = [order.map((k) => out.t[k]!), order.map((k) => out.v[k]!)];
    out.t = ts;
    out.v = vs;
  }
  return looked;
}

export async function plotData(
  rows: TrafficRows,
  layoutFor: LayoutFor,
  views: TrafficViews,
  input: z.output<typeof plotInput>,
): Promise<PlotData> {
  const fields = [];
  for (const text of input.fields) fields.push({ text, cols: await columns(rows, layoutFor, views, input.view, text) });
  let fullFrom = Infinity;
  let fullTo = -Infinity;
  for (const { cols } of fields)
    for (const s of cols.byTarget.values())
      for (let i = 0; i < s.t.n; i += s.sorted ? Math.max(1, s.t.n - 1) : 1) {
        fullFrom = Math.min(fullFrom, s.t.a[i]!);
        fullTo = Math.max(fullTo, s.t.a[i]!);
      }
  const skipped: Record<string, number> = {};
  for (const { text, cols } of fields) skipped[text] = cols.skipped;
  if (fullFrom > fullTo) return { points: 0, series: [], skipped };
  const fromMs = input.fromMs ?? fullFrom;
  const toMs = input.toMs ?? fullTo;
  const series: PlotSeries[] = [];
  let points = 0;
  for (const { text, cols } of fields)
    for (const [target, s] of [...cols.byTarget].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const out: PlotSeries = { field: text, target, t: [], v: [] };
      points += downsample(s.t.a, s.v.a, s.t.n, s.sorted, fromMs, toMs, input.buckets, out);
      series.push(out);
    }
  return { fullFromMs: fullFrom, fullToMs: fullTo, fromMs, toMs, points, series, skipped };
}
