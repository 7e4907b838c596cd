// The Replay tab: the target to replay into is chosen among the connected
// ones, a replay that fails to start does not leave the previous run's
// "done" line on screen as if it were its outcome, and an unexpected reply's
// number is not mistaken for a captured reply's.
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, expect, test, vi } from 'vitest';
import type { ReplayPairJson, ReplayProgress } from '../../electron/shared/api/replay-api.ts';
import ReplayView from '../src/components/ReplayView.vue';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useReplayStore } from '../src/stores/replay.ts';
import { useTargetsStore } from '../src/stores/targets.ts';
import { fakeApi } from './fake-api.ts';
import { giveListsHeight } from './list-viewport.ts';
import { flush } from './mounted-diff-view.ts';

const done: ReplayProgress = {
  replay: 'replay-1',
  capture: 'morning.kucap',
  target: 'demo:echo',
  from: 'demo:echo',
  sent: 4,
  total: 4,
  same: 4,
  different: 0,
  missing: 0,
  unexpected: 0,
  state: 'done',
  problems: [],
};

beforeEach(() => setActivePinia(createPinia()));

async function mountReplay(startReplay: () => unknown) {
  const fake = fakeApi({
    listCaptures: () => [{ name: 'morning.kucap', format: 'kucap', size: 100, mtimeMs: 0, messages: 4 }],
    replaySources: () => ({ targets: ['demo:echo'] }),
    listReports: () => [],
    listReplays: () => [done],
    replayResults: (i: { replay: string }) => ({ replay: i.replay, total: 0, start: 0, pairs: [] }),
    startReplay,
  });
  await useConnectionStore().attach(fake.api);
  useTargetsStore().targets = [
    { target: 'demo:echo', kind: 'demo', description: 'echo', state: 'open' },
    { target: 'demo:longtest', kind: 'demo', description: 'longtest', state: 'closed' },
    { target: 'shm:sensor', kind: 'shm', description: 'shm', state: 'open' },
  ];
  const w = mount(ReplayView);
  await flush();
  return { w, fake };
}

test('Into target is a choice of the connected targets; a remembered one not connected is shown, not choosable', async () => {
  useReplayStore().target = 'shm:gone';
  const { w } = await mountReplay(() => ({ replay: 'replay-2' }));
  const options = () =>
    w.findAll('[data-test=replay-target] option').map((o) => [o.text(), (o.element as HTMLOptionElement).disabled]);
  expect(w.find('[data-test=replay-target]').element.tagName).toBe('SELECT');
  expect(options()).toEqual([
    ['demo:echo', false],
    ['shm:sensor', false],
  ]);
  expect(useReplayStore().target).toBe('demo:echo');
  useReplayStore().target = 'shm:gone';
  await flush();
  expect(options()[0]).toEqual(['shm:gone (not connected)', true]);
  expect((w.find('[data-test=replay-start]').element as HTMLButtonElement).disabled).toBe(true);
  w.unmount();
});

test("a replay that fails to start takes the previous run's done line away with its diff", async () => {
  const { w } = await mountReplay(() => {
    throw Object.assign(new Error('demo:echo is not connected: connect it first'), { code: 'ENOTCONN' });
  });
  useReplayStore().capture = 'morning.kucap';
  await flush();
  expect(w.find('[data-test=replay-sent]').text()).toContain('done: sent 4 of 4');
  await w.find('[data-test=replay-start]').trigger('click');
  await flush();
  expect(w.find('[data-test=replay-progress]').exists()).toBe(false);
  expect(useReplayStore().replay).toBeUndefined();
  w.unmount();
});

test('an unexpected reply is numbered among the replayed replies, told apart from the captured reply of that number', async () => {
  const restoreHeight = giveListsHeight(200);
  const pairs: ReplayPairJson[] = [
    { index: 0, status: 'same', reply: 1, summary: 'data.n=1', diffs: [] },
    { index: 1, status: 'unexpected', reply: 1, summary: 'data.n=9', diffs: [] },
  ];
  const fake = fakeApi({
    listCaptures: () => [],
    listReports: () => [],
    listReplays: () => [{ ...done, same: 1, unexpected: 1 }],
    replayResults: (i: { replay: string; start: number; count: number }) => ({
      replay: i.replay,
      total: 2,
      start: i.start,
      pairs: pairs.slice(i.start, i.start + i.count),
    }),
  });
  await useConnectionStore().attach(fake.api);
  const w = mount(ReplayView, { attachTo: document.body });
  await vi.waitFor(() => expect(w.findAll('[data-test=pair-reply]').map((r) => r.text())).toEqual(['1', 'r1']));
  expect(w.findAll('[data-test=pair-reply]')[1]!.attributes('title')).toBe(
    'reply 1 of the replay (no captured reply is like it)',
  );
  w.unmount();
  restoreHeight();
});
