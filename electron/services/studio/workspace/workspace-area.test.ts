// The workspace calls on a real StudioService and real folders: opening a
// folder (and the clear refusals), everything following a switch, files
// changed on disk reloaded and announced, settings.json with its errors.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { StudioError, type StudioEvents } from '../../../shared/studio-api.ts';
import { ProtocolRegistry } from '../protocols.ts';
import { StudioService } from '../studio-service.ts';
import { StateStore } from '../../workspace/state-store.ts';
import { STATE_WAIT_MS } from '../../testing/patience.ts';

const message = (name: string) => ({
  name,
  header: { type: '1', id: '0', userValue: '0' },
  body: { format: 'raw' as const, data: '' },
});
const collectionsOf = (names: string[]) =>
  `${JSON.stringify([{ name: 'smoke', messages: names.map(message) }], null, 2)}\n`;

async function rejects(p: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof StudioError && e.code === code && text.test(e.message));
}

describe('the workspace area', () => {
  let root: string;
  let a: string;
  let b: string;
  let studio: StudioService;
  let state: StateStore;
  let layoutReloads: number;
  let events: Array<{ event: string; payload: unknown }>;

  beforeEach(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'kucomms-ws-'));
    a = path.join(root, 'a');
    b = path.join(root, 'b');
    mkdirSync(path.join(b, 'layouts'), { recursive: true });
    writeFileSync(path.join(b, 'layouts', 'sensor.yaml'), 'protocol: sensor\n');
    writeFileSync(path.join(b, 'collections.json'), collectionsOf(['from-b']));
    state = new StateStore(path.join(root, 'state', 'state.json'));
    const protocols = new ProtocolRegistry();
    layoutReloads = 0;
    Object.assign(protocols, { reload: () => layoutReloads++ });
    studio = new StudioService({ mode: 'serve', workspaceDir: a, state, protocols });
    events = [];
    for (const event of ['workspaceChanged', 'workspaceOpened', 'notice'] as const)
      studio.on(event, (payload: StudioEvents[typeof event]) => events.push({ event, payload }));
    await studio.workspaceArea.watching();
  });
  /** Waits until the views have heard that @name changed (its quiet period is over and it was reloaded). */
  async function announced(name: string): Promise<void> {
    const deadline = Date.now() + STATE_WAIT_MS;
    while (!events.some((e) => e.event === 'workspaceChanged' && (e.payload as { name: string }).name === name)) {
      if (Date.now() > deadline) throw new Error(`no workspaceChanged for ${name} within ${STATE_WAIT_MS / 1000} s`);
      await sleep(10);
    }
  }

  afterEach(async () => {
    await studio.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('the open workspace: its folder, files by area, settings and the recent folders', async () => {
    const view = await studio.handlers.getWorkspace({});
    assert.equal(view.dir, a);
    assert.equal(view.name, 'a');
    assert.deepEqual(view.files, { layouts: [], scripts: [], captures: [], reports: [] });
    assert.deepEqual(view.settings, { settings: {}, errors: [] });
    assert.deepEqual(view.recent, [a]);
  });

  test('a path that is not a folder is refused, saying why, and the open workspace stays', async () => {
    writeFileSync(path.join(root, 'file.txt'), 'x');
    await rejects(
      studio.handlers.openWorkspace({ dir: path.join(root, 'file.txt') }),
      'ENOTDIR',
      /file\.txt is a file, not a folder/,
    );
    await rejects(
      studio.handlers.openWorkspace({ dir: path.join(root, 'missing') }),
      'ENOENT',
      /missing does not exist: create the folder first/,
    );
    await rejects(studio.handlers.openWorkspace({ dir: 'relative/dir' }), 'EINVAL_INPUT', /not an absolute path/);
    if (process.getuid?.() !== 0) {
      const locked = path.join(root, 'locked');
      mkdirSync(locked, { mode: 0o500 });
      await rejects(studio.handlers.openWorkspace({ dir: locked }), 'EACCES', /no permission/);
    }
    assert.equal((await studio.handlers.getWorkspace({})).dir, a);
    assert.equal(state.lastWorkspace, a);
  });

  test('switching moves layouts, collections and files to the new folder, and says what differs', async () => {
    await studio.handlers.saveMessage({ collection: 'smoke', message: message('from-a') });
    const view = await studio.handlers.openWorkspace({ dir: b });
    assert.equal(view.dir, b);
    assert.deepEqual(view.recent, [b, a]);
    assert.deepEqual(
      view.files.layouts.map((f) => f.name),
      ['sensor.yaml'],
    );
    assert.deepEqual([view.files.scripts, view.files.captures, view.files.reports], [[], [], []]);
    assert.deepEqual(
      (await studio.handlers.listCollections({}))[0]?.messages.map((m) => m.name),
      ['from-b'],
    );
    assert.equal(state.lastWorkspace, b);
    assert.ok(layoutReloads >= 1, 'the layouts are reloaded from the new folder');
    assert.deepEqual(events.slice(0, 1), [{ event: 'workspaceOpened', payload: { dir: b, name: 'b' } }]);
    assert.deepEqual(
      events.slice(1).map((e) => e.payload),
      [
        { area: 'collections', name: 'collections.json', change: 'changed' },
        { area: 'layouts', name: 'sensor.yaml', change: 'added' },
      ],
    );
    // Saving now writes b's collections; a's stay as they were.
    await studio.handlers.saveMessage({ collection: 'smoke', message: message('second') });
    assert.match(readFileSync(path.join(b, 'collections.json'), 'utf8'), /"second"/);
    assert.doesNotMatch(readFileSync(path.join(a, 'collections.json'), 'utf8'), /"second"/);
  });

  test('collections.json changed by another program is reloaded before the views hear of it', async () => {
    writeFileSync(path.join(a, 'collections.json'), collectionsOf(['pulled']));
    await announced('collections.json');
    assert.deepEqual(events, [
      { event: 'workspaceChanged', payload: { area: 'collections', name: 'collections.json', change: 'added' } },
    ]);
    assert.deepEqual(
      (await studio.handlers.listCollections({}))[0]?.messages.map((m) => m.name),
      ['pulled'],
    );
  });

  test('a malformed collections.json is reported and not overwritten by the next save', async () => {
    writeFileSync(path.join(a, 'collections.json'), '[{"name": "smoke", "messages": [}');
    await announced('collections.json');
    assert.deepEqual(
      events.map((e) => e.event),
      ['notice', 'workspaceChanged'],
    );
    assert.match((events[0]?.payload as { message: string }).message, /collections\.json is not a collections file/);
    await rejects(
      studio.handlers.saveMessage({ collection: 'smoke', message: message('lost?') }),
      'EINVAL',
      /fix it, then save again/,
    );
    assert.equal(readFileSync(path.join(a, 'collections.json'), 'utf8'), '[{"name": "smoke", "messages": [}');
  });

  test('a layout changed on disk reloads the layouts, then is announced', async () => {
    writeFileSync(path.join(a, 'layouts', 'echo2.yaml'), 'protocol: echo2\n');
    await announced('echo2.yaml');
    assert.equal(layoutReloads, 1);
    assert.deepEqual(events, [
      { event: 'workspaceChanged', payload: { area: 'layouts', name: 'echo2.yaml', change: 'added' } },
    ]);
  });

  test('settings: written whole, read back; a hand-made mistake is reported with its place and the Studio goes on', async () => {
    const written = await studio.handlers.setSettings({ settings: { defaultTarget: 'shm:sensor' } });
    assert.deepEqual(written, { settings: { defaultTarget: 'shm:sensor' }, errors: [] });
    await announced('settings.json');
    events = [];
    writeFileSync(path.join(a, 'settings.json'), '{\n  "defaultTarget": 3\n}\n');
    await announced('settings.json');
    const { settings } = await studio.handlers.getWorkspace({});
    assert.deepEqual(settings.settings, {});
    assert.deepEqual(
      settings.errors.map((e) => [e.line, e.column, e.path]),
      [[2, 20, 'defaultTarget']],
    );
    assert.deepEqual(
      events.map((e) => e.event),
      ['notice', 'workspaceChanged'],
    );
    assert.match((events[0]?.payload as { message: string }).message, /settings\.json:2:20: defaultTarget: /);
  });

  test("settings' defaultLayouts choose the layout a target decodes with when connected without one", async () => {
    await studio.handlers.setSettings({ settings: { defaultLayouts: { 'demo:echo': 'telemetry' } } });
    const connected = await studio.handlers.connect({ target: 'demo:echo' });
    assert.equal(connected.protocol, 'telemetry');
    await studio.handlers.disconnect({ target: 'demo:echo' });
    assert.equal(
      (await studio.handlers.connect({ target: 'demo:echo', protocol: 'echo' })).protocol,
      'echo',
      'a layout asked for wins',
    );
  });

  test('a layout picked for a target before it is connected is the one it connects with, not the default (nor the one used last time)', async () => {
    assert.notEqual((await studio.handlers.listTargets({})).find((t) => t.target === 'demo:echo')?.state, 'open');
    await studio.handlers.setProtocol({ target: 'demo:echo', protocol: 'longtest' });
    assert.equal((await studio.handlers.connect({ target: 'demo:echo' })).protocol, 'longtest');
    await studio.handlers.disconnect({ target: 'demo:echo' });
    await studio.handlers.setProtocol({ target: 'demo:echo', protocol: null });
    assert.equal(
      (await studio.handlers.connect({ target: 'demo:echo' })).protocol,
      undefined,
      '(none) picked stays none',
    );
    await studio.handlers.disconnect({ target: 'demo:echo' });
  });

  test('UI state is kept in the state file, and refused past its limit', async () => {
    await studio.handlers.setUiState({ key: 'app.theme', value: 'dark' });
    assert.deepEqual(await studio.handlers.getUiState({}), { 'app.theme': 'dark' });
    assert.deepEqual(new StateStore(state.file).uiState(), { 'app.theme': 'dark' });
    await rejects(studio.handlers.setUiState({ key: 'app.big', value: 'x'.repeat(70_000) }), 'E2BIG', /at most 65536/);
  });
});
