// The Captures tab as a person uses it: tick a target and record (the ticked
// targets and the name reach the backend), the live count while recording,
// the list with its counts, an opened capture's damage shown as a notice,
// renaming and deleting a file in its row, and status lines that go stale.
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { expect, test } from 'vitest';
import type { CaptureFileView, CaptureSourceView, CaptureStatus } from '../../electron/shared/api/captures-api.ts';
import CapturesView from '../src/components/CapturesView.vue';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useNoticesStore } from '../src/stores/notices.ts';
import { useTargetsStore } from '../src/stores/targets.ts';
import { fakeApi } from './fake-api.ts';

const flush = () => new Promise((r) => setTimeout(r, 0));
const recording = (messages: number): CaptureStatus => ({
  recording: true,
  name: 'bench.kucap',
  targets: ['demo:echo'],
  messages,
  bytes: messages * 60,
  startedMs: 0,
  lost: [],
});
const damaged: CaptureSourceView = {
  source: 'old.kucap',
  format: 'kucap',
  total: 70,
  done: true,
  bytesIndexed: 9000,
  size: 9100,
  targets: ['demo:echo'],
  views: { all: 70 },
  damage: [
    {
      offset: 9000,
      message:
        'the file ends inside the block at offset 9000 (only 20 of its 361 body bytes are there): it was cut off while being written',
      messagesBefore: 70,
    },
  ],
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

test('rename a capture in its row; delete asks first, and Keep it deletes nothing', async () => {
  setActivePinia(createPinia());
  let files: CaptureFileView[] = [
    { name: 'morning.kucap', format: 'kucap', size: 9100, mtimeMs: 0, messages: 71 },
    { name: 'export.pcapng', format: 'pcapng', size: 9000, mtimeMs: 0, messages: 40 },
  ];
  const fake = fakeApi({
    captureStatus: () => ({ recording: false, targets: [], messages: 0, bytes: 0, lost: [] }),
    openCaptures: () => [],
    listCaptures: () => files,
    renameCapture: (i: { name: string; to: string }) => {
      if (i.to.includes('/'))
        throw Object.assign(new Error(`"${i.to}" is not a valid file name`), { code: 'EINVAL_INPUT' });
      return (files = files.map((f) => (f.name === i.name ? { ...f, name: `${i.to}.kucap` } : f)));
    },
    deleteCapture: (i: { name: string }) => (files = files.filter((f) => f.name !== i.name)),
  });
  await useConnectionStore().attach(fake.api);
  const w = mount(CapturesView, { attachTo: document.body });
  await flush();
  const names = () => w.findAll('tr[data-capture]').map((r) => r.attributes('data-capture'));

  await w.find('tr[data-capture="morning.kucap"] [data-test=rename-start]').trigger('click');
  expect((w.find('[data-test=rename-input]').element as HTMLInputElement).value).toBe('morning.kucap');
  expect(document.activeElement).toBe(w.find('[data-test=rename-input]').element);
  await w.find('[data-test=rename-input]').setValue('a/b');
  await w.find('[data-test=rename]').trigger('submit');
  await flush();
  expect(useNoticesStore().notices.at(-1)?.message).toBe(
    'Renaming morning.kucap to a/b: "a/b" is not a valid file name',
  );
  expect(w.find('[data-test=rename-input]').exists()).toBe(true);
  await w.find('[data-test=rename-input]').setValue('evening');
  await w.find('[data-test=rename]').trigger('submit');
  await flush();
  expect(names()).toEqual(['evening.kucap', 'export.pcapng']);
  expect(useNoticesStore().notices).toEqual([]);

  await w.find('tr[data-capture="export.pcapng"] [data-test=delete]').trigger('click');
  expect(w.find('[data-test=confirm-delete]').text()).toContain('Delete export.pcapng? It cannot be undone.');
  await w.find('[data-test=confirm-delete-no]').trigger('click');
  expect(fake.calls.some((c) => c.call === 'deleteCapture')).toBe(false);
  expect(w.find('[data-test=confirm-delete]').exists()).toBe(false);
  await w.find('tr[data-capture="export.pcapng"] [data-test=delete]').trigger('click');
  await w.find('[data-test=confirm-delete-yes]').trigger('click');
  await flush();
  expect(fake.calls.filter((c) => c.call === 'deleteCapture').map((c) => c.input)).toEqual([{ name: 'export.pcapng' }]);
  expect(names()).toEqual(['evening.kucap']);
  w.unmount();
});

test('the line about the last export goes once another action starts, and the last recording line once its file is gone', async () => {
  setActivePinia(createPinia());
  let files: CaptureFileView[] = [{ name: 'rec.kucap', format: 'kucap', size: 100, mtimeMs: 0, messages: 3 }];
  const fake = fakeApi({
    captureStatus: () => ({ recording: false, name: 'rec.kucap', targets: [], messages: 3, bytes: 100, lost: [] }),
    openCaptures: () => [],
    listCaptures: () => files,
    exportPcapng: () => (
      (files = [...files, { name: 'rec.pcapng', format: 'pcapng', size: 90, mtimeMs: 0, messages: 3 }]),
      { name: 'rec.pcapng', messages: 3, bytes: 90 }
    ),
    deleteCapture: (i: { name: string }) => (files = files.filter((f) => f.name !== i.name)),
  });
  await useConnectionStore().attach(fake.api);
  const w = mount(CapturesView);
  await flush();
  expect(w.find('[data-test=record-status]').text()).toBe('last: rec.kucap, 3 messages, 100 bytes');
  await w.find('tr[data-capture="rec.kucap"] [data-test=export]').trigger('click');
  await flush();
  expect(w.find('[data-test=last-written]').text()).toBe('exported 3 messages to rec.pcapng');
  await w.find('tr[data-capture="rec.kucap"] [data-test=delete]').trigger('click');
  await w.find('[data-test=confirm-delete-yes]').trigger('click');
  await flush();
  expect(w.find('[data-test=last-written]').exists()).toBe(false);
  expect(w.find('[data-test=record-status]').exists()).toBe(false);
});
