// The replay diff's pair list over a long replay (20 000 pairs from the API
// double): only the rows in view are drawn and only the blocks around them
// asked for, wherever the list is scrolled; the first-difference jump reaches
// a pair far past the first 500 and opens it; Up/Down/Home/End move the opened
// pair and keep it in view; slow scrolling never meets a row still waiting;
// an answer for a view left meanwhile never fills the new one; a saved report
// opens into the same list.
import type { VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, expect, test } from 'vitest';
import { nextTick } from 'vue';
import type {
  ReplayPairDetail,
  ReplayPairJson,
  ReplayProgress,
  ReplayReport,
} from '../../electron/shared/api/replay-api.ts';
import { useReplayStore } from '../src/stores/replay.ts';
import { fakeApi } from './fake-api.ts';
import { diffViewMount, flush } from './mounted-diff-view.ts';

const PAIRS = 20_000;
const ROW = 24;
const VIEWPORT = 480;
/** Rows a 480 px list shows at once. */
const IN_VIEW = VIEWPORT / ROW;

function pair(i: number, differs: (i: number) => boolean): ReplayPairJson {
  return differs(i)
    ? {
        index: i,
        status: 'different',
        reply: i + 1,
        kind: 'any',
        summary: `data.n: ${i} → ${i + 1}`,
        diffs: [{ path: 'data.n', captured: String(i), replayed: String(i + 1) }],
      }
    : { index: i, status: 'same', reply: i + 1, kind: 'any', summary: `data.n=${i}`, diffs: [] };
}

function detail(p: ReplayPairJson): ReplayPairDetail {
  const replayed = p.status === 'different' ? String(p.index + 1) : String(p.index);
  return {
    pair: p,
    fields: [
      { path: 'data.n', captured: String(p.index), replayed, status: p.status === 'different' ? 'different' : 'same' },
    ],
  };
}

const progress: ReplayProgress = {
  replay: 'replay-1',
  capture: 'long.kucap',
  target: 'demo:echo',
  from: 'demo:echo',
  sent: PAIRS,
  total: PAIRS,
  same: PAIRS - 1,
  different: 1,
  missing: 0,
  unexpected: 0,
  state: 'done',
  problems: [],
};

const mountDiff = diffViewMount(VIEWPORT);
let fake: ReturnType<typeof fakeApi>;
/** While set, answers to pair windows (not to the view's length) wait here until released. */
let held: Array<() => void> | undefined;
/** What readReport answers. */
let savedReport: ReplayReport | undefined;

/** A diff of PAIRS pairs, those for which @differs is true not the same, shown in a 480 px list. */
async function open(differs: (i: number) => boolean): Promise<VueWrapper> {
  setActivePinia(createPinia());
  const all = Array.from({ length: PAIRS }, (_, i) => pair(i, differs));
  const differences = all.filter((p) => p.status !== 'same');
  fake = fakeApi({
    listCaptures: () => [],
    listReports: () => [],
    listReplays: () => [progress],
    replayResults: (i: { replay: string; start: number; count: number; only?: 'differences' }) => {
      const view = i.only ? differences : all;
      const first = view.findIndex((x) => x.status !== 'same');
      // Each replay's pairs name it, so that a row shows whose it is.
      const pairs = view.slice(i.start, i.start + i.count).map((x) => ({ ...x, summary: `${i.replay} ${x.summary}` }));
      const answer = {
        replay: i.replay,
        total: view.length,
        start: i.start,
        pairs,
        ...(first >= 0 ? { firstDifference: first } : {}),
      };
      if (!held || i.count === 0) return answer;
      const wait = held;
      return new Promise((resolve) => wait.push(() => resolve(answer)));
    },
    replayPair: (i: { index: number }) => detail(all[i.index]!),
    readReport: () => savedReport,
    startReplay: () => ({ replay: 'replay-2' }),
  });
  return mountDiff(fake.api);
}

beforeEach(() => {
  held = undefined;
});

/** Positions of the rows drawn. */
const drawn = (v: VueWrapper): number[] => v.findAll('[data-test=pair]').map((p) => Number(p.attributes('data-at')));
/** Rows drawn that still wait for their pair. */
const waiting = (v: VueWrapper): number[] =>
  v.findAll('[data-test=pair]:not([data-index])').map((p) => Number(p.attributes('data-at')));
const rowText = (v: VueWrapper, at: number): string => v.find(`[data-test=pair][data-at="${at}"]`).text();
/** The pair windows asked of the backend, [start, count] (the view's length alone is asked with count 0). */
const windows = (): Array<[number, number]> =>
  fake.calls
    .filter((c) => c.call === 'replayResults')
    .map((c) => c.input as { start: number; count: number })
    .filter((i) => i.count > 0)
    .map((i) => [i.start, i.count]);

