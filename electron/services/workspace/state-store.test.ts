// The state that survives a restart: written by one Studio, read by the next;
// a damaged file is set aside with a notice, never a crash.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StudioError } from '../../shared/studio-api.ts';
import { StateStore, UI_TOTAL_LIMIT, UI_VALUE_LIMIT } from './state-store.ts';
import { startupWorkspaceDir } from './startup.ts';

const stateDir = () => mkdtempSync(path.join(os.tmpdir(), 'kucomms-state-'));

describe('the state store', () => {
  test('the next start finds the last workspace, the recent ones and the UI state', () => {
    const file = path.join(stateDir(), 'state.json');
    const first = new StateStore(file);
    first.rememberWorkspace('/home/ada/a');
    first.rememberWorkspace('/home/ada/b');
    first.rememberWorkspace('/home/ada/a');
    first.setUiState('app.tab', 'traffic');
    first.setUiState('traffic.filter', 'type == 3');
    first.setUiState('composer.choice', { target: 'demo:echo', protocol: 'echo' });
    first.setUiState('traffic.filter', null);
    const next = new StateStore(file);
    assert.equal(next.lastWorkspace, '/home/ada/a');
    assert.deepEqual(next.recentWorkspaces(), ['/home/ada/a', '/home/ada/b']);
    assert.deepEqual(next.uiState(), {
      'app.tab': 'traffic',
      'composer.choice': { target: 'demo:echo', protocol: 'echo' },
    });
    assert.deepEqual(next.notices, []);
    // Written whole: no temporary file is left beside it.
    assert.deepEqual(readdirSync(path.dirname(file)), ['state.json']);
  });

  test('a damaged state file is set aside with a notice, and the Studio starts afresh', () => {
    const dir = stateDir();
    const file = path.join(dir, 'state.json');
    writeFileSync(file, '{"lastWorkspace": "/home/ada/a", "ui": {');
    const store = new StateStore(file);
    assert.equal(store.lastWorkspace, undefined);
    assert.deepEqual(store.uiState(), {});
    assert.equal(store.notices.length, 1);
    assert.match(store.notices[0] ?? '', /state\.json was damaged .* set aside as .*\.corrupt/);
    const aside = readdirSync(dir).filter((f) => f.endsWith('.corrupt'));
    assert.equal(aside.length, 1);
    assert.equal(
      readFileSync(path.join(dir, aside[0] ?? ''), 'utf8'),
      '{"lastWorkspace": "/home/ada/a", "ui": {',
      'the damaged file is kept as it was',
    );
    store.setUiState('app.theme', 'dark');
    assert.deepEqual(new StateStore(file).uiState(), { 'app.theme': 'dark' });
  });

  test('a state file of the wrong shape is set aside too', () => {
    const file = path.join(stateDir(), 'state.json');
    writeFileSync(file, '{"recentWorkspaces": "not a list"}');
    const store = new StateStore(file);
    assert.match(store.notices[0] ?? '', /damaged/);
    assert.deepEqual(store.recentWorkspaces(), []);
  });

  test('a value past the limits is refused and what was kept stays', () => {
    const store = new StateStore(path.join(stateDir(), 'state.json'));
    store.setUiState('big', 'x');
    assert.throws(
      () => store.setUiState('big', 'x'.repeat(UI_VALUE_LIMIT)),
      (e: unknown) => e instanceof StudioError && e.code === 'E2BIG' && /"big" is \d+ bytes/.test(e.message),
    );
    assert.deepEqual(store.uiState(), { big: 'x' });
    const chunk = 'y'.repeat(UI_VALUE_LIMIT - 100);
    let i = 0;
    assert.throws(() => {
      for (; i < UI_TOTAL_LIMIT / chunk.length + 1; i++) store.setUiState(`k${i}`, chunk);
    }, /UI state is full/);
    assert.equal(Object.keys(store.uiState()).length, i + 1);
  });

  test('the workspace at start: the one asked for, else the last one, else STATE-DIR/workspace; a vanished last one is said', () => {
    const dir = stateDir();
    const store = new StateStore(path.join(dir, 'state.json'));
    assert.equal(startupWorkspaceDir(store, dir), path.join(dir, 'workspace'));
    store.rememberWorkspace(dir);
    assert.equal(startupWorkspaceDir(store, dir), dir);
    assert.equal(startupWorkspaceDir(store, dir, 'elsewhere'), path.resolve('elsewhere'));
    store.rememberWorkspace(path.join(dir, 'gone'));
    assert.equal(startupWorkspaceDir(store, dir), path.join(dir, 'workspace'));
    assert.match(store.notices.at(-1) ?? '', /gone is no longer there/);
  });
});
