// Monitor targets through the addon, for real: the native longtest pair,
// started here as a user would start it (the peer publishing its link with
// KUCOMMS_MONITOR=1), watched by monitor:shm:NAME.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import type { Message } from '../shared/message.ts';
import type { KucommsError } from './endpoint.ts';
import { MonitorEndpoint } from './monitor.ts';
import { lastCount, startLongtestApp, startPublishingPeer, uniqueLinkName } from './testing/longtest-pair.ts';

// kucomms/longtest.h
const TYPE_APP = 0n;
const TYPE_SEQ = 1n;
const SEQ_MODULUS = 2048n;

/** Resolves once @done holds for everything @mon emitted so far. */
function seenUntil(mon: MonitorEndpoint, all: Message[], done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!done()) return;
      mon.off('messages', check);
      resolve();
    };
    mon.on('messages', check);
    check();
  });
}

describe('monitor:shm:NAME', () => {
  test('watching the longtest pair the Studio did not start: every message of both programs, exact in counts and contents, with their processes', async () => {
    const name = uniqueLinkName('monexact');
    const peer = await startPublishingPeer(name);
    try {
      // Attached before the application starts: the whole conversation.
      const mon = await MonitorEndpoint.open(`monitor:shm:${name}`, { capacity: 16 << 20 });
      const all: Message[] = [];
      mon.on('messages', (msgs) => all.push(...msgs));
      const down = once(mon, 'down') as Promise<[KucommsError]>;
      const app = startLongtestApp(name);
      await seenUntil(mon, all, () => all.filter((m) => !m.origin?.note).length >= 1500);
      assert.equal(await app.stop(), 0, `kucomms_lib_longtest failed: ${app.stderr()}`);
      // The peer closes the link once the application is gone; the monitor of it then ends.
      const [end] = await down;
      assert.match(end.message, /closed the link|stopped publishing/);
      await peer.waitForLine('stderr', 'kucomms_peer: echoed=');
      await mon.close();

      const messages = all.filter((m) => !m.origin?.note);
      const notes = all.filter((m) => m.origin?.note);
      assert.deepEqual(
        notes.filter((n) => n.origin?.note === 'drop'),
        [],
        'a monitor with a 16 MiB ring that keeps up drops nothing',
      );
      assert.deepEqual(
        notes.map((n) => n.origin?.note),
        ['link-open', 'link-close'],
      );
      const appSent = lastCount(app.stdout(), 'sent_count_0') + lastCount(app.stdout(), 'sent_count_1');
      const peerSent = lastCount(peer.stderr(), 'echoed') + lastCount(peer.stderr(), 'seq_sent');
      const tx = messages.filter((m) => m.direction === 'tx');
      const rx = messages.filter((m) => m.direction === 'rx');
      assert.equal(BigInt(tx.length), appSent, "the application's messages (sent_count_0 + sent_count_1)");
      assert.equal(BigInt(rx.length), peerSent, "the peer's messages (echoed + seq_sent)");
      assert.equal(lastCount(app.stdout(), 'compare_error_count'), 0n);

      // Who sent what: the application attached (tx), the peer created the link (rx).
      for (const m of tx) assert.deepEqual([m.origin?.pid, m.origin?.process], [app.process.pid, 'kucomms_lib_lon']);
      for (const m of rx) assert.deepEqual([m.origin?.pid, m.origin?.process], [peer.process.pid, 'kucomms_peer']);
      assert.ok(messages.every((m) => m.origin?.device === `shm:${name}`));

      // Contents: the peer's sequence messages follow the pattern, and every echo equals what was sent.
      const seq = rx.filter((m) => m.type === TYPE_SEQ);
      seq.forEach((m, n) => {
        assert.equal(m.id, BigInt(n), `sequence message ${n}: id`);
        assert.equal(m.length, BigInt(n) % SEQ_MODULUS, `sequence message ${n}: length`);
        assert.ok(
          m.data.every((b) => b === n % 256),
          `sequence message ${n}: every byte ${n % 256}`,
        );
      });
      const sent = new Map(tx.filter((m) => m.type === TYPE_APP).map((m) => [m.id, Buffer.from(m.data)]));
      const echoes = rx.filter((m) => m.type === TYPE_APP);
      assert.ok(echoes.length > 300, `${echoes.length} echoes`);
      for (const e of echoes) assert.deepEqual(Buffer.from(e.data), sent.get(e.id), `echo of ${e.id}`);
      // The application echoes each sequence message it got back unchanged.
      const seqEchoes = tx.filter((m) => m.type === TYPE_SEQ);
      seqEchoes.forEach((m, n) => assert.deepEqual(Buffer.from(m.data), Buffer.from(seq[n]!.data)));
    } finally {
      await peer.stop();
    }
  });

  test('a link nobody publishes: an error that says how to publish it', async () => {
    await assert.rejects(MonitorEndpoint.open('monitor:shm:nobody_publishes_this'), (err: KucommsError) => {
      assert.equal(err.code, 'ENOENT');
      assert.match(err.message, /shm:nobody_publishes_this/);
      assert.match(err.message, /KUCOMMS_MONITOR=1/);
      return true;
    });
  });

  test('a device that does not exist: the message names the device and the fix', async () => {
    await assert.rejects(MonitorEndpoint.open('monitor:/dev/kucomms_nosuchdevice'), (err: KucommsError) => {
      assert.match(err.message, /\/dev\/kumon|kucomms_nosuchdevice/);
      assert.match(err.message, /modprobe kucomms|create it|not loaded|no monitor/);
      return true;
    });
  });
});
