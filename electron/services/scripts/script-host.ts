// Runs a handler script in a worker thread attached to an open Endpoint:
// forwards the endpoint's received messages to it, sends what it sends, and
// stops it (the endpoint keeps running) when it throws, runs away (one
// callback busy for longer than runawayMs) or exhausts its memory limit,
// reporting why with the stack and the script's line. With a layout, the
// worker decodes each message for the script (see script-protocol.ts).
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { Message } from '../../shared/message.ts';
import type { Endpoint, KucommsError } from '../endpoint.ts';
import {
  CALLBACK_NAMES,
  Slot,
  type CallbackName,
  type ScriptMessage,
  type WorkerData,
  type WorkerReport,
} from './script-api.ts';
import { locateBusyWorker, type SourceLocation } from './worker-location.ts';

export interface ScriptOptions {
  /** A callback running longer than this is a runaway. Default 2000 ms. */
  runawayMs?: number;
  /** Heap limit of the script's thread. Default 128 MB. */
  memoryMb?: number;
  /** A protocol layout file: messages then carry `decoded`, and the script can encode. */
  layout?: string;
  /**
   * Where what the script prints (console.log and friends) goes, from its
   * first line: top-level code runs before start() resolves, so a listener
   * added afterwards would miss it.
   */
  output?: (text: string) => void;
}

export interface ScriptStop {
  /** layout: the layout file could not be read or has errors (all of them in message). */
  reason: 'error' | 'runaway' | 'out-of-memory' | 'stopped' | 'layout';
  /** One sentence for people. */
  message: string;
  callback?: CallbackName;
  stack?: string;
  /** Where in the script, when known. */
  location?: SourceLocation;
}

export interface ScriptCounts {
  messages: number;
  workCalls: number;
  timerCalls: number;
  workSkipped: number;
  timerSkipped: number;
  /** Messages the script sent that reached the endpoint. */
  sends: number;
}

export interface ScriptEvents {
  /** A message the script sent could not be sent (e.g. ring full). */
  sendError: [error: KucommsError];
}

const u64 = z
  .bigint()
  .min(0n)
  .max((1n << 64n) - 1n);
// What a script asks to send crosses a thread boundary: check it.
const sendSchema = z.object({
  kind: z.literal('send'),
  type: u64,
  id: u64,
  userValue: u64,
  data: z.instanceof(Uint8Array),
});

const WATCHDOG_INTERVAL_MS = 100;

export class ScriptRun extends EventEmitter<ScriptEvents> {
  readonly file: string;
  /** Settles once the script has stopped, for whatever reason. */
  readonly finished: Promise<ScriptStop>;
  #worker: Worker;
  #endpoint: Endpoint;
  #state: Float64Array;
  #watchdog: NodeJS.Timeout;
  #stop: ScriptStop | undefined;
  // Counted here, where a send reaches the endpoint, so the count is never
  // behind a message the peer has already answered.
  #sends = 0;
  #resolve!: (s: ScriptStop) => void;
  #onMessages = (msgs: Message[]): void => this.#forward(msgs);

