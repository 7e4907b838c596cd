// The Fuzz view: a kernel device cannot be fuzzed until the person confirms
// the kernel may crash (and the call says so), and a run's findings and
// lines show as the backend sends them.
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { expect, test } from 'vitest';
import FuzzView from '../src/components/FuzzView.vue';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useFuzzStore } from '../src/stores/fuzz.ts';
import { fakeApi } from './fake-api.ts';

test('a kernel device needs confirming before Start, and the run is asked for with kernel: true', async () => {
  setActivePinia(createPinia());
  const fake = fakeApi({ fuzzState: () => ({}), startFuzz: () => ({ run: 'f1' }) });
  await useConnectionStore().attach(fake.api);
  const w = mount(FuzzView);
  const store = useFuzzStore();
  store.target = '/dev/kucomms_planted';
  store.protocol = 'planted';
  await w.vm.$nextTick();
  expect(w.find('[data-test=fuzz-kernel-warning]').text()).toContain('do it in a virtual machine');
  expect(w.find('[data-test=fuzz-start]').attributes('disabled')).toBeDefined();
  await w.find('[data-test=fuzz-kernel-confirm]').setValue(true);
  expect(w.find('[data-test=fuzz-start]').attributes('disabled')).toBeUndefined();
  await w.find('[data-test=fuzz-start]').trigger('click');
  await w.vm.$nextTick();
  expect(fake.calls.find((c) => c.call === 'startFuzz')?.input).toEqual({
    target: '/dev/kucomms_planted',
    protocol: 'planted',
    kernel: true,
    hangMs: 5000,
  });
  // Confirmed for that run only.
  expect(store.kernelConfirmed).toBe(false);

  fake.emit('fuzzProgress', {
    run: 'f1',
    target: '/dev/kucomms_planted',
    protocol: 'planted',
    state: 'finished',
    lines: ['fuzz: 143 messages, 1 finding'],
    findings: [
      {
        kind: 'hang',
        evidence: 'no answer to a valid command within 5000 ms',
        reproducer: ['command (op reset): data.count = 3 (wrong length: values holds 2)'],
        capture: 'captures/fuzz-planted-1.kucap',
        test: 'tests/fuzz-planted-1.yaml',
      },
    ],
  });
  await w.vm.$nextTick();
  expect(w.find('[data-test=fuzz-state]').text()).toBe('finished');
  expect(w.find('[data-test=fuzz-finding]').text()).toContain(
    'reproducer: command (op reset): data.count = 3 (wrong length: values holds 2)',
  );
  expect(w.find('[data-test=fuzz-log]').text()).toBe('fuzz: 143 messages, 1 finding');
  w.unmount();
});
