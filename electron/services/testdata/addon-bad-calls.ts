// Calls every function of the kucomms addon with wrong arguments and prints
// one JSON line per call: what was called, what it threw (null: nothing).
// Run by native-binding.test.ts in a child process, so a native abort shows
// as a signal there instead of ending the test runner.
import { loadBinding } from '../native-binding.ts';

const { Endpoint, RING_MAX_CAPACITY } = loadBinding();
const noop = (): void => {};
const NaNs = [NaN, Infinity, -1, 1.5, 2 ** 64, -(2 ** 31) - 1, Number.MAX_VALUE];

function attempt(call: string, fn: () => unknown): void {
  let threw: string | null = null;
  let message = '';
  try {
    const r = fn();
    if (r instanceof Promise) r.catch(noop);
  } catch (err) {
    threw = (err as Error).constructor.name;
    message = (err as Error).message;
  }
  process.stdout.write(`${JSON.stringify({ call, threw, message })}\n`);
}

type AnyCtor = new (...args: unknown[]) => InstanceType<typeof Endpoint>;
const Ctor = Endpoint as unknown as AnyCtor;

// The constructor: every argument of the wrong type, then every option out of range.
for (const target of [undefined, 42, null, {}, 'inproc:nosuch', '', 'x'.repeat(100_000)])
  attempt(`new Endpoint(${JSON.stringify(target)?.slice(0, 20)}, ...)`, () => new Ctor(target, {}, noop, noop));
attempt('new Endpoint(target, null, ...)', () => new Ctor('inproc:loopback', null, noop, noop));
attempt('new Endpoint(target, {}, "no function", ...)', () => new Ctor('inproc:loopback', {}, 'x', noop));
attempt('new Endpoint(target, {}, onBatch) without onDown', () => new Ctor('inproc:loopback', {}, noop));
attempt('Endpoint() without new', () => (Endpoint as unknown as (...a: unknown[]) => unknown)('inproc:loopback', {}, noop, noop));
for (const key of ['txCapacity', 'rxCapacity', 'spinNs', 'maxBatch', 'maxPendingBytes'])
  for (const v of ['1', 10n, ...NaNs]) attempt(`new Endpoint options.${key} = ${String(v)}`, () => new Ctor('inproc:loopback', { [key]: v }, noop, noop));
attempt('new Endpoint options.txCapacity above the ring maximum', () => new Ctor('inproc:loopback', { txCapacity: RING_MAX_CAPACITY * 2 }, noop, noop));
attempt('new Endpoint options.maxBatch = 0', () => new Ctor('inproc:loopback', { maxBatch: 0 }, noop, noop));

// The methods of an open endpoint.
const ep = new Endpoint('inproc:loopback', {}, noop, noop);
type Loose = Record<string, (...a: unknown[]) => unknown>;
const loose = ep as unknown as Loose;
const goodU64 = 1n;
for (const bad of [1, '1', null, undefined, -1n, 2n ** 64n, {}]) {
  attempt(`send(type = ${String(bad)})`, () => loose.send!.call(ep, bad, goodU64, goodU64));
  attempt(`send(id = ${String(bad)})`, () => loose.send!.call(ep, goodU64, bad, goodU64));
  attempt(`send(userValue = ${String(bad)})`, () => loose.send!.call(ep, goodU64, goodU64, bad));
  attempt(`sendBurst(1, type = ${String(bad)})`, () => loose.sendBurst!.call(ep, 1, bad, goodU64, goodU64));
}
for (const data of ['text', 42, {}, [1, 2], new ArrayBuffer(4)]) attempt(`send(data = ${typeof data})`, () => loose.send!.call(ep, 0n, 0n, 0n, data));
attempt('send(data larger than the link allows)', () => ep.send(0n, 0n, 0n, new Uint8Array(ep.maxLength + 1)));
for (const count of ['1', 1n, undefined, ...NaNs]) attempt(`sendBurst(count = ${String(count)})`, () => loose.sendBurst!.call(ep, count, 0n, 0n, 0n));
attempt('sendBurst(data = text)', () => loose.sendBurst!.call(ep, 1, 0n, 0n, 0n, 'text'));
// A method called on something that is not an endpoint.
for (const name of ['send', 'sendBurst', 'counters', 'close']) attempt(`${name} on a plain object`, () => (Endpoint.prototype as unknown as Loose)[name]!.call({}, 0n, 0n, 0n));
ep.close();
for (const name of ['send', 'counters']) attempt(`${name} after close`, () => loose[name]!.call(ep, 0n, 0n, 0n));
attempt('maxLength after close', () => ep.maxLength);
