// The fuzz calls through the StudioService the way serve runs them: a
// temporary workspace and the demo echo peer, which answers everything and
// has no bug to find. The kernel suite fuzzes real modules
// (kernel/test/guest/95-fuzz.sh).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FuzzRunView } from '../../../shared/api/fuzz-api.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import { stopAllDemoPeers } from '../../demo-peers.ts';
import { StudioService } from '../studio-service.ts';

let dir: string;
let studio: StudioService;
const h = () => studio.handlers;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kucomms-fuzz-'));
  studio = new StudioService({ mode: 'serve', workspaceDir: dir });
});
after(async () => {
  await studio.close();
  await stopAllDemoPeers();
  rmSync(dir, { recursive: true, force: true });
});

describe('fuzz area', () => {
  test('a kernel device is refused unless confirmed, saying why', async () => {
    await assert.rejects(
      h().startFuzz({ target: '/dev/kucomms_echo', protocol: 'echo', kernel: false, hangMs: 5000 }),
      (err: StudioError) =>
        err.code === 'EPERM' &&
        err.message ===
          '/dev/kucomms_echo is a kernel device: fuzzing it can crash the kernel it runs on. Do it in a virtual machine, and confirm to go ahead',
    );
  });

  test('fuzzing demo:echo with the echo layout finishes without findings, its progress as events, its recording in the workspace', async () => {
    const ended = new Promise<FuzzRunView>((resolve) => {
      const on = (v: FuzzRunView): void => {
        if (v.state === 'running') return;
        studio.off('fuzzProgress', on);
        resolve(v);
      };
      studio.on('fuzzProgress', on);
    });
    const { run } = await h().startFuzz({ target: 'demo:echo', protocol: 'echo', kernel: false, hangMs: 20_000 });
    const view = await ended;
    assert.equal(view.run, run);
    assert.equal(view.state, 'finished');
    assert.deepEqual(view.findings, []);
    assert.equal(view.lines.at(-1), 'fuzz: 7 messages, 0 findings');
    assert.deepEqual((await h().fuzzState({})).last?.state, 'finished');
    assert.ok(existsSync(path.join(dir, 'captures', 'fuzz-echo-run.kucap')));
  });
});
