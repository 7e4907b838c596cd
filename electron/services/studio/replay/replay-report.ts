// Replay reports: a replay's summary, options and every reply pairing that is
// not the same (field by field, with both messages), saved as JSON in the
// workspace's reports/ folder, so a regression found today can be opened,
// read and diffed in git later.
import { REPORT_FORMAT, type ReplayReport } from '../../../shared/api/replay-api.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import type { Workspace } from '../../workspace/workspace.ts';
import { pairDetail } from './pair-view.ts';
import type { ReplayRun } from './replay-run.ts';

/** Pairings a report holds at most; the rest are counted in `omitted`. */
export const REPORT_PAIRS = 10_000;

export function buildReport(run: ReplayRun, now = new Date()): ReplayReport {
  const { replay: _id, ...summary } = run.progress;
  const shown = run.differences.slice(0, REPORT_PAIRS);
  return {
    format: REPORT_FORMAT,
    version: 1,
    savedAt: now.toISOString(),
    options: run.options,
    summary: { ...summary, problems: [...summary.problems] },
    pairs: shown.map((i) => pairDetail(run.pairs[i]!, i, run.layout, run.options.volatile)),
    omitted: run.differences.length - shown.length,
  };
}

/** replay-CAPTURE-YYYYMMDD-HHMMSS.json, a name the workspace accepts. */
export function reportName(capture: string, now = new Date()): string {
  const base = capture
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9_.+-]/g, '_')
    .slice(0, 80);
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `replay-${base}-${stamp}.json`;
}

export function saveReport(workspace: Workspace, run: ReplayRun, name?: string): string {
  if (run.running)
    throw new StudioError({
      code: 'EBUSY',
      message: `replay ${run.id} is still running: stop it or let it finish before saving its report`,
    });
  const now = new Date();
  const file = name ?? reportName(run.options.capture, now);
  workspace.writeText('reports', file, `${JSON.stringify(buildReport(run, now), null, 2)}\n`);
  return file;
}

/** Reads a saved report; a file that is not one is an EINVAL error naming it and what is wrong. */
export function readReport(workspace: Workspace, name: string): ReplayReport {
  const text = workspace.readText('reports', name);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StudioError({ code: 'EINVAL', message: `reports/${name} is not valid JSON: ${(err as Error).message}` });
  }
  const r = data as Partial<ReplayReport> | null;
  if (typeof r !== 'object' || r === null || r.format !== REPORT_FORMAT)
    throw new StudioError({
      code: 'EINVAL',
      message: `reports/${name} is not a replay report (it has no "format": "${REPORT_FORMAT}")`,
    });
  if (r.version !== 1)
    throw new StudioError({
      code: 'EINVAL',
      message: `reports/${name}: report version ${String(r.version)}; this Studio reads version 1`,
    });
  if (!Array.isArray(r.pairs) || typeof r.summary !== 'object' || typeof r.options !== 'object')
    throw new StudioError({
      code: 'EINVAL',
      message: `reports/${name} is damaged: it lacks its summary, options or pairs`,
    });
  return r as ReplayReport;
}
