// Handler scripts in worker threads, attached to real demo peers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import type { Message } from '../../shared/message.ts';
import { stopAllDemoPeers } from '../demo-peers.ts';
import { Endpoint } from '../endpoint.ts';
import { encodeMessage } from '../protocol/encode.ts';
import { loadLayoutFile } from '../protocol/loader.ts';
import { decodeReceived } from '../protocol/decode.ts';
import { ScriptRun, type ScriptStop } from './script-host.ts';
import { STATE_WAIT_MS } from '../testing/patience.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
// The 1-based line of @marker in a fixture.
const lineOf = (name: string, marker: string): number =>
  readFileSync(fixture(name), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(marker)) + 1;
// A generous bound for things that happen in other threads; not a timing assertion.
const WAIT_MS = STATE_WAIT_MS;

after(() => stopAllDemoPeers());

function within<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: nothing after ${WAIT_MS} ms`)), WAIT_MS).unref(),
    ),
  ]);
}

function nextRx(ep: Endpoint, type: bigint): Promise<Message> {
  return within(
    new Promise((resolve) => {
      const on = (msgs: Message[]): void => {
        const m = msgs.find((x) => x.direction === 'rx' && x.type === type);
        if (!m) return;
        ep.off('messages', on);
        resolve(m);
      };
      ep.on('messages', on);
    }),
    `a type-${type} message`,
  );
}

async function withEcho(fn: (ep: Endpoint) => Promise<void>): Promise<void> {
  const ep = await Endpoint.open('demo:echo');
  try {
    await fn(ep);
  } finally {
    await ep.close();
  }
}

test('a script gets the messages and its sends reach the peer (the Studio as auto-responder)', () =>
  withEcho(async (ep) => {
    const run = await ScriptRun.start(fixture('responder.ts'), ep);
    try {
      const answer = nextRx(ep, 2n);
      ep.send({ type: 1n, id: 77n, userValue: (1n << 64n) - 1n }, Buffer.from('ping'));
      const m = await answer;
      assert.deepEqual([m.id, m.userValue, Buffer.from(m.data).toString()], [77n, (1n << 64n) - 1n, 'ping']);
      assert.equal(run.counts().sends, 1);
    } finally {
      assert.equal((await run.stop()).reason, 'stopped');
    }
  }));

test('work runs 100 times for each timer call (once a second), counted over 3 timer calls (wide tolerance)', () =>
  withEcho(async (ep) => {
    const run = await ScriptRun.start(fixture('ticks.ts'), ep);
    // Counted between timer calls, not over a sleep: a loaded machine stretches both clocks alike.
    const timerAt = (n: number) => waitForCounts(run, (c) => c.timerCalls >= n, `timer call ${n}`);
    const start = await timerAt(1);
    const end = await timerAt(start.timerCalls + 3);
    await run.stop();
    const work = end.workCalls - start.workCalls + (end.workSkipped - start.workSkipped);
    assert.ok(
      work >= 240 && work <= 360,
      `work ticks (calls + skipped) between 3 timer calls: expected about 300, got ${work}`,
    );
  }));

/** The script's counts once @ok holds for them. */
async function waitForCounts(
  run: ScriptRun,
  ok: (c: ReturnType<ScriptRun['counts']>) => boolean,
  what: string,
): Promise<ReturnType<ScriptRun['counts']>> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const c = run.counts();
    if (ok(c)) return c;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a script that throws is stopped and reported with its stack and line; the endpoint keeps working', () =>
  withEcho(async (ep) => {
    const run = await ScriptRun.start(fixture('throws.ts'), ep);
    ep.send({ type: 5n, id: 9n, userValue: 0n });
    const stop: ScriptStop = await within(run.finished, 'the stop report');
    assert.equal(stop.reason, 'error');
    assert.equal(stop.callback, 'onMessage');
    assert.deepEqual(stop.location && [stop.location.file, stop.location.line], [
      fixture('throws.ts'),
      lineOf('throws.ts', 'THROWS HERE'),
    ]);
    assert.match(stop.message, /throws\.ts:\d+: onMessage threw: cannot handle message 9/);
    assert.match(stop.stack ?? '', /at onMessage/);
    const echo = nextRx(ep, 6n);
    ep.send({ type: 6n, id: 1n, userValue: 0n });
    assert.equal((await echo).id, 1n);
  }));

test('a script stuck in a loop is stopped and reported with the line it was stuck on', () =>
  withEcho(async (ep) => {
    const run = await ScriptRun.start(fixture('runaway.ts'), ep, { runawayMs: 500 });
    const stop = await within(run.finished, 'the runaway report');
    assert.equal(stop.reason, 'runaway');
    assert.equal(stop.callback, 'onWork');
    assert.deepEqual(stop.location && [stop.location.file, stop.location.line], [
      fixture('runaway.ts'),
      lineOf('runaway.ts', 'LOOPS HERE'),
    ]);
    assert.match(stop.message, /onWork ran for more than 500 ms and was stopped/);
    const echo = nextRx(ep, 3n);
    ep.send({ type: 3n, id: 1n, userValue: 0n });
    assert.equal((await echo).id, 1n);
  }));

test('a script that exhausts its memory is stopped and reported; the process lives on', () =>
  withEcho(async (ep) => {
    // No runaway limit to speak of: on a loaded machine the allocating callback may take seconds, and only memory may stop it here.
    const run = await ScriptRun.start(fixture('hog.ts'), ep, { memoryMb: 32, runawayMs: 600_000 });
    const stop = await within(run.finished, 'the out-of-memory report');
    assert.equal(stop.reason, 'out-of-memory');
    assert.match(stop.message, /ran out of memory \(limit 32 MB\)/);
    const echo = nextRx(ep, 4n);
    ep.send({ type: 4n, id: 1n, userValue: 0n });
    assert.equal((await echo).id, 1n);
  }));

test('a script that does not load is refused with the reason', () =>
  withEcho(async (ep) => {
    await assert.rejects(ScriptRun.start(fixture('no-such-script.ts'), ep), /load threw: .*no-such-script/);
  }));

/** Gathers what a script prints; until() waits (WAIT_MS at most) for @text to be among it. */
function printed(): { output: (text: string) => void; until: (text: string) => Promise<string> } {
  let all = '';
  const waiting = new Set<() => void>();
  return {
    output: (text) => {
      all += text;
      for (const wake of waiting) wake();
    },
    until: (text) =>
      within(
        new Promise<string>((resolve) => {
          const check = (): void => {
            if (!all.includes(text)) return;
            waiting.delete(check);
            resolve(all);
          };
          waiting.add(check);
          check();
        }),
        `output ${JSON.stringify(text)} (printed so far: ${JSON.stringify(all)})`,
      ),
  };
}

test('what a script prints reaches its output, from its first line of top-level code on', () =>
  withEcho(async (ep) => {
    const out = printed();
    const run = await ScriptRun.start(fixture('chatty.ts'), ep, { output: out.output });
    try {
      await out.until('chatty: loading\n');
      ep.send({ type: 1n, id: 42n, userValue: 0n });
      assert.equal(await out.until('chatty: got 42\n'), 'chatty: loading\nchatty: got 42\n');
    } finally {
      await run.stop();
    }
  }));

test('a send with a wrong value throws in the script, naming the value, and nothing is sent', () =>
  withEcho(async (ep) => {
    const out = printed();
    const run = await ScriptRun.start(fixture('bad-sends.ts'), ep, { output: out.output });
    try {
      const all = await out.until('done\n');
      assert.deepEqual(all.trim().split('\n'), [
        'a string type: RangeError: send: type must be an integer from 0 to 2^64-1, got x',
        'a negative id: RangeError: send: id must be an integer from 0 to 2^64-1, got -1',
        'a type past 2^64: RangeError: send: type must be an integer from 0 to 2^64-1, got 18446744073709551616',
        'a null header: TypeError: send: the header must be an object ({ type, id, userValue }), got null',
        'data that is an object: TypeError: send: the data must be a Uint8Array or a string, got object',
        'done',
      ]);
      assert.equal(run.counts().sends, 0);
    } finally {
      await run.stop();
    }
  }));

test('a script that prints and then throws while loading is refused, and what it printed is kept', () =>
  withEcho(async (ep) => {
    const out = printed();
    await assert.rejects(
      ScriptRun.start(fixture('fails-to-load.ts'), ep, { output: out.output }),
      /load threw: no settings for this target/,
    );
    await out.until('fails-to-load: reading settings\n');
  }));

// The greeter layout: hello (1) is answered with answer (2), a misfit with problem (3).
const greeter = loadLayoutFile(fixture('greeter.yaml'));

function sendHello(ep: Endpoint, id: bigint, count: number, name: string): void {
  const whole = encodeMessage(greeter, { type: 1n, id, user_value: 0n }, { count, name });
  ep.send({ type: 1n, id, userValue: 0n }, whole.subarray(32));
}

test('with a layout, a script sees the decoded fields of an echoed message and answers with an encoded one', () =>
  withEcho(async (ep) => {
    const run = await ScriptRun.start(fixture('greeter.ts'), ep, { layout: fixture('greeter.yaml') });
    try {
      const answer = nextRx(ep, 2n);
      sendHello(ep, 5n, 41, 'Ada');
      const m = await answer;
      const d = decodeReceived(greeter, m);
      assert.deepEqual(
        [m.id, d.kind, d.data, d.error],
        [5n, 'answer', { count: 42, greeting: 'hello, Ada' }, undefined],
      );
    } finally {
      assert.equal((await run.stop()).reason, 'stopped');
    }
  }));

test('a message that does not fit the layout reaches the script with the codec error, and the script keeps running', () =>
  withEcho(async (ep) => {
    const run = await ScriptRun.start(fixture('greeter.ts'), ep, { layout: fixture('greeter.yaml') });
    let stopped: ScriptStop | undefined;
    void run.finished.then((s) => (stopped = s));
    try {
      const problemText = async (id: bigint, data: Uint8Array, type: bigint): Promise<unknown> => {
        const problem = nextRx(ep, 3n);
        ep.send({ type, id, userValue: 0n }, data);
        const m = await problem;
        assert.equal(m.id, id, 'the problem answers the misfit message');
        return decodeReceived(greeter, m).data.text;
      };
      // A hello whose u16 count is cut short, then a type the layout has no kind for.
      assert.equal(
        await problemText(6n, Uint8Array.of(1), 1n),
        'data.count at offset 32: expected u16 (2 bytes), but only 1 byte left',
      );
      assert.equal(
        await problemText(7n, Uint8Array.of(), 9n),
        'data at offset 32: no message kind of greeter matches type=9 id=7 user_value=0',
      );
      const answer = nextRx(ep, 2n);
      sendHello(ep, 8n, 0, 'Bo');
      assert.deepEqual(decodeReceived(greeter, await answer).data, { count: 1, greeting: 'hello, Bo' });
      assert.equal(stopped, undefined, 'the script is still running');
    } finally {
      assert.equal((await run.stop()).reason, 'stopped');
    }
  }));

test('a layout that does not load refuses the script with the reason', () =>
  withEcho(async (ep) => {
    await assert.rejects(
      ScriptRun.start(fixture('greeter.ts'), ep, { layout: fixture('no-such-layout.yaml') }),
      (err: Error & { stop?: ScriptStop }) => {
        assert.equal(err.stop?.reason, 'layout');
        assert.match(err.message, /^cannot read layout .*no-such-layout\.yaml: ENOENT/);
        return true;
      },
    );
  }));

test('a script without a layout that sends in protocol terms is stopped with the reason', () =>
  withEcho(async (ep) => {
    const run = await ScriptRun.start(fixture('sends-decoded.ts'), ep);
    ep.send({ type: 1n, id: 1n, userValue: 0n });
    const stop = await within(run.finished, 'the stop report');
    assert.equal(stop.reason, 'error');
    assert.match(
      stop.message,
      /sends-decoded\.ts:5: onMessage threw: sendDecoded: the script runs without a layout \(run-script --layout FILE\)$/,
    );
  }));
