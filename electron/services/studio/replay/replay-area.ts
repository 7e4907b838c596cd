// The Studio's replay calls (electron/shared/api/replay-api.ts): replays of
// workspace captures into open targets, their reply pairings kept for
// browsing (electron/services/studio/replay/), and saved reports.
import { existsSync } from 'node:fs';
import type { replayCalls, ReplayOptionsJson } from '../../../shared/api/replay-api.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import type { Layout } from '../../protocol/layout.ts';
import { pairDetail, pairJson } from './pair-view.ts';
import { readReport, saveReport } from './replay-report.ts';
import { captureRecords, ReplayRun } from './replay-run.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';

/** Finished replays kept for browsing (oldest dropped first); running ones are always kept. */
const KEEP_FINISHED = 5;
/** Records read to find the targets a capture recorded. */
const SOURCE_SCAN_RECORDS = 10_000;

export class ReplayArea implements StudioArea<typeof replayCalls> {
  readonly handlers: AreaHandlers<typeof replayCalls>;
  readonly #runs = new Map<string, ReplayRun>();
  #next = 1;

  constructor(readonly ctx: StudioContext) {
    this.handlers = {
      replaySources: async ({ capture }) => ({ targets: await this.#sources(this.#captureFile(capture)) }),
      startReplay: async (options) => ({ replay: this.#start(options).id }),
      stopReplay: async ({ replay }) => {
        const run = this.#run(replay);
        run.stop();
        await run.finished;
        return run.progress;
      },
      listReplays: async () => [...this.#runs.values()].map((r) => r.progress),
      replayResults: async ({ replay, start, count, only }) => {
        const run = this.#run(replay);
        const positions = only === 'differences' ? run.differences : undefined;
        const total = positions ? positions.length : run.pairs.length;
        const pairs = [];
        for (let i = start; i < Math.min(total, start + count); i++) {
          const at = positions ? positions[i]! : i;
          pairs.push(pairJson(run.pairs[at]!, at, run.layout));
        }
        const first = run.differences[0];
        return {
          replay,
          total,
          start,
          pairs,
          ...(first !== undefined ? { firstDifference: positions ? 0 : first } : {}),
        };
      },
      replayPair: async ({ replay, index }) => {
        const run = this.#run(replay);
        const pair = run.pairs[index];
        if (!pair)
          throw new StudioError({
            code: 'ENOENT',
            message: `replay ${replay} has ${run.pairs.length} reply pairings kept; there is none at ${index}`,
          });
        return pairDetail(pair, index, run.layout, run.options.volatile);
      },
      saveReplayReport: async ({ replay, name }) => ({
        name: saveReport(this.ctx.workspace(), this.#run(replay), name),
      }),
      listReports: async () => this.ctx.workspace().list('reports'),
      readReport: async ({ name }) => readReport(this.ctx.workspace(), name),
    };
  }

  #captureFile(capture: string): string {
    const file = this.ctx.workspace().resolve('captures', capture);
    if (!existsSync(file))
      throw new StudioError({
        code: 'ENOENT',
        message: `captures/${capture} does not exist in the workspace ${this.ctx.workspace().dir}`,
      });
    return file;
  }

  async #sources(file: string): Promise<string[]> {
    const targets = new Set<string>();
    let read = 0;
    try {
      for await (const r of captureRecords(file)) {
        targets.add(r.target);
        if (++read >= SOURCE_SCAN_RECORDS) break;
      }
    } catch (err) {
      throw new StudioError({ code: 'EINVAL', message: (err as Error).message });
    }
    return [...targets];
  }

  #layout(options: ReplayOptionsJson): Layout | undefined {
    return options.protocol !== undefined
      ? this.ctx.protocols.get(options.protocol)
      : this.ctx.layoutOf(options.target);
  }

  #start(options: ReplayOptionsJson): ReplayRun {
    const file = this.#captureFile(options.capture);
    const endpoint = this.ctx.endpointOf(options.target);
    const layout = this.#layout(options);
    const busy = [...this.#runs.values()].find((r) => r.running && r.options.target === options.target);
    if (busy)
      throw new StudioError({
        code: 'EBUSY',
        message: `replay ${busy.id} is already replaying into ${options.target}: stop it first (two replays into one target would take each other's replies)`,
      });
    const id = `replay-${this.#next++}`;
    const run = new ReplayRun({
      id,
      options,
      file,
      endpoint,
      ...(layout ? { layout } : {}),
      onProgress: (p) => this.ctx.emit('replayProgress', p),
    });
    this.#runs.set(id, run);
    this.#forgetOld();
    return run;
  }

  #forgetOld(): void {
    const finished = [...this.#runs.values()].filter((r) => !r.running);
    for (const r of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.#runs.delete(r.id);
  }

  #run(id: string): ReplayRun {
    const run = this.#runs.get(id);
    if (!run)
      throw new StudioError({
        code: 'ENOENT',
        message: `no replay ${id} in this session (finished replays are kept ${KEEP_FINISHED} at a time; saved reports stay in reports/)`,
      });
    return run;
  }

  async close(): Promise<void> {
    const runs = [...this.#runs.values()];
    for (const r of runs) r.stop();
    await Promise.all(runs.map((r) => r.finished));
  }
}
