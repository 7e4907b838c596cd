// The addon and the demo peers, for real: each test opens demo targets,
// which start kucomms_peer processes over shared memory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type { Message } from '../shared/message.ts';
import { stopAllDemoPeers } from './demo-peers.ts';
import { Endpoint, type EndpointOptions, type KucommsError } from './endpoint.ts';
import { STATE_WAIT_MS } from './testing/patience.ts';

const U64_MAX = (1n << 64n) - 1n;
// Generous bounds for waiting on other processes; never a timing assertion.
const WAIT_MS = STATE_WAIT_MS;

after(() => stopAllDemoPeers());

/** Resolves with the messages seen once @done says so; rejects after WAIT_MS with what was seen. */
function collect(ep: Endpoint, done: (all: Message[]) => boolean, what: string): Promise<Message[]> {
  const all: Message[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ep.off('messages', on);
      reject(new Error(`${what}: still waiting after ${WAIT_MS} ms with ${all.length} messages`));
    }, WAIT_MS);
    const on = (msgs: Message[]): void => {
      all.push(...msgs);
      if (!done(all)) return;
      clearTimeout(timer);
      ep.off('messages', on);
      resolve(all);
    };
    ep.on('messages', on);
  });
}

async function withEndpoint<T>(
  target: string,
  fn: (ep: Endpoint) => Promise<T>,
  options: EndpointOptions = {},
): Promise<T> {
  const ep = await Endpoint.open(target, options);
  try {
    return await fn(ep);
  } finally {
    await ep.close();
  }
}

const received = (all: Message[]): Message[] => all.filter((m) => m.direction === 'rx');

