// Wireshark's "expert info" for a view: every message that does not fit its
// layout or looks wrong, every request left without a reply, grouped by what
// they share (kind and field), errors first, each group with its first rows
// so one click goes to each.
import {
  EXPERT_ROWS_PER_GROUP,
  type ExpertCategory,
  type ExpertGroup,
  type ExpertInfo,
} from '../../../shared/api/analysis-api.ts';
import type { TrafficViews } from '../traffic/traffic-views.ts';
import { REQUEST } from './reply-pairing.ts';
import { RowScanner } from './row-scanner.ts';
import type { SourceAnalysis } from './source-analysis.ts';
import { forEachViewRow } from './view-rows.ts';

/** How long one call may spend checking rows before it answers with what it has (the page asks again). */
const CHECK_MS_PER_CALL = 400;

interface Gathering extends ExpertGroup {
  /** Rows whose text is filled in at the end (only the first of each group are kept). */
  pending: number[];
}

export async function expertInfo(
  analysis: SourceAnalysis,
  views: TrafficViews,
  view: string,
  now: bigint,
  replyTimeoutMs: number,
): Promise<ExpertInfo> {
  await analysis.pairAll();
  await analysis.checkFor(CHECK_MS_PER_CALL);
  const { rows, layoutFor, pairing } = analysis;
  const timeoutNs = BigInt(replyTimeoutMs) * 1_000_000n;
  const at = new RowScanner(rows, layoutFor);
  const groups = new Map<string, Gathering>();
  const add = (key: string, make: () => Omit<ExpertGroup, 'count' | 'rows'>, row: number): void => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ...make(), count: 0, rows: [], pending: [] }));
    g.count++;
    if (g.pending.length < EXPERT_ROWS_PER_GROUP) g.pending.push(row);
  };
  let checked = 0;
  await forEachViewRow(views, view, 0, (row) => {
    if (row < analysis.checked) checked++;
    const g = analysis.groupOf(row);
    if (g !== undefined) {
      const { severity, summary } = analysis.groups[g]!;
      const category: ExpertCategory = severity === 'error' ? 'malformed' : 'suspicious';
      add(`p${g}`, () => ({ category, severity, summary }), row);
    }
    if (pairing.role.get(row) !== REQUEST || pairing.partner.get(row) >= 0) return;
    at.at(row);
    if (!pairing.unanswered(rows, row, at.target, now, timeoutNs)) return;
    const kind = at.access?.layout.messages[pairing.kind.get(row)]?.name ?? 'no kind';
    const target = at.targetName;
    add(
      `u${target}\u0000${kind}`,
      () => ({
        category: 'unanswered',
        severity: 'warning',
        summary: `${kind} to ${target}: no reply within ${replyTimeoutMs} ms`,
      }),
      row,
    );
  });
  const order: Record<ExpertCategory, number> = { drop: 0, malformed: 1, unanswered: 2, suspicious: 3 };
  const list = [...groups.values()].sort((a, b) => order[a.category] - order[b.category] || b.count - a.count);
  return {
    checked,
    total: views.total(view),
    groups: list.map(({ pending, ...g }) => ({
      ...g,
      rows: pending.map((row) => ({ row, text: rowText(analysis, g.category, row, replyTimeoutMs) })),
    })),
  };
}

function rowText(analysis: SourceAnalysis, category: ExpertCategory, row: number, replyTimeoutMs: number): string {
  if (category === 'unanswered') return `no reply within ${replyTimeoutMs} ms`;
  return analysis.problem(row)?.text ?? '';
}
