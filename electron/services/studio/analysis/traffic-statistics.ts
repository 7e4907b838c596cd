// Counts and bytes of a view (Wireshark's protocol hierarchy and
// conversations, for kucomms): per message kind, per direction, per target.
import type { CountBytes, TrafficStatistics } from '../../../shared/api/analysis-api.ts';
import { HEADER_SIZE } from '../../protocol/decode.ts';
import type { LayoutFor, TrafficRows } from '../traffic/traffic-rows.ts';
import type { TrafficViews } from '../traffic/traffic-views.ts';
import { RowScanner } from './row-scanner.ts';
import { forEachViewRow } from './view-rows.ts';

/** The kind of a row whose target has no layout, or whose header no kind of its layout takes. */
export const NO_KIND = '(no kind)';

function counter(): { add(key: string, bytes: number): void; list(): Array<CountBytes & { key: string }> } {
  const m = new Map<string, CountBytes>();
  return {
    add(key, bytes) {
      const c = m.get(key);
      if (c) {
        c.count++;
        c.bytes += bytes;
      } else m.set(key, { count: 1, bytes });
    },
    list: () => [...m].map(([key, c]) => ({ key, ...c })).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1)),
  };
}

export async function trafficStatistics(
  rows: TrafficRows,
  layoutFor: LayoutFor,
  views: TrafficViews,
  view: string,
): Promise<TrafficStatistics> {
  const kinds = counter();
  const directions = counter();
  const targets = counter();
  const total: CountBytes = { count: 0, bytes: 0 };
  let first: bigint | undefined;
  let last: bigint | undefined;
  const at = new RowScanner(rows, layoutFor);
  /** Kind keys by target number * 65536 + kind index + 1. */
  const kindKeys = new Map<number, string>();
  const kindKey = (): string => {
    const k = at.kind();
    const n = at.target * 65536 + k + 1;
    let key = kindKeys.get(n);
    if (key === undefined) {
      const layout = at.access?.layout;
      kindKeys.set(n, (key = k < 0 || !layout ? NO_KIND : `${layout.protocol}.${layout.messages[k]!.name}`));
    }
    return key;
  };
  await forEachViewRow(views, view, 0, (row) => {
    at.at(row);
    const bytes = HEADER_SIZE + at.length;
    const t = at.timestampNs;
    if (first === undefined || t < first) first = t;
    if (last === undefined || t > last) last = t;
    total.count++;
    total.bytes += bytes;
    kinds.add(kindKey(), bytes);
    directions.add(at.direction ? 'tx' : 'rx', bytes);
    targets.add(at.targetName, bytes);
  });
  return {
    total,
    ...(first !== undefined ? { firstNs: first.toString(), lastNs: last!.toString() } : {}),
    byKind: kinds.list().map(({ key, ...c }) => ({ kind: key, ...c })),
    byDirection: directions.list().map(({ key, ...c }) => ({ direction: key as 'rx' | 'tx', ...c })),
    byTarget: targets.list().map(({ key, ...c }) => ({ target: key, ...c })),
  };
}
