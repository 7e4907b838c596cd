// Runs one handler script inside its worker thread: loads it, calls
// onMessage for each message the host forwards, onWork every 10 ms and
// onTimer every second, drift-free on the monotonic clock (an overrun skips
// the ticks it missed and counts them, no catch-up burst), one at a time.
// Publishes what it is doing in shared memory for the host's watchdog.
// With a layout, it decodes each message before onMessage sees it.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import {
  CALLBACK_NAMES,
  Slot,
  TIMER_PERIOD_MS,
  WORK_PERIOD_MS,
  type CallbackName,
  type HandlerScript,
  type HostCommand,
  type ScriptContext,
  type ScriptSendHeader,
  type WorkerData,
  type WorkerReport,
} from './script-api.ts';
import type { ScriptProtocol } from './script-protocol.ts';

const port = parentPort;
if (!port) throw new Error('script-worker.ts runs only as a worker thread');
const { file, target, shared, layout } = workerData as WorkerData;
const state = new Float64Array(shared);

function report(r: WorkerReport): void {
  port!.postMessage(r);
}

function fail(callback: CallbackName, err: unknown): never {
  const e = err instanceof Error ? err : new Error(`non-Error value thrown: ${String(err)}`);
  report({ kind: 'error', callback, message: e.message, stack: e.stack ?? e.message });
  process.exit(1);
}

function toU64(v: bigint | number | undefined, name: string): bigint {
  if (v === undefined) return 0n;
  const b = typeof v === 'bigint' ? v : Number.isSafeInteger(v) ? BigInt(v) : NaN;
  if (typeof b !== 'bigint' || b < 0n || b >= 1n << 64n)
    throw new RangeError(`send: ${name} must be an integer from 0 to 2^64-1, got ${String(v)}`);
  return b;
}

// Loaded before the script, so its first message already has `decoded`;
// only imported when asked for (the loader compiles a JSON Schema).
let protocol: ScriptProtocol | undefined;
if (layout !== undefined) {
  try {
    protocol = (await import('./script-protocol.ts')).ScriptProtocol.load(layout);
  } catch (err) {
    report({ kind: 'layout-error', message: (err as Error).message });
    process.exit(1);
  }
}

function needProtocol(what: string): ScriptProtocol {
  if (!protocol) throw new Error(`${what}: the script runs without a layout (run-script --layout FILE)`);
  return protocol;
}

const ctx: ScriptContext = {
  target,
  encode: (kind, fields) => needProtocol('encode').encode(kind, fields),
  sendDecoded(kind, fields, header) {
    const p = needProtocol('sendDecoded');
    ctx.send(p.header(kind, header), p.encode(kind, fields));
  },
  send(header: ScriptSendHeader, data?: Uint8Array | string) {
    // Checked here, so the script's own call throws and its stack points at it.
    if (typeof header !== 'object' || header === null)
      throw new TypeError(
        `send: the header must be an object ({ type, id, userValue }), got ${header === null ? 'null' : typeof header}`,
      );
    if (data !== undefined && typeof data !== 'string' && !(data instanceof Uint8Array))
      throw new TypeError(
        `send: the data must be a Uint8Array or a string, got ${data === null ? 'null' : typeof data}`,
      );
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : (data ?? new Uint8Array(0));
    report({
      kind: 'send',
      type: toU64(header.type, 'type'),
      id: toU64(header.id, 'id'),
      userValue: toU64(header.userValue, 'userValue'),
      data: bytes,
    });
  },
};

function call(name: CallbackName, fn: () => unknown): void {
  state[Slot.BusyCallback] = CALLBACK_NAMES.indexOf(name);
  state[Slot.BusySince] = Date.now();
  try {
    const result = fn();
    if (result instanceof Promise) result.catch((err: unknown) => fail(name, err));
  } catch (err) {
    fail(name, err);
  } finally {
    state[Slot.BusySince] = 0;
  }
}

let script: HandlerScript;
try {
  state[Slot.BusyCallback] = CALLBACK_NAMES.indexOf('load');
  state[Slot.BusySince] = Date.now();
  script = (await import(pathToFileURL(file).href)) as HandlerScript;
  state[Slot.BusySince] = 0;
} catch (err) {
  fail('load', err);
}
const { onMessage, onWork, onTimer } = script;
for (const [name, fn] of Object.entries({ onMessage, onWork, onTimer }))
  if (fn !== undefined && typeof fn !== 'function')
    fail('load', new TypeError(`${file}: export ${name} is not a function`));
if (!onMessage && !onWork && !onTimer)
  fail('load', new TypeError(`${file} exports none of onMessage, onWork, onTimer`));

port.on('message', (cmd: HostCommand) => {
  if (cmd.kind === 'stop') process.exit(0);
  for (const m of cmd.messages) {
    state[Slot.Messages]!++;
    if (!onMessage) continue;
    if (protocol) m.decoded = protocol.decode(m);
    call('onMessage', () => onMessage(m, ctx));
  }
});

// One clock for both periods; each next tick is start + k * period.
const start = performance.now();
let nextWork = start + WORK_PERIOD_MS;
let nextTimer = start + TIMER_PERIOD_MS;

function due(now: number, next: number, period: number, skippedSlot: number): number {
  const missed = Math.floor((now - next) / period);
  state[skippedSlot]! += missed;
  return next + (missed + 1) * period;
}

function tick(): void {
  const now = performance.now();
  if (now >= nextWork) {
    nextWork = due(now, nextWork, WORK_PERIOD_MS, Slot.WorkSkipped);
    state[Slot.WorkCalls]!++;
    if (onWork) call('onWork', () => onWork(ctx));
  }
  if (now >= nextTimer) {
    nextTimer = due(now, nextTimer, TIMER_PERIOD_MS, Slot.TimerSkipped);
    state[Slot.TimerCalls]!++;
    if (onTimer) call('onTimer', () => onTimer(ctx));
  }
  setTimeout(tick, Math.max(0, Math.min(nextWork, nextTimer) - performance.now()));
}
setTimeout(tick, WORK_PERIOD_MS);
report({ kind: 'ready' });