async function scrollTo(v: VueWrapper, px: number): Promise<void> {
  const scroller = v.find('[data-test=pair-scroller]');
  (scroller.element as HTMLElement).scrollTop = px;
  await scroller.trigger('scroll');
  await nextTick();
}

async function key(v: VueWrapper, name: string): Promise<void> {
  await v.find('[data-test=pair-list]').trigger('keydown', { key: name });
  await flush();
}

test('a diff of 20 000 pairs draws only the rows in view, and fetches the window around them wherever it is scrolled', async () => {
  const v = await open((i) => i === 15_321);
  const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
  expect(drawn(v)).toEqual(range(0, IN_VIEW));
  expect(rowText(v, 0)).toContain('data.n=0');
  expect(windows()).toEqual([[0, 200]]);
  expect(v.find('[data-test=pair-count]').text()).toBe('20,000 pairs');

  await scrollTo(v, 10_000 * ROW);
  // From row 10 000 on: a screenful, and at most the one more a fraction of a pixel brings in.
  expect(drawn(v).slice(0, IN_VIEW)).toEqual(range(10_000, IN_VIEW));
  expect(drawn(v).length).toBeLessThanOrEqual(IN_VIEW + 1);
  await flush();
  // The block under the view and the one before it (the rows to spare above the view reach into it).
  expect(windows()).toEqual([
    [0, 200],
    [9800, 200],
    [10_000, 200],
  ]);
  expect(waiting(v)).toEqual([]);
  expect(rowText(v, 10_000)).toContain('data.n=10000');
  expect(rowText(v, 10_019)).toContain('data.n=10019');

  // Half a row further: 21 rows are partly in view, still only those are drawn.
  await scrollTo(v, 10_000 * ROW + ROW / 2);
  expect(drawn(v)).toEqual(range(10_000, IN_VIEW + 1));
  await flush();
  expect(windows()).toHaveLength(3);
});

test('"First difference" scrolls to a pair far down the list (past the first 500), selects and opens it; asked again, it scrolls back to it', async () => {
  const v = await open((i) => i === 15_321);
  await v.find('[data-test=first-difference]').trigger('click');
  await flush();
  expect(drawn(v)).toContain(15_321);
  // Brought just into view: the last row drawn.
  expect(drawn(v).at(-1)).toBe(15_321);
  expect(v.find('[data-test=pair].selected').attributes('data-at')).toBe('15321');
  expect(v.find('[data-test=pair].selected').attributes('aria-selected')).toBe('true');
  expect(v.find('[data-test=pair-detail]').attributes('data-index')).toBe('15321');
  expect(v.find('[data-test=field-row].different [data-test=replayed]').text()).toBe('15322');
  expect(v.find('[data-test=pair-count]').text()).toBe('15,322 of 20,000 pairs');

  await scrollTo(v, 0);
  await flush();
  expect(drawn(v)).not.toContain(15_321);
  window.dispatchEvent(new KeyboardEvent('keydown', { key: 'f', code: 'KeyF' }));
  await flush();
  expect(drawn(v).at(-1)).toBe(15_321);
  expect(v.find('[data-test=pair].selected').attributes('data-at')).toBe('15321');
});

test('Up and Down move the opened pair and keep it in view; Home and End go to the first and last pair', async () => {
  const v = await open((i) => i === 15_321);
  // Nothing opened yet: Down opens the first row in view.
  await scrollTo(v, 300 * ROW);
  await flush();
  await key(v, 'ArrowDown');
  expect(v.find('[data-test=pair-detail]').attributes('data-index')).toBe('300');
  await key(v, 'ArrowDown');
  expect(v.find('[data-test=pair-detail]').attributes('data-index')).toBe('301');

  await v.find('[data-test=first-difference]').trigger('click');
  await flush();
  await key(v, 'ArrowDown');
  expect(v.find('[data-test=pair-detail]').attributes('data-index')).toBe('15322');
  expect(drawn(v).at(-1)).toBe(15_322);
  await key(v, 'ArrowUp');
  await key(v, 'ArrowUp');
  expect(v.find('[data-test=pair].selected').attributes('data-at')).toBe('15320');
  expect(v.find('[data-test=pair-detail]').attributes('data-index')).toBe('15320');

  await key(v, 'End');
  expect(drawn(v).at(-1)).toBe(PAIRS - 1);
  expect(v.find('[data-test=pair].selected').attributes('data-at')).toBe(String(PAIRS - 1));
  expect(v.find('[data-test=pair-detail]').attributes('data-index')).toBe(String(PAIRS - 1));
  await key(v, 'Home');
  expect(drawn(v)[0]).toBe(0);
  expect(v.find('[data-test=pair-detail]').attributes('data-index')).toBe('0');
  await key(v, 'ArrowUp');
  expect(v.find('[data-test=pair-detail]').attributes('data-index')).toBe('0');
});

