// The Studio's fuzz calls (electron/shared/api/fuzz-api.ts): one fuzz run at
// a time (services/fuzz/), on its own link to the target, writing its
// findings into the open workspace, its lines and findings sent as
// fuzzProgress events (batched).
import type { fuzzCalls, FuzzRunView } from '../../../shared/api/fuzz-api.ts';
import { parseTarget } from '../../../shared/target.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import { fuzz } from '../../fuzz/fuzz-run.ts';
import { KernelLog } from '../../fuzz/kernel-log.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';

const FLUSH_MS = 100;
/** Lines kept of a run (its findings are kept whole). */
const KEEP_LINES = 2000;

export class FuzzArea implements StudioArea<typeof fuzzCalls> {
  readonly handlers: AreaHandlers<typeof fuzzCalls>;
  #view: FuzzRunView | null = null;
  #abort: AbortController | undefined;
  #finished: Promise<void> | undefined;
  #next = 1;
  #flushTimer: NodeJS.Timeout | undefined;

  constructor(readonly ctx: StudioContext) {
    this.handlers = {
      startFuzz: async (i) => {
        if (this.#view?.state === 'running')
          throw new StudioError({
            code: 'EBUSY',
            message: `a fuzz run of ${this.#view.target} is running: stop it first`,
          });
        if (parseTarget(i.target).kind === 'device' && !i.kernel)
          throw new StudioError({
            code: 'EPERM',
            message: `${i.target} is a kernel device: fuzzing it can crash the kernel it runs on. Do it in a virtual machine, and confirm to go ahead`,
          });
        const layout = ctx.protocols.get(i.protocol);
        const workspace = ctx.workspace().dir;
        const view: FuzzRunView = {
          run: `f${this.#next++}`,
          target: i.target,
          protocol: i.protocol,
          state: 'running',
          lines: [],
          findings: [],
        };
        this.#view = view;
        const abort = new AbortController();
        this.#abort = abort;
        const kernelLog = new KernelLog(
          parseTarget(i.target).kind === 'device' ? i.target.replace(/^\/dev\//, '') : undefined,
        );
        const say = (line: string): void => {
          view.lines.push(line);
          if (view.lines.length > KEEP_LINES) view.lines.splice(0, view.lines.length - KEEP_LINES);
          this.#schedule();
        };
        say(
          kernelLog.readable
            ? 'fuzz: watching the link and the kernel log (/dev/kmsg)'
            : `fuzz: watching the link only: cannot read the kernel log (${kernelLog.why})`,
        );
        this.#finished = fuzz({
          target: i.target,
          layout,
          workspace,
          kernelLog,
          hangMs: i.hangMs,
          ...(i.maxMessages !== undefined ? { maxMessages: i.maxMessages } : {}),
          log: say,
          signal: abort.signal,
          onFinding: (f) => {
            view.findings.push({
              kind: f.kind,
              evidence: f.evidence,
              reproducer: f.reduced.map((m) => m.mutation),
              capture: f.capture,
              test: f.test,
            });
            this.#schedule();
          },
        })
          .then(
            ({ sent, findings }) => {
              say(`fuzz: ${sent} messages, ${findings.length} finding${findings.length === 1 ? '' : 's'}`);
              view.state = abort.signal.aborted ? 'stopped' : 'finished';
            },
            (err: Error) => {
              view.state = 'failed';
              view.error = err.message;
              say(`fuzz failed: ${err.message}`);
            },
          )
          .finally(() => {
            kernelLog.close();
            this.#flush();
          });
        return { run: view.run };
      },
      stopFuzz: async () => {
        if (!this.#view) throw new StudioError({ code: 'ENOENT', message: 'no fuzz run was started' });
        this.#abort?.abort();
        await this.#finished;
        return this.#view;
      },
      fuzzState: async () => (this.#view ? { last: this.#view } : {}),
    };
  }

  #schedule(): void {
    this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#view)
      this.ctx.emit('fuzzProgress', {
        ...this.#view,
        lines: [...this.#view.lines],
        findings: [...this.#view.findings],
      });
  }

  async close(): Promise<void> {
    this.#abort?.abort();
    await this.#finished;
    clearTimeout(this.#flushTimer);
  }
}
