// The Scripts view's store and log pane: a run saves unsaved edits first
// and passes the chosen layout the way the API means it; output, dropped
// lines and the stop report land in the run's log (once, even when the stop
// comes before the run's id is known); a stop's file:line in the log pane
// asks for its line in the editor.
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, expect, test, vi } from 'vitest';
import type { ScriptRunView, ScriptStopView } from '../../electron/shared/api/scripts-api.ts';
import FileChangedBanner from '../src/components/FileChangedBanner.vue';
import ScriptLog from '../src/components/ScriptLog.vue';
import ScriptsView from '../src/components/ScriptsView.vue';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useNoticesStore } from '../src/stores/notices.ts';
import { NO_LAYOUT, TARGET_LAYOUT, useScriptsStore } from '../src/stores/scripts.ts';
import { useTargetsStore } from '../src/stores/targets.ts';
import { fakeApi } from './fake-api.ts';

const RUNAWAY: ScriptStopView = {
  reason: 'runaway',
  message: 'spin.ts:4: onMessage ran for more than 2000 ms and was stopped',
  callback: 'onMessage',
  location: { file: 'spin.ts', line: 4, column: 3 },
};

const runView = (over: Partial<ScriptRunView> = {}): ScriptRunView => ({
  run: 'r1',
  script: 'answer.ts',
  target: 'demo:echo',
  protocol: 'echo',
  state: 'running',
  startedAt: 0,
  counts: { messages: 0, sends: 0, workCalls: 0, timerCalls: 0 },
  droppedLines: 0,
  ...over,
});

let fake: ReturnType<typeof fakeApi>;
let runs: ScriptRunView[];
let files: Record<string, string>;

beforeEach(async () => {
  setActivePinia(createPinia());
  runs = [];
  files = { 'answer.ts': 'export function onMessage() {}\n' };
  fake = fakeApi({
    listScripts: () => Object.keys(files).map((name) => ({ name, size: files[name]!.length, mtimeMs: 0 })),
    readScript: (i: { name: string }) => ({ name: i.name, text: files[i.name] }),
    saveScript: (i: { name: string; text: string }) => {
      files[i.name] = i.text;
      return { name: i.name, size: i.text.length, mtimeMs: 1 };
    },
    listRuns: () => runs,
    scriptDiagnostics: () => [],
    runScript: () => {
      runs = [runView()];
      return { run: 'r1' };
    },
  });
  await useConnectionStore().attach(fake.api);
});

test('Run saves unsaved edits first (a run runs the saved file) and passes "no layout" as null', async () => {
  const store = useScriptsStore();
  await store.load();
  expect(store.open).toBe('answer.ts');
  store.setText('export function onMessage() { console.log(1); }\n');
  expect(store.dirty).toBe(true);
  store.target = 'demo:echo';
  store.protocol = NO_LAYOUT;
  await store.start();
  const order = fake.calls.map((c) => c.call).filter((c) => c === 'saveScript' || c === 'runScript');
  expect(order).toEqual(['saveScript', 'runScript']);
  expect(fake.calls.find((c) => c.call === 'runScript')?.input).toEqual({
    name: 'answer.ts',
    target: 'demo:echo',
    protocol: null,
  });
  expect(files['answer.ts']).toContain('console.log(1)');
  expect(store.dirty).toBe(false);
  expect(store.running).toBe(true);
});

test('opening the open script again keeps its unsaved edits; Revert throws them away', async () => {
  const store = useScriptsStore();
  await store.load();
  const typed = 'export function onMessage() { console.log(2); }\n';
  store.setText(typed);
  await store.openFile('answer.ts');
  expect([store.text, store.dirty]).toEqual([typed, true]);
  await store.revert();
  expect([store.text, store.dirty]).toEqual([files['answer.ts'], false]);
});

