// The Targets tab on its first open: it says it is looking for targets
// until the first list comes, instead of flashing "No targets.".
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { expect, test } from 'vitest';
import type { TargetView } from '../../electron/shared/studio-api.ts';
import TargetsView from '../src/components/TargetsView.vue';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useTargetsStore } from '../src/stores/targets.ts';
import { fakeApi } from './fake-api.ts';

test('until the first list comes the Targets tab says it is looking for targets, not that there are none', async () => {
  setActivePinia(createPinia());
  let answer!: (list: TargetView[]) => void;
  const fake = fakeApi({ listTargets: () => new Promise<TargetView[]>((r) => (answer = r)), listAgents: () => [] });
  await useConnectionStore().attach(fake.api);
  const w = mount(TargetsView);
  const refreshed = useTargetsStore().refresh();
  await w.vm.$nextTick();
  expect(w.find('[data-test=targets-loading]').text()).toBe('Looking for targets…');
  expect(w.text()).not.toContain('No targets.');
  answer([{ target: 'demo:echo', kind: 'demo', description: 'echoes', state: 'closed' }]);
  await refreshed;
  await w.vm.$nextTick();
  expect(w.find('[data-test=targets-loading]').exists()).toBe(false);
  expect(w.find('tr[data-target="demo:echo"]').exists()).toBe(true);
});
