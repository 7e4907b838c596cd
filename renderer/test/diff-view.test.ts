// The replay diff view: pairs listed with their status, the opened pair field
// by field with exactly the differing fields (and their bytes) marked, the
// first-difference jump (button and F key) opening the right pair, missing
// and unexpected replies shown as such, and an empty diff said plainly.
import type { VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { expect, test } from 'vitest';
import type {
  FieldRowJson,
  ReplayPairDetail,
  ReplayPairJson,
  ReplayProgress,
} from '../../electron/shared/api/replay-api.ts';
import { bytesToBase64 } from '../../electron/shared/message.ts';
import { fakeApi } from './fake-api.ts';
import { diffViewMount, flush } from './mounted-diff-view.ts';

const progress = (counts: Partial<ReplayProgress>): ReplayProgress => ({
  replay: 'replay-1',
  capture: 'echo.kucap',
  target: 'shm:stamp',
  from: 'demo:echo',
  sent: 5,
  total: 5,
  same: 0,
  different: 0,
  missing: 0,
  unexpected: 0,
  state: 'done',
  problems: [],
  ...counts,
});

/** A 32-byte header (user_value @uv) and three data bytes, base64. */
function message(uv: number): ReplayPairDetail['captured'] {
  const b = new Uint8Array(35);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, 3n, true);
  v.setBigUint64(8, 7n, true);
  v.setBigUint64(24, BigInt(uv), true);
  b.set([1, 2, 3], 32);
  return { type: '7', id: '0', userValue: String(uv), length: '3', timestampNs: '0', bytes: bytesToBase64(b) };
}

const PAIRS: ReplayPairJson[] = [
  { index: 0, status: 'same', reply: 1, kind: 'any', summary: 'data=010203', diffs: [] },
  { index: 1, status: 'same', reply: 2, kind: 'any', summary: 'data=010203', diffs: [] },
  {
    index: 2,
    status: 'different',
    reply: 3,
    kind: 'any',
    summary: 'header.user_value: 0 → 7',
    diffs: [{ path: 'header.user_value', captured: '0', replayed: '7' }],
  },
  { index: 3, status: 'missing', reply: 4, kind: 'any', summary: 'no reply came for: data=010203', diffs: [] },
  {
    index: 4,
    status: 'unexpected',
    reply: 1,
    kind: 'any',
    summary: 'no captured reply is like: data=010203',
    diffs: [],
  },
];

const at = (offset: number, size: number) => ({ offset, size });
function fields(pair: ReplayPairJson): FieldRowJson[] {
  const both = (
    path: string,
    captured: string,
    replayed: string,
    span: { offset: number; size: number },
    status: FieldRowJson['status'] = 'same',
  ): FieldRowJson => ({ path, captured, replayed, capturedAt: span, replayedAt: span, status });
  if (pair.status === 'missing')
    return [
      { path: 'header.user_value', captured: '0', capturedAt: at(24, 8), status: 'different' },
      { path: 'data.data', captured: '010203', capturedAt: at(32, 3), status: 'different' },
    ];
  if (pair.status === 'unexpected')
    return [{ path: 'header.user_value', replayed: '9', replayedAt: at(24, 8), status: 'different' }];
  return [
    both('header.type', '7', '7', at(8, 8)),
    both('header.id', '0', '0', at(16, 8), pair.status === 'different' ? 'ignored' : 'same'),
    both(
      'header.user_value',
      '0',
      pair.status === 'different' ? '7' : '0',
      at(24, 8),
      pair.status === 'different' ? 'different' : 'same',
    ),
    both('data.data', '010203', '010203', at(32, 3)),
  ];
}

function detail(index: number): ReplayPairDetail {
  const pair = PAIRS[index]!;
  return {
    pair,
    fields: fields(pair),
    ...(pair.status !== 'unexpected' ? { captured: message(0) } : {}),
    ...(pair.status === 'same'
      ? { replayed: message(0) }
      : pair.status === 'different'
        ? { replayed: message(7) }
        : pair.status === 'unexpected'
          ? { replayed: message(9) }
          : {}),
  };
}

let fake: ReturnType<typeof fakeApi>;
// Room for every pair of these short diffs.
const mountDiff = diffViewMount(600);

async function open(p: ReplayProgress, pairs: ReplayPairJson[]): Promise<VueWrapper> {
  setActivePinia(createPinia());
  fake = fakeApi({
    listCaptures: () => [],
    listReports: () => [],
    listReplays: () => [p],
    replayResults: (i: { start: number; count: number; only?: 'differences' }) => {
      const view = i.only ? pairs.filter((x) => x.status !== 'same') : pairs;
      const first = view.findIndex((x) => x.status !== 'same');
      return {
        replay: p.replay,
        total: view.length,
        start: i.start,
        pairs: view.slice(i.start, i.start + i.count),
        ...(first >= 0 ? { firstDifference: first } : {}),
      };
    },
    replayPair: (i: { index: number }) => detail(i.index),
  });
  return mountDiff(fake.api);
}

const statuses = (v: VueWrapper) =>
  v.findAll('[data-test=pair]').map((p) => `${p.attributes('data-index')}:${p.attributes('data-status')}`);