test('the open script changed on disk while edited: the banner asks; Load takes the file, Keep my edits keeps them', async () => {
  const store = useScriptsStore();
  await store.load();
  const off = store.subscribe();
  const typed = 'export function onMessage() { console.log(3); }\n';
  store.setText(typed);
  files['answer.ts'] = 'export function onMessage() { /* from git */ }\n';
  fake.emit('workspaceChanged', { area: 'scripts', name: 'answer.ts', change: 'changed' });
  await vi.waitFor(() => expect(store.changedOnDisk).toBe(true));
  expect(store.text).toBe(typed);

  const banner = mount(FileChangedBanner, { props: { path: `scripts/${store.open}` } });
  expect(banner.text()).toContain('scripts/answer.ts changed on disk while you were editing it.');
  const [load, keep] = banner.findAll('button');
  await keep!.trigger('click');
  await load!.trigger('click');
  expect(banner.emitted()).toHaveProperty('keep');
  expect(banner.emitted()).toHaveProperty('reload');

  await store.revert(); // what the view does on reload
  expect([store.text, store.dirty, store.changedOnDisk]).toEqual([files['answer.ts'], false, false]);
  off();
});

test('the open script changed on disk without edits is reloaded quietly; our own save coming back changes nothing; a removal is said', async () => {
  const store = useScriptsStore();
  await store.load();
  const off = store.subscribe();
  files['answer.ts'] = 'export function onWork() {}\n';
  fake.emit('workspaceChanged', { area: 'scripts', name: 'answer.ts', change: 'changed' });
  await vi.waitFor(() => expect(store.text).toBe(files['answer.ts']));
  expect([store.dirty, store.changedOnDisk]).toEqual([false, false]);

  store.setText('export function onTimer() {}\n');
  await store.save();
  fake.emit('workspaceChanged', { area: 'scripts', name: 'answer.ts', change: 'changed' });
  await vi.waitFor(() => expect(fake.calls.filter((c) => c.call === 'readScript').length).toBe(3));
  expect([store.text, store.dirty, store.changedOnDisk]).toEqual(['export function onTimer() {}\n', false, false]);

  fake.emit('workspaceChanged', { area: 'scripts', name: 'answer.ts', change: 'removed' });
  await vi.waitFor(() =>
    expect(useNoticesStore().notices.map((n) => n.message)).toContain(
      'scripts/answer.ts was removed on disk; save to write it again',
    ),
  );
  expect(store.dirty).toBe(true);
  off();
});

test("type-checking names the layout a run would decode with: the target's own, unless another (or none) is chosen", async () => {
  const store = useScriptsStore();
  useTargetsStore().targets = [
    { target: 'demo:echo', kind: 'demo', description: 'echo peer', state: 'open', protocol: 'telemetry' },
  ];
  await store.load();
  store.target = 'demo:echo';
  const asked: Array<string | null | undefined> = [];
  for (const choice of [TARGET_LAYOUT, NO_LAYOUT, 'echo']) {
    store.protocol = choice;
    await store.check();
    const last = fake.calls.filter((c) => c.call === 'scriptDiagnostics').at(-1);
    asked.push((last?.input as { protocol?: string | null }).protocol);
  }
  expect(asked).toEqual(['telemetry', null, 'echo']);
});

test('without an open target, Run explains what to do instead of calling the backend', async () => {
  const store = useScriptsStore();
  await store.load();
  store.target = '';
  await store.start();
  expect(fake.calls.some((c) => c.call === 'runScript')).toBe(false);
  expect(useNoticesStore().notices.map((n) => n.message)).toEqual([
    'Running a script: choose an open target to run it on (connect one in Targets)',
  ]);
});

test("output lines, dropped lines and the stop report fill the run's log in order", async () => {
  const store = useScriptsStore();
  await store.load();
  store.target = 'demo:echo';
  const off = store.subscribe();
  await store.start();
  fake.emit('scriptOutput', { run: 'r1', lines: ['got 1', 'got 2'] });
  fake.emit('scriptOutput', { run: 'r1', lines: ['got 3'], dropped: 40 });
  fake.emit('scriptOutput', { run: 'r9', lines: ['another run'] });
  runs = [runView({ state: 'stopped', stop: RUNAWAY })];
  fake.emit('scriptState', { run: 'r1', state: 'stopped', stop: RUNAWAY });
  expect(store.log).toEqual([
    { kind: 'line', text: 'got 1', at: expect.any(Number) },
    { kind: 'line', text: 'got 2', at: expect.any(Number) },
    { kind: 'line', text: 'got 3', at: expect.any(Number) },
    { kind: 'dropped', count: 40 },
    { kind: 'stop', stop: RUNAWAY },
  ]);
  expect(store.running).toBe(false);
  off();
});

