// The replay calls through the StudioService the way serve runs them, with
// real peers: a capture recorded against demo:echo replays into a fresh
// demo:echo with nothing different; replayed into `kucomms_peer stamp` (a
// real peer process that echoes with user_value set to a running count) every
// reply differs in exactly header.user_value, with both values and the bytes
// where it lies; a report is saved into reports/ and read back; a running
// replay stops; bad names and closed targets are refused saying so.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startReplayInput, type ReplayProgress } from '../../../shared/api/replay-api.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import { captureRecord } from '../../capture/format.ts';
import { CaptureWriter } from '../../capture/writer.ts';
import { peerProgram } from '../../demo-peers.ts';
import { Endpoint } from '../../endpoint.ts';
import { StudioService } from '../studio-service.ts';

const MESSAGES = 12;
let dir: string;
let studio: StudioService;
let stampPeer: ChildProcess | undefined;
let stampTarget: string;
const h = () => studio.handlers;

/** Sends MESSAGES echo-protocol messages through demo:echo and records both directions into captures/@name. */
async function recordEchoCapture(name: string): Promise<void> {
  const ep = await Endpoint.open('demo:echo');
  const writer = new CaptureWriter(path.join(dir, 'captures', name));
  let replies = 0;
  const done = new Promise<void>((resolve) => {
    ep.on('messages', (msgs) => {
      for (const m of msgs) {
        writer.write(captureRecord(m, 'demo:echo'));
        if (m.direction === 'rx' && ++replies === MESSAGES) resolve();
      }
    });
  });
  for (let i = 0; i < MESSAGES; i++)
    ep.send({ type: 7n, id: BigInt(i), userValue: 0n }, Uint8Array.from([i, 0xa0 + i, 0x55]));
  await done;
  await ep.close();
  writer.close();
}

