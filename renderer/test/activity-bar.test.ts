// What runs while another view is shown: Alt+R records from any view, and
// the top bar shows a recording, a periodic send, the running scripts and a
// script that crashed, each opening its view.
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, expect, test } from 'vitest';
import type { ScriptRunView } from '../../electron/shared/api/scripts-api.ts';
import type { CaptureStatus } from '../../electron/shared/api/captures-api.ts';
import ActivityBar from '../src/components/ActivityBar.vue';
import CapturesView from '../src/components/CapturesView.vue';
import { setShortcutView } from '../src/lib/shortcuts.ts';
import { useCapturesStore } from '../src/stores/captures.ts';
import { useComposerStore } from '../src/stores/composer.ts';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useScriptsStore } from '../src/stores/scripts.ts';
import { useTargetsStore } from '../src/stores/targets.ts';
import { useUiStateStore } from '../src/stores/ui-state.ts';
import { fakeApi } from './fake-api.ts';

const flush = () => new Promise((r) => setTimeout(r, 0));
const idle: CaptureStatus = { recording: false, targets: [], messages: 0, bytes: 0, lost: [] };
const recording: CaptureStatus = {
  recording: true,
  name: 'capture-1.kucap',
  targets: [],
  messages: 1234,
  bytes: 9000,
  startedMs: 0,
  lost: [],
};
const counts = { messages: 0, sends: 0, workCalls: 0, timerCalls: 0 };
const run = (id: string, script: string, stop?: ScriptRunView['stop']): ScriptRunView => ({
  run: id,
  script,
  target: 'demo:echo',
  state: stop ? 'stopped' : 'running',
  startedAt: 0,
  counts,
  droppedLines: 0,
  ...(stop ? { stop } : {}),
});

beforeEach(() => setActivePinia(createPinia()));

test('Alt+R starts and stops a recording from any view, not only Captures', async () => {
  let status = idle;
  const fake = fakeApi({
    captureStatus: () => status,
    openCaptures: () => [],
    listCaptures: () => [],
    startCapture: () => (status = recording),
    stopCapture: () => ((status = idle), { name: 'capture-1.kucap', messages: 1234, bytes: 9000, lost: [] }),
  });
  await useConnectionStore().attach(fake.api);
  useTargetsStore().targets = [{ target: 'demo:echo', kind: 'demo', description: 'echo', state: 'open' }];
  const ui = useUiStateStore();
  ui.tab = 'traffic';
  setShortcutView(() => ui.tab);
  const w = mount(CapturesView);
  await flush();
  const altR = () =>
    window.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'r', code: 'KeyR', altKey: true, bubbles: true, cancelable: true }),
    );
  altR();
  await flush();
  expect(fake.calls.filter((c) => c.call === 'startCapture')).toHaveLength(1);
  expect(useCapturesStore().status.recording).toBe(true);
  ui.tab = 'composer';
  altR();
  await flush();
  expect(fake.calls.filter((c) => c.call === 'stopCapture')).toHaveLength(1);
  expect(useCapturesStore().status.recording).toBe(false);
  w.unmount();
});

test('the top bar shows a recording, a periodic send, a running script and a crashed one; each opens its view', async () => {
  await useConnectionStore().attach(fakeApi({}).api);
  const ui = useUiStateStore();
  ui.tab = 'targets';
  const w = mount(ActivityBar);
  expect(w.find('[data-test=activity]').text()).toBe('');

  useCapturesStore().status = recording;
  const composer = useComposerStore();
  composer.periodic = 'p1';
  composer.periodMs = 50;
  const scripts = useScriptsStore();
  scripts.runs = {
    r1: run('r1', 'relay.ts'),
    r2: run('r2', 'check.ts', {
      reason: 'error',
      message: 'check.ts:4: TypeError: x is undefined',
      callback: 'onMessage',
    }),
    r3: run('r3', 'old.ts', { reason: 'stopped', message: 'stopped' }),
  };
  await w.vm.$nextTick();
  expect(w.find('[data-test=activity-recording]').text()).toBe('REC 1,234');
  expect(w.find('[data-test=activity-periodic]').text()).toBe('⟳ sending every 50 ms');
  expect(w.find('[data-test=activity-scripts]').text()).toBe('▶ relay.ts running');
  expect(w.findAll('[data-test=activity-crashed]').map((c) => c.text())).toEqual(['✖ check.ts stopped: error']);

  await w.find('[data-test=activity-recording]').trigger('click');
  expect(ui.tab).toBe('captures');
  await w.find('[data-test=activity-periodic]').trigger('click');
  expect(ui.tab).toBe('composer');
  await w.find('[data-test=activity-crashed]').trigger('click');
  expect(ui.tab).toBe('scripts');
  expect(scripts.shownRun).toBe('r2');
  expect(w.find('[data-test=activity-crashed]').exists()).toBe(false);
});
