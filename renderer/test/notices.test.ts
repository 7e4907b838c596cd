// The notices bottom right: an error fades by itself (not while the pointer
// rests on it), and goes at once when the action it reported works later.
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import NoticeList from '../src/components/NoticeList.vue';
import { useConnectionStore } from '../src/stores/connection.ts';
import { FADE_MS, useNoticesStore } from '../src/stores/notices.ts';
import { useTargetsStore } from '../src/stores/targets.ts';
import { fakeApi } from './fake-api.ts';

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => vi.useRealTimers());

test('an error notice goes away by itself, but not while the pointer rests on it', async () => {
  vi.useFakeTimers();
  const notices = useNoticesStore();
  const w = mount(NoticeList);
  notices.report('Saving layouts/a.yaml', new Error('disk full'));
  await w.vm.$nextTick();
  const shown = () => w.findAll('[data-test=notice]').map((n) => n.text());
  expect(shown()).toEqual(['Saving layouts/a.yaml: disk full×']);
  await w.find('[data-test=notice]').trigger('mouseenter');
  vi.advanceTimersByTime(FADE_MS.error * 3);
  await w.vm.$nextTick();
  expect(shown()).toHaveLength(1);
  await w.find('[data-test=notice]').trigger('mouseleave');
  vi.advanceTimersByTime(FADE_MS.error - 1);
  await w.vm.$nextTick();
  expect(shown()).toHaveLength(1);
  vi.advanceTimersByTime(1);
  await w.vm.$nextTick();
  expect(shown()).toEqual([]);
});

test('an error that no longer applies goes: the same action failing again replaces it, and its success drops it', async () => {
  let refuse = true;
  const fake = fakeApi({
    listTargets: () => [],
    listAgents: () => [],
    connect: () => {
      if (refuse) throw Object.assign(new Error('the device is busy'), { code: 'EBUSY' });
      return {};
    },
  });
  await useConnectionStore().attach(fake.api);
  const targets = useTargetsStore();
  const notices = useNoticesStore();
  notices.report('Listing the scripts', new Error('unrelated'));
  await targets.connect('/dev/kucomms0');
  await targets.connect('/dev/kucomms0');
  expect(notices.notices.map((n) => n.message)).toEqual([
    'Listing the scripts: unrelated',
    'Connecting /dev/kucomms0: the device is busy',
  ]);
  refuse = false;
  await targets.connect('/dev/kucomms0');
  expect(notices.notices.map((n) => n.message)).toEqual(['Listing the scripts: unrelated']);
});