/** Starts `kucomms_peer stamp shm:NAME` and resolves with its target once it is ready. */
function startStampPeer(): Promise<string> {
  const name = `replay_test_${process.pid}_stamp`;
  const child = spawn(peerProgram(), ['stamp', `shm:${name}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  stampPeer = child;
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`ready shm:${name}`)) resolve(`shm:${name}`);
    });
    child.once('exit', (code) => reject(new Error(`kucomms_peer stamp exited (${code}) before it was ready`)));
  });
}

/** The replay's last progress, once it is no longer running. */
function ended(replay: string): Promise<ReplayProgress> {
  return new Promise((resolve) => {
    const on = (p: ReplayProgress): void => {
      if (p.replay !== replay || p.state === 'running') return;
      studio.off('replayProgress', on);
      resolve(p);
    };
    studio.on('replayProgress', on);
  });
}

async function replayInto(target: string, extra: Record<string, unknown> = {}): Promise<ReplayProgress> {
  const { replay } = await h().startReplay(
    startReplayInput.parse({
      capture: 'echo.kucap',
      target,
      protocol: 'echo',
      speed: { kind: 'max' },
      waitMs: 500,
      ...extra,
    }),
  );
  return ended(replay);
}

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StudioError, `expected a StudioError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kucomms-replay-area-'));
  studio = new StudioService({ mode: 'serve', workspaceDir: dir });
  await recordEchoCapture('echo.kucap');
  stampTarget = await startStampPeer();
  await h().connect({ target: 'demo:echo' });
  await h().connect({ target: stampTarget });
});
after(async () => {
  await studio.close();
  stampPeer?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('replay: against real peers', () => {
  test('a shm peer connected by its name is listed among the targets while it is connected, so it can be picked', async () => {
    const listed = (await h().listTargets({})).find((t) => t.target === stampTarget);
    assert.deepEqual([listed?.kind, listed?.state], ['shm', 'open']);
  });

  test('into demo:echo: every reply the same, an empty list of differences', async () => {
    const p = await replayInto('demo:echo');
    assert.deepEqual(
      {
        state: p.state,
        from: p.from,
        sent: p.sent,
        total: p.total,
        same: p.same,
        different: p.different,
        missing: p.missing,
        unexpected: p.unexpected,
        protocol: p.protocol,
      },
      {
        state: 'done',
        from: 'demo:echo',
        sent: MESSAGES,
        total: MESSAGES,
        same: MESSAGES,
        different: 0,
        missing: 0,
        unexpected: 0,
        protocol: 'echo',
      },
    );
    const diffs = await h().replayResults({ replay: p.replay, start: 0, count: 100, only: 'differences' });
    assert.equal(diffs.total, 0);
    assert.equal(diffs.firstDifference, undefined);
    const all = await h().replayResults({ replay: p.replay, start: 0, count: 100 });
    assert.equal(all.total, MESSAGES);
    assert.ok(
      all.pairs.every((x) => x.status === 'same' && x.kind === 'any' && x.diffs.length === 0),
      JSON.stringify(all.pairs[0]),
    );
  });

  test('into kucomms_peer stamp: each reply differs in exactly header.user_value, with both values and where the bytes are', async () => {
    const p = await replayInto(stampTarget);
    assert.equal(p.state, 'done');
    assert.deepEqual([p.same, p.different, p.missing, p.unexpected], [0, MESSAGES, 0, 0]);
    const page = await h().replayResults({ replay: p.replay, start: 0, count: 100, only: 'differences' });
    assert.equal(page.total, MESSAGES);
    assert.equal(page.firstDifference, 0);
    const first = page.pairs[0]!;
    assert.deepEqual(first.diffs, [{ path: 'header.user_value', captured: '0', replayed: '1' }]);
    assert.equal(first.summary, 'header.user_value: 0 → 1');

    const detail = await h().replayPair({ replay: p.replay, index: first.index });
    const different = detail.fields.filter((f) => f.status !== 'same');
    assert.deepEqual(different, [
      {
        path: 'header.user_value',
        captured: '0',
        replayed: '1',
        capturedAt: { offset: 24, size: 8 },
        replayedAt: { offset: 24, size: 8 },
        status: 'different',
      },
    ]);
    assert.ok(
      detail.fields.some((f) => f.path === 'data.data' && f.status === 'same' && f.captured === '00a055'),
      JSON.stringify(detail.fields),
    );
    const captured = Buffer.from(detail.captured!.bytes, 'base64');
    const replayed = Buffer.from(detail.replayed!.bytes, 'base64');
    assert.equal(captured.readBigUInt64LE(24), 0n);
    assert.equal(replayed.readBigUInt64LE(24), 1n);
    assert.deepEqual(captured.subarray(32), replayed.subarray(32));
  });

  test('into kucomms_peer stamp with header.user_value volatile: the same', async () => {
    const p = await replayInto(stampTarget, { volatile: ['header.user_value'] });
    assert.deepEqual([p.state, p.same, p.different], ['done', MESSAGES, 0]);
    const detail = await h().replayPair({ replay: p.replay, index: 0 });
    assert.equal(detail.fields.find((f) => f.path === 'header.user_value')?.status, 'ignored');
  });

  test('a report is saved into reports/ and read back with every differing pairing field by field', async () => {
    const p = await replayInto(stampTarget);
    const { name } = await h().saveReplayReport({ replay: p.replay });
    assert.match(name, /^replay-echo-\d{8}-\d{6}\.json$/);
    const onDisk = JSON.parse(readFileSync(path.join(dir, 'reports', name), 'utf8')) as { format: string };
    assert.equal(onDisk.format, 'kucomms-replay-report');
    assert.ok((await h().listReports({})).some((f) => f.name === name));
    const report = await h().readReport({ name });
    assert.deepEqual(
      [report.summary.different, report.summary.same, report.pairs.length, report.omitted],
      [MESSAGES, 0, MESSAGES, 0],
    );
    assert.equal(report.options.target, stampTarget);
    assert.equal(report.options.capture, 'echo.kucap');
    // The peer's count goes on across replays on one connection: read the stamp from the saved bytes.
    const first = report.pairs[0]!;
    const stamp = Buffer.from(first.replayed!.bytes, 'base64').readBigUInt64LE(24);
    assert.ok(stamp > 1n);
    assert.deepEqual(
      first.fields.filter((f) => f.status === 'different').map((f) => [f.path, f.captured, f.replayed]),
      [['header.user_value', '0', stamp.toString()]],
    );

    const named = await h().saveReplayReport({ replay: p.replay, name: 'nightly.json' });
    assert.equal(named.name, 'nightly.json');
    await rejects(
      h().saveReplayReport({ replay: p.replay, name: '../escape.json' }),
      'EINVAL_INPUT',
      /not a valid file name/,
    );
  });

  test('a file in reports/ that is not a report is refused naming it and what is wrong', async () => {
    writeFileSync(path.join(dir, 'reports', 'notes.json'), '{"hello": 1}\n');
    writeFileSync(path.join(dir, 'reports', 'cut.json'), '{"format": "kucomms-rep');
    await rejects(h().readReport({ name: 'notes.json' }), 'EINVAL', /reports\/notes\.json is not a replay report/);
    await rejects(h().readReport({ name: 'cut.json' }), 'EINVAL', /reports\/cut\.json is not valid JSON/);
  });
});

describe('replay: progress, stopping and refusals', () => {
  test('a replay with the captured timing stops when asked: stopped, fewer sent than the total, results so far kept', async () => {
    // Ten requests one second apart: the replay is still sending when stopped.
    const writer = new CaptureWriter(path.join(dir, 'captures', 'slow.kucap'));
    const t0 = 1_700_000_000_000_000_000n;
    for (let i = 0; i < 10; i++) {
      const m = {
        direction: 'tx' as const,
        timestampNs: t0 + BigInt(i) * 1_000_000_000n,
        length: 1n,
        type: 7n,
        id: BigInt(i),
        userValue: 0n,
        data: Uint8Array.from([i]),
      };
      writer.write(captureRecord(m, 'demo:echo'));
      writer.write(captureRecord({ ...m, direction: 'rx', timestampNs: m.timestampNs + 1000n }, 'demo:echo'));
    }
    writer.close();
    const { replay } = await h().startReplay(startReplayInput.parse({ capture: 'slow.kucap', target: 'demo:echo' }));
    // Stopped once the first message is out and the capture counted: the other nine are due over the next 9 s.
    const deadline = Date.now() + 30_000;
    const under = async (): Promise<boolean> => {
      const r = (await h().listReplays({})).find((x) => x.replay === replay);
      return r !== undefined && r.sent > 0 && r.total !== undefined;
    };
    while (!(await under()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const p = await h().stopReplay({ replay });
    assert.equal(p.state, 'stopped');
    assert.equal(p.total, 10);
    assert.ok(p.sent >= 1 && p.sent < 10, `sent ${p.sent}`);
    assert.equal(p.missing, 0, 'replies not waited for are not called missing');
    assert.ok((await h().listReplays({})).some((r) => r.replay === replay && r.state === 'stopped'));
  });

  test('a capture that does not exist, a target that is not open, a second replay into a busy target: refused saying so', async () => {
    await rejects(
      h().startReplay(startReplayInput.parse({ capture: 'nope.kucap', target: 'demo:echo' })),
      'ENOENT',
      /captures\/nope\.kucap does not exist/,
    );
    await rejects(
      h().startReplay(startReplayInput.parse({ capture: 'echo.kucap', target: 'demo:longtest' })),
      'ENOTCONN',
      /demo:longtest/,
    );
    await rejects(
      h().startReplay(startReplayInput.parse({ capture: 'echo.kucap', target: 'demo:echo', protocol: 'nosuch' })),
      'ENOENT',
      /no protocol "nosuch"/,
    );
    const { replay } = await h().startReplay(startReplayInput.parse({ capture: 'slow.kucap', target: 'demo:echo' }));
    await rejects(
      h().startReplay(startReplayInput.parse({ capture: 'echo.kucap', target: 'demo:echo' })),
      'EBUSY',
      new RegExp(`${replay} is already replaying into demo:echo`),
    );
    await h().stopReplay({ replay });
    await rejects(h().replayResults({ replay: 'replay-999', start: 0, count: 1 }), 'ENOENT', /no replay replay-999/);
    assert.deepEqual(await h().replaySources({ capture: 'echo.kucap' }), { targets: ['demo:echo'] });
  });
});
