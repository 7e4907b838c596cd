// Replay: a capture replayed into the demo echo peer comes back identical;
// a peer that answers differently gets exactly its differences reported,
// field by field, with volatile fields ignored; pairing follows the layout's
// reply rule, else the order; the CLI exits non-zero when replies differ.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Message, MessageOrigin, SendHeader } from '../../../shared/message.ts';
import { Endpoint } from '../../endpoint.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import { loadLayoutFile } from '../../protocol/loader.ts';
import type { StructValue } from '../../protocol/values.ts';
import { captureRecord, type CaptureRecord } from '../../capture/format.ts';
import { readCapture } from '../../capture/reader.ts';
import { replay, type PairResult, type ReplayTarget } from './replay.ts';
import { CaptureWriter } from '../../capture/writer.ts';

const repo = fileURLToPath(new URL('../../../..', import.meta.url));
const features = loadLayoutFile(path.join(repo, 'electron/services/protocol/testdata/features.yaml'));
const echoLayout = loadLayoutFile(path.join(repo, 'protocols/echo.yaml'));
const work = mkdtempSync(path.join(tmpdir(), 'kucomms-replay-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

function reading(
  id: number,
  temperature: number,
  seconds: number,
): { header: Omit<SendHeader, 'userValue'> & { userValue: bigint }; data: Uint8Array } {
  const data: StructValue = {
    unit: 'kelvin',
    status: 1,
    control: { enabled: 1, mode: 'slow', gain: 3, channel: id },
    temperature,
    pressure: 1000 + id,
    calibrated: true,
    seconds,
    trailer: Uint8Array.from([id]),
  };
  const bytes = encodeMessage(features, { type: 2n, id: BigInt(id), user_value: BigInt(id) * 1000n }, data);
  return { header: { type: 2n, id: BigInt(id), userValue: BigInt(id) * 1000n }, data: bytes.subarray(32) };
}

/** Sends @count messages through a live target and captures both directions. */
async function captureThrough(
  target: string,
  file: string,
  messages: Array<ReturnType<typeof reading>>,
): Promise<void> {
  const ep = await Endpoint.open(target);
  const writer = new CaptureWriter(file);
  let replies = 0;
  const done = new Promise<void>((resolve) => {
    ep.on('messages', (msgs) => {
      for (const m of msgs) {
        writer.write(captureRecord(m, target));
        if (m.direction === 'rx' && ++replies === messages.length) resolve();
      }
    });
  });
  for (const m of messages) ep.send(m.header, m.data);
  await done;
  await ep.close();
  writer.close();
}

const MESSAGES = Array.from({ length: 12 }, (_, i) => reading(i, 20 + i / 4, 100 + i));

test('replay: a capture of demo:echo replayed into a fresh demo:echo has no differences', async () => {
  const file = path.join(work, 'echo.kucap');
  await captureThrough('demo:echo', file, MESSAGES);
  const ep = await Endpoint.open('demo:echo');
  const results: PairResult[] = [];
  try {
    const summary = await replay(readCapture(file), ep, {
      layout: features,
      speed: { kind: 'max' },
      onResult: (r) => results.push(r),
    });
    assert.deepEqual(summary, { from: 'demo:echo', sent: 12, same: 12, different: 0, missing: 0, unexpected: 0 });
    assert.deepEqual(
      results.map((r) => r.diffs),
      Array.from({ length: 12 }, () => []),
    );
  } finally {
    await ep.close();
  }
});

test('replay: the CLI replays into demo:echo with original timing, prints the summary and exits 0', async () => {
  const file = path.join(work, 'echo.kucap');
  const r = spawnSync(
    process.execPath,
    [
      path.join(repo, 'electron/cli/kucomms-studio.mjs'),
      'replay',
      file,
      'demo:echo',
      '--layout',
      path.join(repo, 'electron/services/protocol/testdata/features.yaml'),
    ],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stdout}${r.stderr}`);
  assert.equal(
    r.stdout,
    'replayed 12 messages of demo:echo into demo:echo: 12 same, 0 different, 0 missing, 0 unexpected\n',
  );
});

test('replay: the CLI exits 5 and lists the replies demo:longtest sends that the echo capture does not have', async () => {
  // longtest echoes type-0 messages like an echo peer, but also starts its
  // own type-1 sequence once it has heard from us: replies nobody captured.
  const file = path.join(work, 'type0.kucap');
  const zeros = Array.from({ length: 4 }, (_, i) => ({
    header: { type: 0n, id: BigInt(i), userValue: 0n },
    data: Uint8Array.from([i, i]),
  }));
  await captureThrough('demo:echo', file, zeros);
  const r = spawnSync(
    process.execPath,
    [
      path.join(repo, 'electron/cli/kucomms-studio.mjs'),
      'replay',
      file,
      'demo:longtest',
      '--layout',
      path.join(repo, 'protocols/echo.yaml'),
      '--speed',
      'max',
      '--wait',
      '300',
    ],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(r.status, 5, `exit ${r.status}: ${r.stdout}${r.stderr}`);
  const lines = r.stdout.trimEnd().split('\n');
  const summary = lines.pop() ?? '';
  assert.match(
    summary,
    /^replayed 4 messages of demo:echo into demo:longtest: 4 same, 0 different, 0 missing, [1-9][0-9]* unexpected$/,
  );
  assert.ok(
    lines.length > 0 &&
      lines.every((l) =>
        /^unexpected reply \d+: type=1 id=\d+ user_value=0 length=\d+ has no captured counterpart$/.test(l),
      ),
    lines.join('\n'),
  );
});

/** A peer in this process whose answers a test decides (order, content, omissions). */
class ScriptedPeer extends EventEmitter implements ReplayTarget {
  readonly target = 'scripted:peer';
  #pending: Message[] = [];
  #sent = 0;
  #deliverAt: { count: number; order: (ms: Message[]) => Message[] } | undefined;
  constructor(private readonly answer: (m: Message) => Message[]) {
    super();
  }
  send(header: SendHeader, data: Uint8Array = new Uint8Array()): void {
    const m: Message = {
      direction: 'tx',
      timestampNs: 0n,
      length: BigInt(data.length),
      ...header,
      data: Uint8Array.from(data),
    };
    this.#pending.push(...this.answer(m).map((a) => ({ ...a, direction: 'rx' as const })));
    this.emit('messages', [m]);
    const at = this.#deliverAt;
    if (at && ++this.#sent === at.count) queueMicrotask(() => this.deliver(at.order));
  }
  /** Delivers the answers once @count messages were sent to it, however long the replay takes to send them. */
  deliverAfter(count: number, order: (ms: Message[]) => Message[] = (ms) => ms): this {
    this.#deliverAt = { count, order };
    return this;
  }
  /** Delivers the answers so far in the order @order chooses. */
  deliver(order: (ms: Message[]) => Message[] = (ms) => ms): void {
    const ms = order(this.#pending);
    this.#pending = [];
    this.emit('messages', ms);
  }
}

async function capturedEcho(): Promise<CaptureRecord[]> {
  const records: CaptureRecord[] = [];
  for await (const r of readCapture(path.join(work, 'echo.kucap'))) records.push(r);
  return records;
}

/** How many messages replaying @records sends (the captured tx side). */
const sentCount = (records: CaptureRecord[]): number => records.filter((r) => r.direction === 'tx').length;

async function* fromArray(records: CaptureRecord[]): AsyncGenerator<CaptureRecord> {
  yield* records;
}

test('replay: a peer that answers differently gets exactly its differences, field by field, volatile fields ignored', async () => {
  const records = await capturedEcho();
  const peer = new ScriptedPeer((m) => {
    if (m.id === 5n) return []; // never answered
    let reply = { ...m, userValue: 424242n }; // volatile in the layout (header.user_value: stamp)
    const i = Number(m.id);
    const changed = reading(i, m.id === 3n ? 99.5 : 20 + i / 4, 555); // seconds: volatile
    reply = { ...reply, data: changed.data };
    if (m.id === 7n)
      reply = { ...reply, data: reading(i, 20 + i / 4, 555).data.map((b, k) => (k === 3 ? b ^ 0x10 : b)) };
    const extra = m.id === 11n ? [{ ...m, id: 99n }] : [];
    return [reply, ...extra];
  });
  const results: PairResult[] = [];
  peer.deliverAfter(sentCount(records), (ms) => ms.reverse()); // replies out of order: paired by id
  const run = replay(fromArray(records), peer, {
    layout: features,
    speed: { kind: 'max' },
    waitMs: 200,
    onResult: (r) => results.push(r),
  });
  const summary = await run;
  assert.deepEqual(summary, { from: 'demo:echo', sent: 12, same: 9, different: 2, missing: 1, unexpected: 1 });
  const different = results
    .filter((r) => r.status === 'different')
    .map((r) => ({ id: r.captured?.id, diffs: r.diffs }))
    .sort((a, b) => Number(a.id) - Number(b.id));
  assert.deepEqual(different, [
    { id: 3n, diffs: [{ path: 'data.temperature', captured: '20.75', replayed: '99.5' }] },
    { id: 7n, diffs: [{ path: 'data.control.channel', captured: '7', replayed: '23' }] },
  ]);
  assert.deepEqual(
    results.filter((r) => r.status === 'missing').map((r) => r.captured?.id),
    [5n],
  );
  assert.deepEqual(
    results.filter((r) => r.status === 'unexpected').map((r) => r.replayed?.id),
    [99n],
  );
});

test('replay: without a reply rule replies pair by order; a user-marked volatile field is ignored', async () => {
  const records = await capturedEcho();
  const swapped = new ScriptedPeer((m) => [{ ...m }]).deliverAfter(sentCount(records), (ms) => [
    ...ms.slice(1),
    ms[0] as Message,
  ]);
  const run = replay(fromArray(records), swapped, { speed: { kind: 'max' }, waitMs: 200 });
  const byOrder = await run;
  assert.equal(byOrder.same, 0, 'every reply is paired with the wrong request when order is all there is');
  assert.equal(byOrder.different, 12);

  const results: PairResult[] = [];
  const stamped = new ScriptedPeer((m) => [{ ...m, userValue: m.userValue + 1n }]).deliverAfter(sentCount(records));
  const run2 = replay(fromArray(records), stamped, {
    layout: echoLayout,
    speed: { kind: 'max' },
    waitMs: 200,
    onResult: (r) => results.push(r),
  });
  assert.equal((await run2).different, 12);
  assert.deepEqual(results[0]?.diffs, [{ path: 'header.user_value', captured: '0', replayed: '1' }]);

  const stamped2 = new ScriptedPeer((m) => [{ ...m, userValue: m.userValue + 1n }]).deliverAfter(sentCount(records));
  const run3 = replay(fromArray(records), stamped2, {
    layout: echoLayout,
    volatile: ['header.user_value'],
    speed: { kind: 'max' },
    waitMs: 200,
  });
  assert.equal((await run3).same, 12);
});

test("replay of a monitored capture: one link's opener side is sent (the first link, or the one asked for), never a drop or event, and its replies are compared", async () => {
  const origin = (link: number): MessageOrigin => ({
    device: 'kucomms_echo',
    link,
    pid: 100 + link,
    process: `daemon${link}`,
  });
  const records: CaptureRecord[] = [];
  for (let i = 0; i < 6; i++) {
    const link = i % 2 === 0 ? 1 : 2;
    const base = { target: 'monitor:/dev/kucomms', type: 7n, id: BigInt(i), userValue: 0n, length: 1n };
    const data = Uint8Array.from([i]);
    records.push({ ...base, direction: 'tx', timestampNs: BigInt(i), data, origin: origin(link) });
    records.push({ ...base, direction: 'rx', timestampNs: BigInt(i), data, origin: origin(link) });
  }
  records.push({
    target: 'monitor:/dev/kucomms',
    direction: 'rx',
    timestampNs: 9n,
    type: 0n,
    id: 0n,
    userValue: 0n,
    length: 0n,
    data: new Uint8Array(0),
    origin: { ...origin(2), note: 'drop', value: 3n },
  });
  const ep = await Endpoint.open('demo:echo');
  try {
    for (const [link, ids] of [
      [undefined, [0n, 2n, 4n]],
      ['kucomms_echo#2', [1n, 3n, 5n]],
    ] as const) {
      const results: PairResult[] = [];
      const summary = await replay(fromArray(records), ep, {
        speed: { kind: 'max' },
        ...(link ? { link } : {}),
        onResult: (r) => results.push(r),
      });
      assert.deepEqual(
        [summary.sent, summary.same, summary.different, summary.missing, summary.unexpected],
        [3, 3, 0, 0, 0],
      );
      assert.deepEqual(
        results.map((r) => r.replayed?.id),
        ids,
      );
    }
  } finally {
    await ep.close();
  }
});
