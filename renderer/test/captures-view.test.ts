// The Captures tab as a person uses it: tick a target and record (the ticked
// targets and the name reach the backend), the live count while recording,
// the list with its counts, and an opened capture's damage shown as a notice.
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { expect, test } from 'vitest';
import type { CaptureSourceView, CaptureStatus } from '../../electron/shared/api/captures-api.ts';
import CapturesView from '../src/components/CapturesView.vue';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useTargetsStore } from '../src/stores/targets.ts';
import { fakeApi } from './fake-api.ts';

const flush = () => new Promise((r) => setTimeout(r, 0));
const recording = (messages: number): CaptureStatus => ({ recording: true, name: 'bench.kucap', targets: ['demo:echo'], messages, bytes: messages * 60, startedMs: 0, lost: [] });
const damaged: CaptureSourceView = {
  source: 'old.kucap', format: 'kucap', total: 70, done: true, bytesIndexed: 9000, size: 9100, targets: ['demo:echo'], views: { all: 70 },
  damage: [{ offset: 9000, message: 'the file ends inside the block at offset 9000 (only 20 of its 361 body bytes are there): it was cut off while being written', messagesBefore: 70 }],
};

test('record the ticked target under a name; the count follows the backend while it records', async () => {
  setActivePinia(createPinia());
  const fake = fakeApi({
    captureStatus: () => ({ recording: false, targets: [], messages: 0, bytes: 0, lost: [] }),
    openCaptures: () => [damaged],
    listCaptures: () => [{ name: 'old.kucap', format: 'kucap', size: 9100, mtimeMs: 0, messages: 71 }],
    startCapture: () => recording(0),
  });
  await useConnectionStore().attach(fake.api);
  useTargetsStore().targets = [
    { target: 'demo:echo', kind: 'demo', description: 'echo', state: 'open' },
    { target: 'demo:longtest', kind: 'demo', description: 'longtest', state: 'open' },
  ];
  const w = mount(CapturesView);
  await flush();
  expect(w.find('tr[data-capture="old.kucap"] [data-test=messages]').text()).toBe('71');
  expect(w.find('[data-test=damage-notice]').text()).toBe(
    'capture old.kucap is damaged: the file ends inside the block at offset 9000 (only 20 of its 361 body bytes are there): it was cut off while being written; showing the 70 messages before it',
  );

  await w.find('input[data-target="demo:echo"]').setValue(true);
  await w.find('[data-test=record-name]').setValue('bench');
  await w.find('[data-test=record]').trigger('submit');
  await flush();
  expect(fake.calls.find((c) => c.call === 'startCapture')?.input).toEqual({ targets: ['demo:echo'], name: 'bench' });
  fake.emit('capture', recording(1234));
  await flush();
  expect(w.find('[data-test=record-count]').text()).toBe('1,234');
  expect(w.find('[data-test=record-stop]').exists()).toBe(true);
  expect((w.find('input[data-target="demo:echo"]').element as HTMLInputElement).disabled).toBe(true);
});