test('scrolling slowly past a block boundary never shows a row waiting for its pair', async () => {
  const v = await open(() => false);
  await scrollTo(v, 170 * ROW);
  await flush();
  expect(waiting(v)).toEqual([]);
  // From here on the backend answers nothing until released: whatever is drawn must already be there.
  held = [];
  for (let first = 171; first <= 215; first++) {
    await scrollTo(v, first * ROW);
    expect(drawn(v)[0]).toBe(first);
    expect(waiting(v), `rows waiting with row ${first} at the top`).toEqual([]);
    await flush();
  }
  expect(rowText(v, 234)).toContain('data.n=234');
});

test('answers for a view left meanwhile never fill the new one: "Only differences" switched on while rows were on their way', async () => {
  const v = await open((i) => i % 2 === 1);
  held = [];
  await scrollTo(v, 5000 * ROW);
  await flush();
  const oldView = held;
  expect(oldView.length).toBeGreaterThan(0);
  held = undefined;
  await v.find('[data-test=only-differences]').setValue(true);
  await flush();
  // The whole view's answers come only now, after the differences view has its own rows.
  oldView.forEach((release) => release());
  await flush();
  expect(drawn(v)[0]).toBe(0);
  expect(
    v
      .findAll('[data-test=pair]')
      .slice(0, 3)
      .map((p) => p.attributes('data-index')),
  ).toEqual(['1', '3', '5']);
  expect(v.find('[data-test=pair-count]').text()).toBe('10,000 differences');

  // Where the old view's rows were asked for, the differences view shows its own.
  await scrollTo(v, 5000 * ROW);
  await flush();
  expect(v.find('[data-test=pair][data-at="5000"]').attributes('data-index')).toBe('10001');
  expect(v.find('[data-test=pair][data-at="5000"]').attributes('data-status')).toBe('different');
});

test('a saved report opens into the same list: every one of its 1 200 pairs reachable, the first difference one click away', async () => {
  const v = await open(() => false);
  const pairs = Array.from({ length: 1200 }, (_, i) => detail(pair(i * 3, () => true)));
  savedReport = {
    format: 'kucomms-replay-report',
    version: 1,
    savedAt: '2024-05-01T10:00:00.000Z',
    options: {
      capture: 'long.kucap',
      direction: 'tx',
      target: 'demo:echo',
      speed: { kind: 'max' },
      volatile: [],
      waitMs: 1000,
    },
    summary: { ...progress, same: PAIRS - 1200, different: 1200 },
    pairs,
    omitted: 0,
  };
  const callsBefore = fake.calls.length;
  await useReplayStore().openReport('long-report.json');
  await flush();
  expect(drawn(v)).toHaveLength(IN_VIEW);
  expect(v.find('[data-test=pair-count]').text()).toBe('1,200 differences');
  await v.find('[data-test=first-difference]').trigger('click');
  await flush();
  expect(v.find('[data-test=pair-detail]').attributes('data-index')).toBe('0');
  await key(v, 'End');
  expect(drawn(v).at(-1)).toBe(1199);
  expect(v.find('[data-test=pair-detail]').attributes('data-index')).toBe(String(1199 * 3));
  // The report holds its pairs: nothing more was asked of the backend.
  expect(fake.calls.slice(callsBefore).map((c) => c.call)).toEqual(['readReport']);

  // A replay started after it lists every pair again: the report left the filter as it was.
  const r = useReplayStore();
  r.capture = 'long.kucap';
  r.target = 'demo:echo';
  await r.startReplay();
  await flush();
  expect(v.find<HTMLInputElement>('[data-test=only-differences]').element.checked).toBe(false);
  expect(v.find('[data-test=pair-count]').text()).toBe(`${PAIRS.toLocaleString('en-US')} pairs`);
});

test('another replay of the same length, started with the list at its top, shows its own pairs there', async () => {
  const v = await open(() => false);
  expect(rowText(v, 0)).toContain('replay-1 data.n=0');
  const r = useReplayStore();
  r.capture = 'long.kucap';
  r.target = 'demo:echo';
  await r.startReplay();
  await flush();
  expect(drawn(v)[0]).toBe(0);
  expect(waiting(v)).toEqual([]);
  expect(rowText(v, 0)).toContain('replay-2 data.n=0');
  expect(rowText(v, IN_VIEW - 1)).toContain(`replay-2 data.n=${IN_VIEW - 1}`);
});
