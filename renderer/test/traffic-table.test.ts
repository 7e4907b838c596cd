// The Traffic table over views that the API double serves: whenever its
// rows are forgotten (another filter, the same filter again, another
// source), the rows in view are fetched again and drawn, even when the new
// view is exactly as long as the old one and nothing scrolled.
import { mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import type { TrafficRow } from '../../electron/shared/studio-api.ts';
import TrafficTable from '../src/components/TrafficTable.vue';
import { useCapturesStore } from '../src/stores/captures.ts';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useTrafficStore } from '../src/stores/traffic.ts';
import { fakeApi } from './fake-api.ts';
import { giveListsHeight } from './list-viewport.ts';

/** A bound for the fake API's answers to be drawn; generous for a loaded machine, never a timing assertion. */
const DRAWN = { timeout: 20_000 };
/** Every view has this many rows: a filter that changes which rows, not how many. */
const ROWS = 50;

function row(view: string, i: number): TrafficRow {
  return {
    row: i,
    timestampNs: '0',
    direction: 'rx',
    target: `${view}-target`,
    type: '1',
    id: String(i),
    userValue: '0',
    length: 0,
    summary: '',
  };
}

let w: VueWrapper | undefined;
let restoreHeight: () => void;

beforeEach(async () => {
  restoreHeight = giveListsHeight(440);
  setActivePinia(createPinia());
  let filters = 0;
  const fake = fakeApi({
    window: (i: { view: string; start: number; count: number }) => ({
      view: i.view,
      total: ROWS,
      start: i.start,
      rows: Array.from({ length: Math.max(0, Math.min(i.count, ROWS - i.start)) }, (_, k) => row(i.view, i.start + k)),
    }),
    rate: () => [],
    setFilter: () => ({ view: `v${++filters}`, total: ROWS, ms: 1 }),
  });
  await useConnectionStore().attach(fake.api);
  await useTrafficStore().start();
  w = mount(TrafficTable, { props: { active: true }, attachTo: document.body });
  await vi.waitFor(() => expect(shown().length).toBeGreaterThan(0), DRAWN);
});

afterEach(() => {
  w?.unmount();
  restoreHeight();
});

/** The targets of the drawn rows: which view they came from, or 'waiting' for a row not fetched. */
const shown = (): string[] =>
  w!
    .findAll('[data-test=row]')
    .map((r) => (r.attributes('data-row') === undefined ? 'waiting' : r.find('.ellipsis').text()));

test('a filter whose view is as long as the last one shows its own rows, and so does the same filter applied again', async () => {
  expect(shown().length).toBeGreaterThan(0);
  expect(new Set(shown())).toEqual(new Set(['all-target']));
  const traffic = useTrafficStore();
  // Each filter's rows once they are drawn, however long the fetches take.
  await traffic.applyFilter('type == 1');
  await vi.waitFor(() => expect(new Set(shown())).toEqual(new Set(['v1-target'])), DRAWN);
  await traffic.applyFilter('type == 1');
  await vi.waitFor(() => expect(new Set(shown())).toEqual(new Set(['v2-target'])), DRAWN);
});

test("an empty view of a capture still being indexed says it is being read, not the live view's 'No traffic yet'", async () => {
  const traffic = useTrafficStore();
  const captures = useCapturesStore();
  traffic.source = 'big.kucap';
  traffic.total = 0;
  captures.sources = [
    {
      source: 'big.kucap',
      format: 'kucap',
      total: 0,
      done: false,
      bytesIndexed: 250,
      size: 1000,
      targets: [],
      damage: [],
      views: {},
    },
  ];
  await vi.waitFor(
    () => expect(w!.find('[data-test=traffic-empty]').text()).toBe('Reading big.kucap… (25% indexed)'),
    DRAWN,
  );
  captures.sources = [{ ...captures.sources[0]!, done: true, bytesIndexed: 1000 }];
  await vi.waitFor(
    () => expect(w!.find('[data-test=traffic-empty]').text()).toBe('big.kucap holds no messages.'),
    DRAWN,
  );
});
