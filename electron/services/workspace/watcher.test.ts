// The workspace watcher against real files changed the way other programs
// change them: an editor's save in several steps, a git checkout, a removal.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkspaceWatcher, type WorkspaceChange } from './watcher.ts';
import { Workspace } from './workspace.ts';
import { STATE_WAIT_MS } from '../testing/patience.ts';

/** Long enough that the steps a test means to fall within one quiet period do, on a loaded machine too. */
const QUIET = 1000;
const WAIT_MS = STATE_WAIT_MS;

describe('the workspace watcher', () => {
  let dir: string;
  let workspace: Workspace;
  let watcher: WorkspaceWatcher;
  let changes: WorkspaceChange[];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kucomms-watch-'));
    writeFileSync(path.join(dir, 'settings.json'), '{}\n');
    workspace = new Workspace(dir);
    writeFileSync(path.join(dir, 'layouts', 'old.yaml'), 'protocol: old\n');
    changes = [];
    watcher = await WorkspaceWatcher.start(workspace, (c) => changes.push(c), QUIET);
  });
  let markers = 0;
  /**
   * Waits until every change made so far has been reported: a marker file
   * written now gets the same quiet period as they did, so it is reported
   * after them. The marker is left out of `changes`.
   */
  async function settled(): Promise<void> {
    const name = `zz-settled-${++markers}.yaml`;
    writeFileSync(path.join(dir, 'layouts', name), '');
    const deadline = Date.now() + WAIT_MS;
    while (!changes.some((c) => c.name === name)) {
      if (Date.now() > deadline) throw new Error(`the marker ${name} was not reported within ${WAIT_MS} ms`);
      await sleep(10);
    }
    changes = changes.filter((c) => !c.name.startsWith('zz-settled-'));
  }

  afterEach(async () => {
    await watcher.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('reports a file added, changed and removed by another program, each once', async () => {
    writeFileSync(path.join(dir, 'layouts', 'new.yaml'), 'protocol: new\n');
    await settled();
    writeFileSync(path.join(dir, 'scripts', 'answer.ts'), 'export default {};\n');
    await settled();
    writeFileSync(path.join(dir, 'layouts', 'old.yaml'), 'protocol: old\ndoc: changed\n');
    await settled();
    rmSync(path.join(dir, 'layouts', 'new.yaml'));
    // A removal is reported late (the watcher first waits to see whether the file comes back, as a save does).
    const deadline = Date.now() + WAIT_MS;
    while (!changes.some((c) => c.change === 'removed') && Date.now() < deadline) await sleep(10);
    await settled();
    assert.deepEqual(changes, [
      { area: 'layouts', name: 'new.yaml', change: 'added' },
      { area: 'scripts', name: 'answer.ts', change: 'added' },
      { area: 'layouts', name: 'old.yaml', change: 'changed' },
      { area: 'layouts', name: 'new.yaml', change: 'removed' },
    ]);
  });

  test("an editor's save in several steps (temporary file, rename over, write again) is one change", async () => {
    const file = path.join(dir, 'layouts', 'old.yaml');
    const swap = path.join(dir, 'layouts', '.old.yaml.swp');
    writeFileSync(swap, 'protocol: old\n# step 1\n');
    renameSync(swap, file);
    await sleep(20);
    writeFileSync(file, 'protocol: old\n# step 2\n');
    await settled();
    assert.deepEqual(changes, [{ area: 'layouts', name: 'old.yaml', change: 'changed' }]);
  });

  test("the Studio's own writes are reported as the file, its temporary file is not", async () => {
    workspace.writeText('layouts', 'saved.yaml', 'protocol: saved\n');
    await settled();
    assert.deepEqual(changes, [{ area: 'layouts', name: 'saved.yaml', change: 'added' }]);
  });

  test('collections.json and settings.json are reported by their own names; .git, other kinds and sub-folders are not', async () => {
    writeFileSync(path.join(dir, 'collections.json'), '[]\n');
    writeFileSync(path.join(dir, 'settings.json'), '{ "defaultTarget": "demo:echo" }\n');
    mkdirSync(path.join(dir, '.git'));
    writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(path.join(dir, 'layouts', 'notes.txt'), 'not a layout\n');
    writeFileSync(path.join(dir, 'README.md'), '# protocols\n');
    mkdirSync(path.join(dir, 'layouts', 'drafts'));
    writeFileSync(path.join(dir, 'layouts', 'drafts', 'x.yaml'), 'protocol: x\n');
    await settled();
    assert.deepEqual(
      [...changes].sort((a, b) => a.name.localeCompare(b.name)),
      [
        { area: 'collections', name: 'collections.json', change: 'added' },
        { area: 'settings', name: 'settings.json', change: 'changed' },
      ],
    );
  });

  test('a file created and removed within the quiet period is never reported', async () => {
    const file = path.join(dir, 'layouts', 'blink.yaml');
    writeFileSync(file, 'protocol: blink\n');
    await sleep(10);
    rmSync(file);
    await settled();
    assert.deepEqual(changes, []);
  });

  test('nothing is reported after close', async () => {
    await watcher.close();
    // A second watcher sees the write; by the time it reports it, the closed one would have too.
    const seen: WorkspaceChange[] = [];
    const other = await WorkspaceWatcher.start(workspace, (c) => seen.push(c), QUIET);
    try {
      writeFileSync(path.join(dir, 'layouts', 'late.yaml'), 'protocol: late\n');
      const deadline = Date.now() + WAIT_MS;
      while (seen.length === 0 && Date.now() < deadline) await sleep(10);
      assert.deepEqual(seen, [{ area: 'layouts', name: 'late.yaml', change: 'added' }]);
      assert.deepEqual(changes, []);
    } finally {
      await other.close();
    }
  });
});
