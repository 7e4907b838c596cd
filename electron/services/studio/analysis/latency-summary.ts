// The latency of the request/reply pairs of a view, per request kind and
// target: count, median, 99th percentile, extremes, and a histogram on
// power-of-two bins shared by every kind (so their shapes compare).
import type { LatencyKind, LatencySummary } from '../../../shared/api/analysis-api.ts';
import type { TrafficViews } from '../traffic/traffic-views.ts';
import { REQUEST } from './reply-pairing.ts';
import { RowScanner } from './row-scanner.ts';
import type { SourceAnalysis } from './source-analysis.ts';
import { forEachViewRow } from './view-rows.ts';

interface KindRtts {
  kind: string;
  target: string;
  rtts: number[];
  unanswered: number;
}

/** The value at quantile @q of ascending @sorted (nearest rank). */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Power-of-two edges in ns covering min .. max (at least one bin). */
export function histogramEdges(minNs: number, maxNs: number): number[] {
  const lo = Math.floor(Math.log2(Math.max(1, minNs)));
  const hi = Math.max(lo + 1, Math.floor(Math.log2(Math.max(1, maxNs))) + 1);
  return Array.from({ length: hi - lo + 1 }, (_, i) => 2 ** (lo + i));
}

export async function latencySummary(
  analysis: SourceAnalysis,
  views: TrafficViews,
  view: string,
  now: bigint,
  replyTimeoutMs: number,
): Promise<LatencySummary> {
  await analysis.pairAll();
  const { rows, layoutFor, pairing } = analysis;
  const timeoutNs = BigInt(replyTimeoutMs) * 1_000_000n;
  const at = new RowScanner(rows, layoutFor);
  /** By target number * 65536 + kind index. */
  const byKind = new Map<number, KindRtts>();
  await forEachViewRow(views, view, 0, (row) => {
    if (pairing.role.get(row) !== REQUEST) return;
    at.at(row);
    const kind = pairing.kind.get(row);
    const key = at.target * 65536 + kind;
    let e = byKind.get(key);
    if (!e)
      byKind.set(
        key,
        (e = {
          kind: at.access?.layout.messages[kind]?.name ?? 'messages',
          target: at.targetName,
          rtts: [],
          unanswered: 0,
        }),
      );
    const reply = pairing.partner.get(row);
    if (reply >= 0) e.rtts.push(Number(rows.timestampNs(reply) - at.timestampNs));
    else if (pairing.unanswered(rows, row, at.target, now, timeoutNs)) e.unanswered++;
  });
  // Kinds whose requests neither got a reply nor wait too long: nothing to say.
  for (const [key, e] of byKind) if (e.rtts.length === 0 && e.unanswered === 0) byKind.delete(key);
  const sorted = [...byKind.values()].map((e) => ({ ...e, rtts: Float64Array.from(e.rtts).sort() }));
  const all = sorted.filter((e) => e.rtts.length > 0);
  const minNs = Math.min(...all.map((e) => e.rtts[0]!));
  const maxNs = Math.max(...all.map((e) => e.rtts[e.rtts.length - 1]!));
  const edgesNs = all.length ? histogramEdges(minNs, maxNs) : [];
  const kinds: LatencyKind[] = sorted
    .map((e) => {
      const bins = new Array<number>(Math.max(0, edgesNs.length - 1)).fill(0);
      const lo = Math.log2(edgesNs[0] ?? 1);
      for (const rtt of e.rtts)
        bins[Math.min(bins.length - 1, Math.max(0, Math.floor(Math.log2(Math.max(1, rtt)) - lo)))]!++;
      return {
        kind: e.kind,
        target: e.target,
        count: e.rtts.length,
        unanswered: e.unanswered,
        p50Ns: quantile(e.rtts, 0.5),
        p99Ns: quantile(e.rtts, 0.99),
        minNs: e.rtts[0] ?? 0,
        maxNs: e.rtts[e.rtts.length - 1] ?? 0,
        bins,
      };
    })
    .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
  return { pairedRows: pairing.scanned, totalRows: rows.total, replyTimeoutMs, edgesNs, kinds };
}
