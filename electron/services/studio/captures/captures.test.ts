// Captures through the Studio service, as the Captures tab and Traffic use
// them: recording what demo:echo sends and receives, a target going down
// while recording, a million-message capture opened without loading it
// (windows, a filter and a detail from its end, memory measured), damaged
// and cut-off captures opening up to the damage, save as, pcapng export and
// opening that export again.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CaptureSourceView, CaptureStatus } from '../../../shared/api/captures-api.ts';
import { bytesToBase64 } from '../../../shared/message.ts';
import type { CaptureRecord } from '../../capture/format.ts';
import { importPcapng } from '../../capture/pcapng.ts';
import { readCapture } from '../../capture/reader.ts';
import { CaptureWriter } from '../../capture/writer.ts';
import { StudioService } from '../studio-service.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const work = mkdtempSync(path.join(tmpdir(), 'kucomms-captures-test-'));
const service = new StudioService({ mode: 'serve', workspaceDir: work });
after(async () => {
  await service.close();
  rmSync(work, { recursive: true, force: true });
});
const captures = (name: string): string => path.join(work, 'captures', name);

async function until<T>(
  what: string,
  get: () => T | Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) assert.fail(`${what}: still ${JSON.stringify(v)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function opened(name: string): Promise<CaptureSourceView> {
  await service.handlers.openCapture({ name });
  return until(
    `${name} indexed`,
    async () => (await service.handlers.openCaptures({})).find((s) => s.source === name)!,
    (s) => s.done,
  );
}

async function readAll(file: string): Promise<CaptureRecord[]> {
  const out: CaptureRecord[] = [];
  for await (const r of readCapture(file, { onProblem: (p) => assert.fail(`${file}: ${p.message}`) })) out.push(r);
  return out;
}

function heapAfterGc(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe('recording', () => {
  test('records what the Studio sends to demo:echo and what it echoes, every header and byte, into the workspace', async () => {
    await service.handlers.connect({ target: 'demo:echo' });
    const statuses: CaptureStatus[] = [];
    service.on('capture', (s) => statuses.push(s));
    const started = await service.handlers.startCapture({ name: 'echo-session' });
    assert.equal(started.name, 'echo-session.kucap');
    assert.equal(started.recording, true);
    const sent = Array.from({ length: 20 }, (_, i) =>
      Uint8Array.from({ length: i * 7 }, (_, k) => (k * 13 + i) & 0xff),
    );
    for (const [i, data] of sent.entries())
      await service.handlers.send({
        target: 'demo:echo',
        header: { type: String(i % 3), id: String(1000 + i), userValue: String(0xfeed0000 + i) },
        body: { format: 'raw', data: bytesToBase64(data) },
        count: 1,
      });
    await until(
      'the echoes recorded',
      () => service.handlers.captureStatus({}),
      (s) => s.messages === 40,
    );
    const stopped = await service.handlers.stopCapture({});
    assert.deepEqual(
      { name: stopped.name, messages: stopped.messages, lost: stopped.lost },
      { name: 'echo-session.kucap', messages: 40, lost: [] },
    );
    assert.equal(stopped.bytes, statSync(captures('echo-session.kucap')).size);
    assert.ok(
      statuses.some((s) => s.recording && s.messages > 0),
      'a status event while recording',
    );
    assert.equal(statuses.at(-1)?.recording, false);

    const records = await readAll(captures('echo-session.kucap'));
    for (const direction of ['tx', 'rx'] as const) {
      const got = records.filter((r) => r.direction === direction);
      assert.equal(got.length, 20, `${direction} messages`);
      got.forEach((r, i) => {
        assert.equal(r.target, 'demo:echo');
        assert.deepEqual(
          [r.type, r.id, r.userValue, r.length],
          [BigInt(i % 3), BigInt(1000 + i), BigInt(0xfeed0000 + i), BigInt(sent[i]!.length)],
          `${direction} ${i}: header`,
        );
        assert.deepEqual(Buffer.from(r.data), Buffer.from(sent[i]!), `${direction} ${i}: data`);
      });
    }
    const listed = (await service.handlers.listCaptures({})).find((f) => f.name === 'echo-session.kucap');
    assert.equal(listed?.messages, 40, 'the list counts the messages');
  });

  test('refuses to record over an existing file, and a second recording at once', async () => {
    await assert.rejects(service.handlers.startCapture({ name: 'echo-session.kucap' }), { code: 'EEXIST' });
    await service.handlers.startCapture({ name: 'first' });
    await assert.rejects(service.handlers.startCapture({ name: 'second' }), { code: 'EBUSY' });
    await service.handlers.stopCapture({});
  });

  test('a target that goes down while recording: the capture keeps what it got and says so', async () => {
    await service.handlers.startCapture({ name: 'goes-down', targets: ['demo:echo'] });
    await service.handlers.send({
      target: 'demo:echo',
      header: { type: '1', id: '1', userValue: '0' },
      body: { format: 'raw', data: 'AQI=' },
      count: 5,
    });
    await until(
      'ten recorded',
      () => service.handlers.captureStatus({}),
      (s) => s.messages === 10,
    );
    await service.handlers.disconnect({ target: 'demo:echo' });
    const status = await until(
      'the loss noticed',
      () => service.handlers.captureStatus({}),
      (s) => s.lost.length > 0,
    );
    assert.equal(status.lost[0]?.target, 'demo:echo');
    assert.equal(status.lost[0]?.messagesBefore, 10);
    const stopped = await service.handlers.stopCapture({});
    assert.equal(stopped.messages, 10);
    assert.equal((await readAll(captures('goes-down.kucap'))).length, 10);
  });
});

describe('a capture of a million messages opened into Traffic', () => {
  const N = 1_000_000;
  const PAYLOAD = 128;
  let growth = 0;

  test('indexes without loading it: memory grows by the index (about 34 bytes a message), not by the 128 MB of data', async () => {
    const w = new CaptureWriter(captures('million.kucap'), { flushIntervalMs: 0 });
    const data = new Uint8Array(PAYLOAD);
    for (let n = 0; n < N; n++) {
      data.fill(n & 0xff);
      data[0] = n % 5;
      w.write({
        target: n % 2 ? 'demo:echo' : 'shm:peer',
        direction: n % 2 ? 'rx' : 'tx',
        timestampNs: 1_764_000_000_000_000_000n + BigInt(n),
        length: BigInt(PAYLOAD),
        type: BigInt(n % 7),
        id: BigInt(n),
        userValue: BigInt(n) * 3n,
        data,
      });
    }
    w.close();
    assert.ok(statSync(captures('million.kucap')).size > N * (48 + PAYLOAD));
    const before = heapAfterGc();
    const view = await opened('million.kucap');
    growth = heapAfterGc() - before;
    assert.equal(view.total, N);
    assert.deepEqual(view.damage, []);
    assert.deepEqual(view.targets, ['shm:peer', 'demo:echo']);
    // The index is 34 bytes a message in chunks of 65536 rows (16 chunks, 34 MiB
    // measured); the data would add 122 MiB more.
    // 48 MiB leaves room for chunk slack and the reader's cache, and fails
    // by far if payloads (or an object per message) were kept.
    assert.ok(growth < 48 << 20, `opening grew memory by ${(growth / 1048576).toFixed(1)} MiB`);
  });

  test('windows from the start and the end come back from the file', async () => {
    for (const start of [0, N - 3]) {
      const w = await service.handlers.window({ source: 'million.kucap', view: 'all', start, count: 3 });
      assert.equal(w.total, N);
      assert.deepEqual(
        w.rows.map((r) => [r.row, r.id, r.type, r.userValue, r.direction, r.target, r.length]),
        [0, 1, 2].map((k) => {
          const n = start + k;
          return [
            n,
            String(n),
            String(n % 7),
            String(n * 3),
            n % 2 ? 'rx' : 'tx',
            n % 2 ? 'demo:echo' : 'shm:peer',
            PAYLOAD,
          ];
        }),
      );
    }
  });

  test('a filter on a header column and on user_value (read from the file) finds exactly the matching rows', async () => {
    const f = await service.handlers.setFilter({
      source: 'million.kucap',
      expression: 'type == 3 && direction == "rx" && user_value > 2997000',
    });
    const expected: number[] = [];
    for (let n = 999_001; n < N; n++) if (n % 7 === 3 && n % 2 === 1) expected.push(n);
    assert.equal(f.total, expected.length);
    const w = await service.handlers.window({ source: 'million.kucap', view: f.view, start: 0, count: 5000 });
    assert.deepEqual(
      w.rows.map((r) => r.row),
      expected,
    );
    const live = await service.handlers.window({ view: 'all', start: 0, count: 0 });
    assert.ok(live.total < 100, 'the live store is another source: untouched');
  });

  test('the detail of the last row has its bytes', async () => {
    const d = await service.handlers.detail({ source: 'million.kucap', row: N - 1 });
    const bytes = Buffer.from(d.bytes, 'base64');
    assert.equal(bytes.length, 32 + PAYLOAD);
    assert.equal(bytes.readBigUInt64LE(16), BigInt(N - 1), 'header id');
    assert.equal(bytes.readBigUInt64LE(24), BigInt((N - 1) * 3), 'header user_value');
    assert.equal(bytes[32], (N - 1) % 5);
    assert.equal(bytes[33], (N - 1) & 0xff);
    await assert.rejects(service.handlers.detail({ source: 'million.kucap', row: N }), { code: 'ENOENT' });
  });

  test('closing it frees the source', async () => {
    const left = await service.handlers.closeCapture({ source: 'million.kucap' });
    assert.equal(
      left.some((s) => s.source === 'million.kucap'),
      false,
    );
    await assert.rejects(service.handlers.window({ source: 'million.kucap', view: 'all', start: 0, count: 1 }), {
      code: 'ENOENT',
      message: /open it first/,
    });
    rmSync(captures('million.kucap'));
  });
});

test('a filter set while a capture is still being indexed ends with every matching row', async () => {
  const N = 300_000;
  const w = new CaptureWriter(captures('while-indexing.kucap'), { flushIntervalMs: 0 });
  const data = new Uint8Array(16);
  for (let n = 0; n < N; n++)
    w.write({
      target: 'demo:echo',
      direction: 'rx',
      timestampNs: BigInt(n),
      length: 16n,
      type: BigInt(n % 10),
      id: BigInt(n),
      userValue: 0n,
      data,
    });
  w.close();
  await service.handlers.openCapture({ name: 'while-indexing.kucap' });
  const f = await service.handlers.setFilter({ source: 'while-indexing.kucap', expression: 'type == 4' });
  const view = await until(
    'indexed',
    async () => (await service.handlers.openCaptures({})).find((s) => s.source === 'while-indexing.kucap')!,
    (s) => s.done,
  );
  assert.equal(view.views[f.view], N / 10);
  assert.equal(
    (await service.handlers.window({ source: 'while-indexing.kucap', view: f.view, start: N / 10 - 1, count: 1 }))
      .rows[0]?.id,
    String(N - 6),
  );
  await service.handlers.closeCapture({ source: 'while-indexing.kucap' });
});

describe('damaged captures', () => {
  const record = (n: number): CaptureRecord => ({
    target: 'demo:echo',
    direction: 'rx',
    timestampNs: BigInt(n),
    length: 8n,
    type: 1n,
    id: BigInt(n),
    userValue: 0n,
    data: new Uint8Array(8).fill(n),
  });
  function write(name: string, count: number): void {
    const w = new CaptureWriter(captures(name), { flushIntervalMs: 0, blockBytes: 1024 });
    for (let n = 0; n < count; n++) w.write(record(n));
    w.close();
  }

  test('a cut-off capture opens up to the cut, saying where and how many messages are shown', async () => {
    write('cut.kucap', 200);
    const size = statSync(captures('cut.kucap')).size;
    truncateSync(captures('cut.kucap'), size - 100);
    const view = await opened('cut.kucap');
    assert.equal(view.damage.length, 1);
    const damage = view.damage[0]!;
    assert.equal(damage.messagesBefore, view.total);
    assert.ok(view.total > 150 && view.total < 200, `${view.total} messages before the cut`);
    assert.match(damage.message, new RegExp(`ends inside the block at offset ${damage.offset} .*cut off`));
    const w = await service.handlers.window({ source: 'cut.kucap', view: 'all', start: view.total - 1, count: 5 });
    assert.deepEqual(
      w.rows.map((r) => r.id),
      [String(view.total - 1)],
    );
    assert.equal(
      (await service.handlers.listCaptures({})).find((f) => f.name === 'cut.kucap')?.messages,
      undefined,
      'no count is announced for a cut-off file',
    );
  });

  test('a damaged block in the middle: the messages before and after it open, the damage is placed', async () => {
    write('hole.kucap', 200);
    const bytes = readFileSync(captures('hole.kucap'));
    const at = Math.floor(bytes.length / 2);
    bytes.fill(0xee, at, at + 8);
    writeFileSync(captures('hole.kucap'), bytes);
    const view = await opened('hole.kucap');
    assert.equal(view.damage.length, 1);
    const damage = view.damage[0]!;
    assert.ok(damage.offset <= at, 'the damage starts at or before the spoilt bytes');
    assert.match(damage.message, /damaged block at offset \d+ \(checksum mismatch\); skipped/);
    const ids = (await service.handlers.window({ source: 'hole.kucap', view: 'all', start: 0, count: 500 })).rows.map(
      (r) => Number(r.id),
    );
    assert.equal(ids.length, view.total);
    assert.deepEqual(
      ids.slice(0, damage.messagesBefore),
      Array.from({ length: damage.messagesBefore }, (_, i) => i),
      'every message before the damage',
    );
    assert.equal(ids.at(-1), 199, 'the messages after it too');
    assert.ok(view.total < 200, 'the damaged block is left out');
  });

  test('a file that is not a capture says so', async () => {
    writeFileSync(captures('junk.kucap'), 'hello, not a capture');
    await service.handlers.openCapture({ name: 'junk.kucap' });
    const view = await until(
      'junk indexed',
      async () => (await service.handlers.openCaptures({})).find((s) => s.source === 'junk.kucap')!,
      (s) => s.done,
    );
    assert.match(view.error ?? '', /is not a kucomms capture file/);
    assert.equal(view.total, 0);
  });
});

describe('save as and pcapng', () => {
  test('saving the live traffic writes every stored row; refusing to overwrite', async () => {
    const total = service.store.total;
    assert.ok(total >= 50, 'the recording tests left rows in the store');
    const saved = await service.handlers.saveCapture({ source: 'live', name: 'live-copy' });
    assert.deepEqual({ name: saved.name, messages: saved.messages }, { name: 'live-copy.kucap', messages: total });
    const records = await readAll(captures('live-copy.kucap'));
    assert.equal(records.length, total);
    const last = service.store.get(total - 1);
    assert.deepEqual(
      [records.at(-1)?.id, records.at(-1)?.direction, Buffer.from(records.at(-1)!.data)],
      [last.id, last.direction, Buffer.from(last.data)],
    );
    await assert.rejects(service.handlers.saveCapture({ source: 'live', name: 'live-copy.kucap' }), { code: 'EEXIST' });
  });

  test('saving an opened damaged capture keeps its readable messages in a clean file', async () => {
    const open = (await service.handlers.openCaptures({})).find((s) => s.source === 'hole.kucap')!;
    const saved = await service.handlers.saveCapture({ source: 'hole.kucap', name: 'hole-repaired.kucap' });
    assert.equal(saved.messages, open.total);
    assert.equal((await readAll(captures('hole-repaired.kucap'))).length, open.total);
  });

  test('export to pcapng beside it, then open the export into Traffic', async () => {
    const out = await service.handlers.exportPcapng({ name: 'echo-session.kucap' });
    assert.deepEqual({ name: out.name, messages: out.messages }, { name: 'echo-session.pcapng', messages: 40 });
    let n = 0;
    for await (const r of importPcapng(captures('echo-session.pcapng'))) n += r.target === 'demo:echo' ? 1 : 0;
    assert.equal(n, 40);
    const view = await opened('echo-session.pcapng');
    assert.deepEqual(
      { total: view.total, format: view.format, damage: view.damage },
      { total: 40, format: 'pcapng', damage: [] },
    );
    const w = await service.handlers.window({ source: 'echo-session.pcapng', view: 'all', start: 0, count: 40 });
    // An echo may arrive after the next send: compare as sets, in the capture's order per direction.
    for (const direction of ['tx', 'rx'])
      assert.deepEqual(
        w.rows.filter((r) => r.direction === direction).map((r) => r.id),
        Array.from({ length: 20 }, (_, i) => String(1000 + i)),
        direction,
      );
    const download = await service.handlers.downloadCapture({ name: 'echo-session.pcapng' });
    assert.deepEqual(Buffer.from(download.data, 'base64'), readFileSync(captures('echo-session.pcapng')));
  });
});
