// The captures store and Traffic's source: opening a capture switches
// Traffic to it (its calls carry the source, its length follows the
// capture's indexing), live traffic events no longer move it, closing it
// goes back to live; the damage notice names the byte, the reason and what
// is shown; recording status follows the backend's events.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, expect, test } from 'vitest';
import type { CaptureSourceView } from '../../electron/shared/api/captures-api.ts';
import { damageNotice } from '../src/lib/capture-notice.ts';
import { useCapturesStore } from '../src/stores/captures.ts';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useTrafficStore } from '../src/stores/traffic.ts';
import { fakeApi } from './fake-api.ts';

const source = (over: Partial<CaptureSourceView> = {}): CaptureSourceView => ({
  source: 'run.kucap',
  format: 'kucap',
  total: 500,
  done: false,
  bytesIndexed: 1000,
  size: 4000,
  targets: ['demo:echo'],
  damage: [],
  views: { all: 500 },
  ...over,
});

let fake: ReturnType<typeof fakeApi>;
beforeEach(async () => {
  setActivePinia(createPinia());
  fake = fakeApi({
    window: (i: { source?: string; view: string; start: number }) => ({
      view: i.view,
      total: i.source ? 500 : 10,
      start: i.start,
      rows: [],
    }),
    rate: () => [],
    captureStatus: () => ({ recording: false, targets: [], messages: 0, bytes: 0, lost: [] }),
    openCaptures: () => [],
    listCaptures: () => [{ name: 'run.kucap', format: 'kucap', size: 4000, mtimeMs: 0, messages: 900 }],
    openCapture: () => source(),
    closeCapture: () => [],
    detail: () => ({ row: {}, message: {}, bytes: '' }),
    setFilter: (i: { source?: string }) => ({ view: i.source ? 'f1' : 'f9', total: i.source ? 4 : 2, ms: 1 }),
  });
  await useConnectionStore().attach(fake.api);
});

test('opening a capture shows it in Traffic: calls carry its source, its indexing moves the length, live events do not', async () => {
  const traffic = useTrafficStore();
  const captures = useCapturesStore();
  await traffic.start();
  await captures.start();
  expect(captures.files.map((f) => f.messages)).toEqual([900]);
  await captures.open('run.kucap');
  expect(traffic.source).toBe('run.kucap');
  expect(traffic.total).toBe(500);
  expect(fake.calls.filter((c) => c.call === 'window').at(-1)?.input).toMatchObject({
    source: 'run.kucap',
    view: 'all',
  });
  fake.emit('traffic', { total: 20, views: { all: 20 }, paused: false });
  expect(traffic.total).toBe(500);
  expect(traffic.stored).toBe(20);
  fake.emit('captureSources', [source({ total: 900, done: true, views: { all: 900 } })]);
  expect(traffic.total).toBe(900);
  await traffic.select(3);
  expect(fake.calls.at(-1)).toEqual({ call: 'detail', input: { source: 'run.kucap', row: 3 } });
});

test('closing the capture shown goes back to live traffic, whose calls keep their old form', async () => {
  const traffic = useTrafficStore();
  const captures = useCapturesStore();
  await traffic.start();
  await captures.start();
  await captures.open('run.kucap');
  await captures.close('run.kucap');
  expect(traffic.source).toBe('live');
  expect(traffic.total).toBe(10);
  expect(fake.calls.filter((c) => c.call === 'window').at(-1)?.input).toEqual({ view: 'all', start: 0, count: 0 });
});

test('the filter follows the source: switching applies it to the capture shown', async () => {
  const traffic = useTrafficStore();
  await traffic.start();
  await traffic.applyFilter('type == 5');
  await traffic.setSource('run.kucap');
  expect(fake.calls.filter((c) => c.call === 'setFilter').map((c) => c.input)).toEqual([
    { expression: 'type == 5' },
    { source: 'run.kucap', expression: 'type == 5' },
  ]);
  expect([traffic.view, traffic.total, traffic.filterText]).toEqual(['f1', 4, 'type == 5']);
});

test('a capture closed elsewhere (another window) takes Traffic back to live', async () => {
  const traffic = useTrafficStore();
  await traffic.start();
  await traffic.setSource('run.kucap');
  fake.emit('captureSources', []);
  await Promise.resolve();
  expect(traffic.source).toBe('live');
});

test('the damage notice names the capture, the reason with its offset and the messages shown around it', () => {
  const damaged = source({
    done: true,
    total: 180,
    damage: [
      {
        offset: 123_456,
        message: 'damaged block at offset 123456 (checksum mismatch); skipped 361 bytes to the next block at 123817',
        messagesBefore: 100,
      },
    ],
  });
  expect(damageNotice(damaged, damaged.damage[0]!)).toBe(
    'capture run.kucap is damaged: damaged block at offset 123456 (checksum mismatch); skipped 361 bytes to the next block at 123817; showing the 100 messages before it and the 80 messages after it',
  );
  const cut = source({
    done: true,
    total: 1,
    damage: [{ offset: 99, message: 'the file ends inside the block at offset 99', messagesBefore: 1 }],
  });
  expect(damageNotice(cut, cut.damage[0]!)).toBe(
    'capture run.kucap is damaged: the file ends inside the block at offset 99; showing the 1 message before it',
  );
});

test('the recording status follows the backend; a stop refreshes the list', async () => {
  const captures = useCapturesStore();
  await captures.start();
  fake.emit('capture', { recording: true, name: 'a.kucap', targets: [], messages: 12, bytes: 900, lost: [] });
  expect(captures.status).toMatchObject({ recording: true, messages: 12 });
  const listed = fake.calls.filter((c) => c.call === 'listCaptures').length;
  fake.emit('capture', { recording: false, name: 'a.kucap', targets: [], messages: 14, bytes: 1000, lost: [] });
  expect(captures.status.recording).toBe(false);
  expect(fake.calls.filter((c) => c.call === 'listCaptures').length).toBe(listed + 1);
});
