// The handler scripts the Studio runs: each a ScriptRun (its own worker
// thread) on an open target, started from the saved workspace file. Emits
// `scriptState` when a run starts and when it stops (with why, and where in
// the script), and its printed lines as throttled `scriptOutput` batches.
// What a script sends goes through the target's endpoint, which reports it
// as a sent message like any other: Traffic shows it as tx on that target.
import path from 'node:path';
import type { ScriptRunView, ScriptStopView } from '../../../shared/api/scripts-api.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import type { Layout } from '../../protocol/layout.ts';
import { ScriptRun, type ScriptStop } from '../../scripts/script-host.ts';
import type { StudioContext } from '../studio-context.ts';
import { ScriptOutput } from './script-output.ts';

const FLUSH_MS = 100;
/** Stopped runs listed (the oldest are forgotten). */
const KEEP_STOPPED = 20;

export interface RunOptions {
  name: string;
  target: string;
  /** The layout to decode with; undefined: the target's; null: none. */
  protocol?: string | null | undefined;
}

interface Entry {
  view: Omit<ScriptRunView, 'counts' | 'droppedLines'>;
  run?: ScriptRun;
  output: ScriptOutput;
  /** Why the Studio stopped the run, when not asked to (its target went away). */
  stopCause?: string;
}

export class ScriptRuns {
  readonly #ctx: StudioContext;
  readonly #runs = new Map<string, Entry>();
  #next = 1;
  #flushTimer: NodeJS.Timeout | undefined;

  constructor(ctx: StudioContext) {
    this.#ctx = ctx;
  }

  /** Starts the saved script @name; resolves with the run's id once it loaded or failed to (a failed load is a stopped run). */
  async start(o: RunOptions): Promise<string> {
    const workspace = this.#ctx.workspace();
    workspace.readText('scripts', o.name); // ENOENT, saying which, before anything starts
    const file = workspace.resolve('scripts', o.name);
    const endpoint = this.#ctx.endpointOf(o.target);
    const layout = this.#layout(o);
    const id = `r${this.#next++}`;
    const entry: Entry = {
      view: {
        run: id,
        script: o.name,
        target: o.target,
        ...(layout ? { protocol: layout.protocol } : {}),
        state: 'running',
        startedAt: Date.now(),
      },
      output: new ScriptOutput(),
    };
    this.#runs.set(id, entry);
    try {
      const run = await ScriptRun.start(file, endpoint, {
        ...(layout ? { layout: layout.file } : {}),
        output: (text) => {
          entry.output.write(text);
          this.#scheduleFlush();
        },
      });
      entry.run = run;
      run.on('sendError', (err) => {
        entry.output.write(`send failed: ${err.message}\n`);
        this.#scheduleFlush();
      });
      this.#ctx.emit('scriptState', { run: id, state: 'running' });
      void run.finished.then((stop) => this.#stopped(entry, file, stop));
      // A script has nothing to answer once its target is gone: stop it, saying why.
      const targetGone = (why: string): void => {
        if (entry.view.state !== 'running') return;
        entry.stopCause = `stopped: ${o.target} ${why}`;
        void run.stop();
      };
      endpoint.once('closed', () => targetGone('was disconnected'));
      endpoint.once('down', (err) => targetGone(`went down (${err.message})`));
    } catch (err) {
      const stop = (err as { stop?: ScriptStop }).stop;
      if (!stop) {
        this.#runs.delete(id);
        throw err;
      }
      this.#stopped(entry, file, stop);
    }
    this.#forgetOld();
    return id;
  }

  async stop(id: string): Promise<ScriptRunView> {
    const entry = this.#get(id);
    if (entry.view.state === 'running' && entry.run) this.#stopped(entry, entry.run.file, await entry.run.stop());
    return this.#view(entry);
  }

  list(): ScriptRunView[] {
    return [...this.#runs.values()].map((e) => this.#view(e));
  }

  async close(): Promise<void> {
    await Promise.all([...this.#runs.values()].map((e) => (e.view.state === 'running' ? e.run?.stop() : undefined)));
    clearTimeout(this.#flushTimer);
  }

  #layout(o: RunOptions): Layout | undefined {
    if (o.protocol === null) return undefined;
    return o.protocol === undefined ? this.#ctx.layoutOf(o.target) : this.#ctx.protocols.get(o.protocol);
  }

  #get(id: string): Entry {
    const entry = this.#runs.get(id);
    if (!entry)
      throw new StudioError({
        code: 'ENOENT',
        message: `no script run "${id}": the runs are ${[...this.#runs.keys()].join(', ') || 'none'}`,
      });
    return entry;
  }

  #view(e: Entry): ScriptRunView {
    const c = e.run?.counts();
    return {
      ...e.view,
      counts: {
        messages: c?.messages ?? 0,
        sends: c?.sends ?? 0,
        workCalls: c?.workCalls ?? 0,
        timerCalls: c?.timerCalls ?? 0,
      },
      droppedLines: e.output.droppedTotal,
    };
  }

  // Once per run: its last output goes out before the news that it stopped.
  #stopped(entry: Entry, file: string, stop: ScriptStop): void {
    if (entry.view.state === 'stopped') return;
    const view = stopView(
      stop.reason === 'stopped' && entry.stopCause ? { ...stop, message: entry.stopCause } : stop,
      file,
      entry.view.script,
    );
    entry.view = { ...entry.view, state: 'stopped', stop: view };
    entry.output.end();
    this.#flush();
    this.#ctx.emit('scriptState', { run: entry.view.run, state: 'stopped', stop: view });
  }

  #scheduleFlush(): void {
    this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const [run, entry] of this.#runs) {
      const batch = entry.output.take();
      if (batch)
        this.#ctx.emit('scriptOutput', {
          run,
          lines: batch.lines,
          ...(batch.dropped ? { dropped: batch.dropped } : {}),
        });
    }
  }

  #forgetOld(): void {
    const stopped = [...this.#runs.values()].filter((e) => e.view.state === 'stopped');
    for (const e of stopped.slice(0, Math.max(0, stopped.length - KEEP_STOPPED))) this.#runs.delete(e.view.run);
  }
}

/** The stop report in the workspace's terms: the script's name where the host names its path. */
function stopView(stop: ScriptStop, file: string, name: string): ScriptStopView {
  const rename = (text: string): string => text.split(file).join(name);
  const location = stop.location && {
    ...stop.location,
    file: stop.location.file === file ? name : path.basename(stop.location.file),
  };
  return {
    reason: stop.reason,
    message: rename(stop.message),
    ...(stop.callback ? { callback: stop.callback } : {}),
    ...(location ? { location } : {}),
    ...(stop.stack ? { stack: rename(stop.stack) } : {}),
  };
}
