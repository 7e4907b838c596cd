// The capture files of the Captures tab's list: a pcapng file shows its
// message count like a .kucap, and a file is renamed or deleted with its
// names checked like every workspace path, never over another file, never
// while it is recorded or open in Traffic.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { CaptureWriter } from '../../capture/writer.ts';
import { StudioService } from '../studio-service.ts';

const work = mkdtempSync(path.join(tmpdir(), 'kucomms-capture-files-test-'));
const service = new StudioService({ mode: 'serve', workspaceDir: work });
after(async () => {
  await service.close();
  rmSync(work, { recursive: true, force: true });
});
const captures = (name: string): string => path.join(work, 'captures', name);

function write(name: string, count: number): void {
  const w = new CaptureWriter(captures(name), { flushIntervalMs: 0, blockBytes: 1024 });
  for (let n = 0; n < count; n++)
    w.write({
      target: 'demo:echo',
      direction: n % 2 ? 'rx' : 'tx',
      timestampNs: BigInt(n),
      length: 8n,
      type: 1n,
      id: BigInt(n),
      userValue: 0n,
      data: new Uint8Array(8).fill(n),
    });
  w.close();
}

const listed = async (): Promise<Record<string, number | undefined>> =>
  Object.fromEntries((await service.handlers.listCaptures({})).map((f) => [f.name, f.messages]));

test('the list counts the messages of a pcapng file as of a .kucap one (not "—"); a file that is not pcapng has no count', async () => {
  write('session.kucap', 300);
  await service.handlers.exportPcapng({ name: 'session.kucap' });
  writeFileSync(captures('junk.pcapng'), 'not a capture at all\n');
  assert.deepEqual(await listed(), { 'junk.pcapng': undefined, 'session.kucap': 300, 'session.pcapng': 300 });
});

test('rename keeps the format and never replaces another file; names are checked like every workspace path', async () => {
  const bytes = readFileSync(captures('session.kucap'));
  assert.deepEqual(
    (await service.handlers.renameCapture({ name: 'session.kucap', to: 'morning' })).map((f) => f.name),
    ['junk.pcapng', 'morning.kucap', 'session.pcapng'],
  );
  assert.deepEqual(readFileSync(captures('morning.kucap')), bytes);
  await assert.rejects(service.handlers.renameCapture({ name: 'morning.kucap', to: 'session.pcapng' }), {
    code: 'EINVAL_INPUT',
    message: /renaming does not convert it/,
  });
  write('evening.kucap', 5);
  await assert.rejects(service.handlers.renameCapture({ name: 'morning.kucap', to: 'evening.kucap' }), {
    code: 'EEXIST',
    message: 'captures/evening.kucap already exists: choose another name',
  });
  assert.equal((await listed())['evening.kucap'], 5, 'the file in the way is kept as it was');
  for (const bad of ['../escape.kucap', 'sub/dir.kucap', '.hidden.kucap'])
    await assert.rejects(
      service.handlers.renameCapture({ name: 'morning.kucap', to: bad }),
      { code: 'EINVAL_INPUT', message: /is not a valid file name/ },
      bad,
    );
  await assert.rejects(service.handlers.renameCapture({ name: 'nosuch.kucap', to: 'x.kucap' }), { code: 'ENOENT' });
  assert.ok(!existsSync(path.join(work, 'escape.kucap')));
});

test('delete removes the file; refused while it is open in Traffic or being recorded', async () => {
  await service.handlers.openCapture({ name: 'evening.kucap' });
  await assert.rejects(service.handlers.deleteCapture({ name: 'evening.kucap' }), {
    code: 'EBUSY',
    message: 'cannot delete evening.kucap: it is open in Traffic (close it first)',
  });
  await service.handlers.closeCapture({ source: 'evening.kucap' });
  const left = await service.handlers.deleteCapture({ name: 'evening.kucap' });
  assert.deepEqual(
    left.map((f) => f.name),
    ['junk.pcapng', 'morning.kucap', 'session.pcapng'],
  );
  assert.ok(!existsSync(captures('evening.kucap')));
  await service.handlers.connect({ target: 'demo:echo' });
  await service.handlers.startCapture({ name: 'now' });
  await assert.rejects(service.handlers.deleteCapture({ name: 'now.kucap' }), {
    code: 'EBUSY',
    message: /being recorded/,
  });
  await assert.rejects(service.handlers.renameCapture({ name: 'now.kucap', to: 'later' }), {
    code: 'EBUSY',
    message: /being recorded/,
  });
  await service.handlers.stopCapture({});
  await assert.rejects(service.handlers.deleteCapture({ name: '../settings.json' }), { code: 'EINVAL_INPUT' });
});