const differingPaths = (v: VueWrapper) =>
  v.findAll('[data-test=field-row].different').map((r) => r.attributes('data-path'));
const markedBytes = (v: VueWrapper, side: string) =>
  v.findAll(`[data-side=${side}] .hex .mark`).map((c) => Number(c.attributes('data-at')));

test('the opened pair shows every field, and marks exactly the differing one and its bytes', async () => {
  const v = await open(progress({ same: 2, different: 1, missing: 1, unexpected: 1 }), PAIRS);
  expect(statuses(v)).toEqual(['0:same', '1:same', '2:different', '3:missing', '4:unexpected']);
  expect(v.findAll('[data-test=diff-counts] span').map((s) => s.text())).toEqual([
    '2 same',
    '1 different',
    '1 missing',
    '1 unexpected',
  ]);
  await v.find('[data-test=pair][data-index="2"]').trigger('click');
  await flush();
  const rows = v.findAll('[data-test=field-row]');
  expect(rows.map((r) => r.attributes('data-path'))).toEqual([
    'header.type',
    'header.id',
    'header.user_value',
    'data.data',
  ]);
  expect(differingPaths(v)).toEqual(['header.user_value']);
  const diff = v.find('[data-test=field-row][data-path="header.user_value"]');
  expect([diff.find('[data-test=captured]').text(), diff.find('[data-test=replayed]').text()]).toEqual(['0', '7']);
  // A volatile field that differs is shown as such, not as a difference.
  expect(v.find('[data-test=field-row][data-path="header.id"]').classes()).toEqual(expect.arrayContaining(['ignored']));
  expect(markedBytes(v, 'captured')).toEqual([24, 25, 26, 27, 28, 29, 30, 31]);
  expect(markedBytes(v, 'replayed')).toEqual([24, 25, 26, 27, 28, 29, 30, 31]);
  expect(v.find('[data-side=replayed] .hex [data-at="24"]').text()).toBe('07');

  await v.find('[data-test=pair][data-index="0"]').trigger('click');
  await flush();
  expect(differingPaths(v)).toEqual([]);
  expect(markedBytes(v, 'captured')).toEqual([]);
});

test('"First difference" (button, and the F key) opens the first pair that is not the same, in either view', async () => {
  const v = await open(progress({ same: 2, different: 1, missing: 1, unexpected: 1 }), PAIRS);
  expect(v.find('[data-test=pair-detail]').exists()).toBe(false);
  await v.find('[data-test=first-difference]').trigger('click');
  await flush();
  expect(v.find('[data-test=pair].selected').attributes('data-index')).toBe('2');
  expect(v.find('[data-test=pair-detail]').attributes('data-index')).toBe('2');
  expect(differingPaths(v)).toEqual(['header.user_value']);

  await v.find('[data-test=pair][data-index="0"]').trigger('click');
  await v.find('[data-test=only-differences]').setValue(true);
  await flush();
  expect(statuses(v)).toEqual(['2:different', '3:missing', '4:unexpected']);
  window.dispatchEvent(new KeyboardEvent('keydown', { key: 'f', code: 'KeyF' }));
  await flush();
  expect(v.find('[data-test=pair].selected').attributes('data-index')).toBe('2');
  expect(fake.calls.filter((c) => c.call === 'replayPair').map((c) => (c.input as { index: number }).index)).toEqual([
    2, 0, 2,
  ]);
});

test('a missing reply and an unexpected one are shown as such, with no field marked as differing', async () => {
  const v = await open(progress({ same: 2, different: 1, missing: 1, unexpected: 1 }), PAIRS);
  await v.find('[data-test=pair][data-index="3"]').trigger('click');
  await flush();
  expect(v.find('[data-test=pair-status]').text()).toBe('missing: no reply came back for this captured reply');
  expect(v.find('[data-test=field-row][data-path="data.data"] [data-test=replayed]').text()).toBe('—');
  expect(differingPaths(v)).toEqual([]);
  expect(v.find('[data-side=replayed]').exists()).toBe(false);
  expect(v.text()).toContain('(no reply came back)');

  await v.find('[data-test=pair][data-index="4"]').trigger('click');
  await flush();
  expect(v.find('[data-test=pair-status]').text()).toBe('unexpected: no captured reply is like this one');
  expect(v.find('[data-test=field-row][data-path="header.user_value"] [data-test=captured]').text()).toBe('—');
  expect(v.text()).toContain('(no captured reply)');
});

test('an empty diff says so plainly, and there is no difference to jump to', async () => {
  const same = Array.from({ length: 12 }, (_, i): ReplayPairJson => ({
    index: i,
    status: 'same',
    reply: i + 1,
    kind: 'any',
    summary: 'data=010203',
    diffs: [],
  }));
  const v = await open(progress({ sent: 12, total: 12, same: 12 }), same);
  expect(v.find('[data-test=diff-empty]').text()).toBe('All 12 replies matched.');
  expect(v.find('[data-test=first-difference]').attributes('disabled')).toBeDefined();
  expect(statuses(v)).toHaveLength(12);
});