  private constructor(file: string, endpoint: Endpoint, options: ScriptOptions) {
    super();
    this.file = path.resolve(file);
    this.#endpoint = endpoint;
    const shared = new SharedArrayBuffer(Slot.Count * Float64Array.BYTES_PER_ELEMENT);
    this.#state = new Float64Array(shared);
    this.finished = new Promise((resolve) => (this.#resolve = resolve));
    const data: WorkerData = {
      file: this.file,
      target: endpoint.target,
      shared,
      ...(options.layout !== undefined ? { layout: options.layout } : {}),
    };
    this.#worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
      workerData: data,
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: options.memoryMb ?? 128 },
    });
    const output = options.output;
    if (output)
      for (const stream of [this.#worker.stdout, this.#worker.stderr]) {
        stream.setEncoding('utf8');
        stream.on('data', output);
      }
    this.#worker.on('message', (r: WorkerReport) => this.#onReport(r));
    this.#worker.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY')
        this.#finish({
          reason: 'out-of-memory',
          message: `${this.file} ran out of memory (limit ${options.memoryMb ?? 128} MB) and was stopped`,
        });
      else
        this.#finish({
          reason: 'error',
          message: `${this.file}: ${err.message}`,
          ...(err.stack ? { stack: err.stack } : {}),
        });
    });
    this.#worker.on('exit', () => this.#finish({ reason: 'stopped', message: `${this.file} stopped` }));
    const runawayMs = options.runawayMs ?? 2000;
    this.#watchdog = setInterval(() => void this.#checkRunaway(runawayMs), WATCHDOG_INTERVAL_MS);
    endpoint.on('messages', this.#onMessages);
  }

  /** Starts @file on @endpoint; resolves once the script has loaded, rejects with the stop report if it could not. */
  static async start(file: string, endpoint: Endpoint, options: ScriptOptions = {}): Promise<ScriptRun> {
    const run = new ScriptRun(file, endpoint, options);
    const ready = new Promise<void>((resolve) =>
      run.#worker.on('message', (r: WorkerReport) => {
        if (r.kind === 'ready') resolve();
      }),
    );
    const first = await Promise.race([ready.then(() => undefined), run.finished]);
    if (first) throw Object.assign(new Error(first.message), { stop: first });
    return run;
  }

  counts(): ScriptCounts {
    const s = this.#state;
    return {
      messages: s[Slot.Messages] ?? 0,
      workCalls: s[Slot.WorkCalls] ?? 0,
      timerCalls: s[Slot.TimerCalls] ?? 0,
      workSkipped: s[Slot.WorkSkipped] ?? 0,
      timerSkipped: s[Slot.TimerSkipped] ?? 0,
      sends: this.#sends,
    };
  }

  /** Stops the script (if still running) and resolves with why it stopped. */
  async stop(): Promise<ScriptStop> {
    this.#worker.postMessage({ kind: 'stop' });
    const timer = setTimeout(() => void this.#worker.terminate(), 1000);
    const stop = await this.finished;
    clearTimeout(timer);
    return stop;
  }

  #forward(msgs: Message[]): void {
    const rx: ScriptMessage[] = [];
    for (const m of msgs)
      if (m.direction === 'rx')
        rx.push({
          length: m.length,
          type: m.type,
          id: m.id,
          userValue: m.userValue,
          timestampNs: m.timestampNs,
          data: m.data,
        });
    if (rx.length) this.#worker.postMessage({ kind: 'messages', messages: rx });
  }

  #onReport(r: WorkerReport): void {
    if (r.kind === 'send') {
      const m = sendSchema.safeParse(r);
      if (!m.success) {
        const why = m.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
        this.emit('sendError', Object.assign(new Error(`${this.file}: bad send: ${why}`), { code: 'EINVAL' }));
        return;
      }
      try {
        this.#endpoint.send(m.data, m.data.data);
        this.#sends++;
      } catch (err) {
        this.emit('sendError', err as KucommsError);
      }
    } else if (r.kind === 'layout-error') {
      this.#finish({ reason: 'layout', message: r.message });
    } else if (r.kind === 'error') {
      const location = this.#locate(r.stack);
      this.#finish({
        reason: 'error',
        callback: r.callback,
        message: `${this.file}${location ? `:${location.line}` : ''}: ${r.callback} threw: ${r.message}`,
        stack: r.stack,
        ...(location ? { location } : {}),
      });
    }
  }

  // The first stack frame inside the script file.
  #locate(stack: string): SourceLocation | undefined {
    for (const m of stack.matchAll(/(?:\(|at )((?:file:\/\/)?\/[^():\s]+):(\d+):(\d+)/g)) {
      const file = m[1]?.replace(/^file:\/\//, '');
      if (file === this.file) return { file, line: Number(m[2]), column: Number(m[3]) };
    }
    return undefined;
  }

  async #checkRunaway(runawayMs: number): Promise<void> {
    const since = this.#state[Slot.BusySince] ?? 0;
    if (this.#stop || since === 0 || Date.now() - since < runawayMs) return;
    clearInterval(this.#watchdog);
    const callback = CALLBACK_NAMES[this.#state[Slot.BusyCallback] ?? 0] ?? 'load';
    const where = await locateBusyWorker(this.#worker, this.file);
    this.#finish({
      reason: 'runaway',
      callback,
      message: `${this.file}${where.location ? `:${where.location.line}` : ''}: ${callback} ran for more than ${runawayMs} ms and was stopped`,
      ...(where.stack ? { stack: where.stack } : {}),
      ...(where.location ? { location: where.location } : {}),
    });
  }

  #finish(stop: ScriptStop): void {
    if (this.#stop) return;
    this.#stop = stop;
    clearInterval(this.#watchdog);
    this.#endpoint.off('messages', this.#onMessages);
    void this.#worker.terminate();
    this.#resolve(stop);
  }
}