describe('demo:echo', () => {
  test('a message comes back with the same header fields (full u64 range) and bytes, and both directions are reported', () =>
    withEndpoint('demo:echo', async (ep) => {
      const data = Buffer.from('hello, kucomms');
      const before = BigInt(Date.now()) * 1_000_000n;
      const seen = collect(ep, (all) => received(all).length >= 1, 'echo of one message');
      ep.send({ type: U64_MAX, id: 1n << 63n, userValue: 12345678901234567890n }, data);
      const all = await seen;
      assert.deepEqual(
        all.map((m) => [m.direction, m.type, m.id, m.userValue, m.length, Buffer.from(m.data).toString()]),
        [
          ['tx', U64_MAX, 1n << 63n, 12345678901234567890n, 14n, 'hello, kucomms'],
          ['rx', U64_MAX, 1n << 63n, 12345678901234567890n, 14n, 'hello, kucomms'],
        ],
      );
      const [tx, rx] = all as [Message, Message];
      assert.ok(
        tx.timestampNs >= before && rx.timestampNs >= tx.timestampNs,
        `timestamps ${tx.timestampNs}, ${rx.timestampNs} not after ${before} and in order`,
      );
      const c = ep.counters();
      assert.deepEqual([c.sent, c.received, c.bytesSent, c.bytesReceived], [1n, 1n, 14n, 14n]);
    }));

  test('a zero-length message and the largest message the link allows both come back intact', () =>
    withEndpoint('demo:echo', async (ep) => {
      const big = Buffer.alloc(ep.maxLength);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
      const seen = collect(ep, (all) => received(all).length >= 2, 'two echoes');
      ep.send({ type: 1n, id: 0n, userValue: 0n });
      ep.send({ type: 1n, id: 1n, userValue: 0n }, big);
      const rx = received(await seen);
      assert.equal(rx[0]?.length, 0n);
      assert.equal(rx[1]?.length, BigInt(big.length));
      assert.ok(Buffer.from(rx[1]!.data).equals(big), 'the largest message came back with different bytes');
    }));

  test('50 000 messages under load come back complete and in order, delivered in batches', () =>
    withEndpoint(
      'demo:echo',
      async (ep) => {
        const total = 50_000;
        const window = 5_000;
        const data = Buffer.alloc(24, 0xab);
        let rx = 0;
        let expectId = 0n;
        let calls = 0;
        let bad = '';
        ep.on('messages', (msgs) => {
          calls++;
          for (const m of msgs) {
            if (m.direction !== 'rx') continue;
            if (m.id !== expectId && !bad) bad = `expected id ${expectId}, got ${m.id}`;
            expectId = m.id + 1n;
            rx++;
          }
        });
        for (let sent = 0; sent < total; sent += window) {
          assert.equal(await ep.sendBurst(window, { type: 2n, id: BigInt(sent), userValue: 0n }, data), window);
          const deadline = Date.now() + WAIT_MS;
          while (rx < sent + window && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
        }
        assert.equal(bad, '', 'echoes out of order');
        assert.equal(rx, total, 'echoes received');
        assert.ok(calls < total / 10, `${calls} JS calls for ${total} echoes: not batched`);
      },
      { reportSent: false },
    ));

  test('a full send ring is reported as ENOBUFS and counted', () =>
    withEndpoint(
      'demo:echo',
      async (ep) => {
        const data = Buffer.alloc(1500);
        let error: KucommsError | undefined;
        for (let i = 0; i < 100_000 && !error; i++) {
          try {
            ep.send({ type: 0n, id: BigInt(i), userValue: 0n }, data);
          } catch (err) {
            error = err as KucommsError;
          }
        }
        assert.equal(
          error?.code,
          'ENOBUFS',
          `sending into a 4 KiB ring as fast as possible: ${error?.message ?? 'never full'}`,
        );
        assert.match(error.message, /send to shm:/);
        assert.ok(ep.counters().fullEvents >= 1n, 'fullEvents did not count it');
      },
      { txCapacity: 4096 },
    ));

  test('a message larger than the link allows is refused with EMSGSIZE', () =>
    withEndpoint('demo:echo', async (ep) => {
      assert.throws(() => ep.send({ type: 0n, id: 0n, userValue: 0n }, Buffer.alloc(ep.maxLength + 1)), {
        code: 'EMSGSIZE',
        message: `a message to demo:echo may carry at most ${ep.maxLength} bytes of data; ${ep.maxLength + 1} were given`,
      });
    }));

  test('a slow JavaScript consumer stalls the endpoint thread instead of queueing without bound', () =>
    withEndpoint(
      'demo:echo',
      async (ep) => {
        const data = Buffer.alloc(1000);
        let first = true;
        let lastId = -1n;
        let ordered = true;
        ep.on('messages', (msgs) => {
          if (first) {
            first = false;
            const until = Date.now() + 500;
            while (Date.now() < until); // a consumer that falls behind
          }
          for (const m of msgs) {
            if (m.id <= lastId) ordered = false;
            lastId = m.id;
          }
        });
        await ep.sendBurst(3000, { type: 0n, id: 0n, userValue: 0n }, data);
        // Every echo delivered, however long the slow consumer takes.
        const deadline = Date.now() + WAIT_MS;
        while (lastId < 2999n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        assert.equal(lastId, 2999n, 'not every echo was delivered');
        const c = ep.counters();
        assert.ok(c.stalls >= 1n, `stalls ${c.stalls}: the endpoint thread never waited for JavaScript`);
        assert.ok(
          c.peakPendingBytes <= 8192n + 2048n,
          `peak pending ${c.peakPendingBytes} bytes, over the 8 KiB limit`,
        );
        assert.ok(ordered, 'messages delivered out of order');
      },
      { maxPendingBytes: 8192, reportSent: false },
    ));

  test('a peer that vanishes is reported once as EPIPE and sends then fail', () =>
    withEndpoint('demo:echo', async (ep) => {
      const down = new Promise<KucommsError>((resolve) => ep.once('down', resolve));
      process.kill(ep.peerPid!, 'SIGKILL');
      const err = await Promise.race([down, new Promise<undefined>((r) => setTimeout(r, WAIT_MS, undefined))]);
      assert.equal(err?.code, 'EPIPE', `down event: ${err?.message ?? `none within ${WAIT_MS} ms`}`);
      assert.throws(() => ep.send({ type: 0n, id: 0n, userValue: 0n }), { code: 'EPIPE' });
    }));
});

describe('a demo peer and the process that started it', () => {
  /** Whether @pid still runs: an exited process not yet reaped by its new parent (a zombie) does not. */
  function alive(pid: number): boolean {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
      return false;
    }
  }

  test('a demo peer ends when the process that opened it is killed with SIGKILL', async () => {
    const opener = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "const { Endpoint } = await import('./electron/services/endpoint.ts'); const ep = await Endpoint.open('demo:echo'); console.log(ep.peerPid); setInterval(() => {}, 1000);",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [line] = (await once(opener.stdout, 'data')) as [Buffer];
      const peerPid = Number(line.toString().trim());
      assert.ok(
        peerPid > 0 && alive(peerPid),
        `the opener printed ${JSON.stringify(line.toString())}, not a running peer's pid`,
      );
      opener.kill('SIGKILL');
      await once(opener, 'exit');
      const deadline = Date.now() + WAIT_MS;
      while (alive(peerPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(
        alive(peerPid),
        false,
        `kucomms_peer ${peerPid} still runs ${WAIT_MS} ms after its opener was killed`,
      );
    } finally {
      opener.kill('SIGKILL');
    }
  });
});

describe('demo:longtest', () => {
  test('echoes type-0 messages and, once spoken to, sends the type-1 sequence (id n, n % 2048 bytes of n % 256)', () =>
    withEndpoint('demo:longtest', async (ep) => {
      const seen = collect(
        ep,
        (all) => received(all).filter((m) => m.type === 1n).length >= 20,
        '20 sequence messages',
      );
      ep.send({ type: 0n, id: 0n, userValue: 0n }, Buffer.from([1, 2, 3]));
      const rx = received(await seen);
      const echo = rx.find((m) => m.type === 0n);
      assert.deepEqual(echo && [echo.id, [...echo.data]], [0n, [1, 2, 3]]);
      const seq = rx.filter((m) => m.type === 1n);
      seq.forEach((m, n) => {
        assert.equal(m.id, BigInt(n), `sequence message ${n}`);
        assert.equal(m.length, BigInt(n % 2048));
        assert.ok(
          m.data.every((b) => b === n % 256),
          `sequence message ${n} data bytes`,
        );
      });
    }));
});

describe('open', () => {
  test('a missing device fails with ENOENT and says so', async () => {
    await assert.rejects(Endpoint.open('/dev/kucomms_no_such_device'), (err: KucommsError) => {
      assert.equal(err.code, 'ENOENT');
      assert.match(err.message, /\/dev\/kucomms_no_such_device/);
      return true;
    });
  });

  test('a shm peer that does not exist fails with ENOENT and says so', async () => {
    await assert.rejects(Endpoint.open('shm:no_such_peer'), (err: KucommsError) => {
      assert.equal(err.code, 'ENOENT');
      assert.match(err.message, /no_such_peer/);
      return true;
    });
  });

  test('a name that is no target is refused with the accepted forms', async () => {
    await assert.rejects(Endpoint.open('kucomms_x'), /use \/dev\/kucomms_NAME .* shm:NAME/);
    await assert.rejects(Endpoint.open('demo:nope'), /unknown demo target "demo:nope"/);
  });

  test('a closed endpoint refuses to send with ERR_ENDPOINT_CLOSED', async () => {
    const ep = await Endpoint.open('demo:echo');
    await ep.close();
    assert.throws(() => ep.send({ type: 0n, id: 0n, userValue: 0n }), { code: 'ERR_ENDPOINT_CLOSED' });
  });
});