test('a script that fails to load reports its stop before runScript answers: the log shows it once', async () => {
  const store = useScriptsStore();
  await store.load();
  store.target = 'demo:echo';
  const off = store.subscribe();
  const failed: ScriptStopView = {
    reason: 'error',
    message: 'answer.ts exports none of onMessage, onWork, onTimer',
    callback: 'load',
  };
  fake.api.runScript = async () => {
    runs = [runView({ state: 'stopped', stop: failed })];
    fake.emit('scriptState', { run: 'r1', state: 'stopped', stop: failed });
    return { run: 'r1' };
  };
  await store.start();
  expect(store.log).toEqual([{ kind: 'stop', stop: failed }]);
  expect(store.run?.state).toBe('stopped');
  off();
});

test("the log pane names a stop's file:line:column and asks for that line when it is clicked", async () => {
  const log = mount(ScriptLog, {
    props: {
      entries: [
        { kind: 'line', text: 'hello', at: 0 },
        { kind: 'dropped', count: 1200 },
        { kind: 'stop', stop: RUNAWAY },
      ],
    },
  });
  expect(log.find('[data-test=log-line]').text()).toBe('hello');
  expect(log.find('[data-test=log-dropped]').text()).toContain('1,200 lines left out');
  const stop = log.find('[data-test=log-stop]');
  expect(stop.attributes('data-reason')).toBe('runaway');
  expect(stop.classes()).toContain('failed');
  expect(stop.text()).toContain('Runaway');
  const at = log.find('[data-test=log-location]');
  expect(at.text()).toBe('spin.ts:4:3');
  await at.trigger('click');
  expect(log.emitted('reveal')).toEqual([[RUNAWAY.location]]);
});

test('each log line shows the time it reached the Studio', async () => {
  const store = useScriptsStore();
  await store.load();
  const off = store.subscribe();
  const at = new Date(2026, 11, 7, 14, 3, 27, 123).getTime();
  vi.useFakeTimers({ now: at, toFake: ['Date'] });
  try {
    fake.emit('scriptOutput', { run: 'r1', lines: ['first', 'second'] });
  } finally {
    vi.useRealTimers();
  }
  expect(store.logs.r1).toEqual([
    { kind: 'line', text: 'first', at },
    { kind: 'line', text: 'second', at },
  ]);
  const log = mount(ScriptLog, { props: { entries: store.logs.r1! } });
  expect(log.findAll('.line').map((l) => l.text())).toEqual(['14:03:27.123first', '14:03:27.123second']);
  expect(log.find('[data-test=log-time]').attributes('datetime')).toBe(new Date(at).toISOString());
  off();
});

test('saving a running script says the run still has the code from before, and Restart runs the saved one', async () => {
  const store = useScriptsStore();
  await store.load();
  store.target = 'demo:echo';
  await store.start();
  runs = [runView({ startedAt: Date.now() - 60_000 })];
  await store.refreshRuns();
  expect(store.stale).toBe(false);
  const view = mount(ScriptsView);
  store.setText('export function onMessage() { console.log(3); }\n');
  await store.save();
  await view.vm.$nextTick();
  expect(store.stale).toBe(true);
  expect(view.find('[data-test=script-stale]').text()).toContain(
    'answer.ts was saved after this run started: it still runs the code from before.',
  );
  fake.api.stopScript = async () => {
    runs = [runView({ state: 'stopped', stop: { reason: 'stopped', message: 'stopped' } })];
    return runs[0]!;
  };
  fake.api.runScript = async () => {
    runs = [runView({ run: 'r2', startedAt: Date.now() })];
    return { run: 'r2' };
  };
  await view.find('[data-test=restart-script]').trigger('click');
  await new Promise((r) => setTimeout(r, 0));
  await view.vm.$nextTick();
  expect(store.shownRun).toBe('r2');
  expect(store.running).toBe(true);
  expect(store.stale).toBe(false);
  expect(view.find('[data-test=script-stale]').exists()).toBe(false);
  view.unmount();
});
