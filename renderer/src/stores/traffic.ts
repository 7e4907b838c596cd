// The traffic the backend stores, as the table sees it: one source (the live
// store, or a capture opened into Traffic), one view of it (all rows
// or a filter's), its length as the backend's batched `traffic` events (or,
// for a capture, its `captureSources` progress) say,
// the rows the table fetched (RowCache), pause/resume, the selected row's
// detail and the messages-per-second series.
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import type { FilterErrorData, RatePoint, TrafficDetail } from '../../../electron/shared/studio-api.ts';
import { RowCache } from '../lib/row-cache.ts';
import { usePersisted } from '../lib/persisted.ts';
import { useConnectionStore } from './connection.ts';
import { useNoticesStore } from './notices.ts';

/** Seconds of history the rate graph shows. */
export const RATE_SECONDS = 120;
const ALL = 'all';
/** The view of a refused filter: nothing (the backend has no view by this name, so no event grows it). */
const REFUSED = 'refused';
export const LIVE = 'live';

export const useTrafficStore = defineStore('traffic', () => {
  const conn = useConnectionStore();
  const notices = useNoticesStore();

  /** 'live' or the name of a capture opened into Traffic. */
  const source = ref(LIVE);
  const view = ref(ALL);
  const total = ref(0);
  /** Every stored row, whatever the filter. */
  const stored = ref(0);
  const paused = ref(false);
  /** The applied filter, kept across restarts (applied again at start). */
  const filterText = usePersisted('traffic.filter', '');
  const filterError = ref<FilterErrorData>();
  const filterMs = ref<number>();
  /** An expression put in the filter box without applying it ("prepare as filter"); n tells one from the next. */
  const filterDraft = ref<{ text: string; n: number }>({ text: '', n: 0 });
  const filtering = ref(false);
  /** Bumped whenever fetched rows change: the table redraws. */
  const rowsVersion = ref(0);
  const selectedRow = ref<number>();
  const detail = shallowRef<TrafficDetail>();
  const selectedPath = ref<string>();
  const rates = shallowRef<RatePoint[]>([]);

  /** The `source` input of Traffic's calls: left out for the live store (as before there were sources). */
  const from = (): { source?: string } => (source.value === LIVE ? {} : { source: source.value });
  const cache = markRaw(
    new RowCache((start, count) => conn.api().window({ ...from(), view: view.value, start, count })),
  );
  cache.onChange = () => rowsVersion.value++;
  cache.onError = (err) => notices.report('Fetching traffic rows', err);

  function setTotal(n: number): void {
    total.value = n;
    cache.setTotal(n);
  }

  function addRate(p: RatePoint): void {
    const kept = rates.value.filter((x) => x.t !== p.t && x.t > p.t - RATE_SECONDS * 1000);
    rates.value = [...kept, p].sort((a, b) => a.t - b.t);
  }

  async function start(): Promise<() => void> {
    const api = conn.api();
    const viewGrew = (n: number | undefined): void => {
      if (n === undefined) return;
      if (n < total.value) cache.reset(n);
      setTotal(n);
    };
    const offTraffic = api.on('traffic', (t) => {
      stored.value = t.total;
      paused.value = t.paused;
      if (source.value === LIVE) viewGrew(t.views[view.value]);
    });
    const offSources = api.on('captureSources', (list) => {
      if (source.value === LIVE) return;
      const open = list.find((s) => s.source === source.value);
      if (open) viewGrew(open.views[view.value]);
      else void setSource(LIVE);
    });
    const offRate = api.on('rate', addRate);
    try {
      const [w, r] = await Promise.all([
        api.window({ view: view.value, start: 0, count: 0 }),
        api.rate({ seconds: RATE_SECONDS }),
      ]);
      setTotal(w.total);
      rates.value = r;
      if (filterText.value) await applyFilter(filterText.value);
    } catch (err) {
      notices.report('Loading traffic', err);
    }
    return () => {
      offTraffic();
      offSources();
      offRate();
    };
  }

  /**
   * Filters by @expression (empty: everything); a bad one shows where it is wrong and clears the view,
   * so the old result is not taken for the new filter's.
   */
  async function applyFilter(expression: string): Promise<void> {
    filtering.value = true;
    try {
      const r = await conn.api().setFilter({ ...from(), expression });
      // The applied filter: set only once the backend took it, with the view it made.
      filterText.value = expression;
      filterError.value = undefined;
      notices.settle('Filtering');
      filterMs.value = r.ms;
      view.value = r.view;
      cache.reset(r.total);
      total.value = r.total;
    } catch (err) {
      const e = err as { filter?: FilterErrorData; message: string };
      if (!e.filter) return notices.report('Filtering', err);
      filterError.value = e.filter;
      filterText.value = expression;
      filterMs.value = undefined;
      view.value = REFUSED;
      cache.reset(0);
      total.value = 0;
    } finally {
      filtering.value = false;
    }
  }

  /** Puts @expression in the filter box, not applied: the person edits or applies it. */
  function prepareFilter(expression: string): void {
    filterDraft.value = { text: expression, n: filterDraft.value.n + 1 };
  }

  async function setPaused(on: boolean): Promise<void> {
    try {
      if (on) await conn.api().pause({});
      else await conn.api().resume({});
      paused.value = on;
    } catch (err) {
      notices.report(on ? 'Pausing' : 'Resuming', err);
    }
  }

  async function clear(): Promise<void> {
    try {
      await conn.api().clear({});
      cache.reset(0);
      total.value = 0;
      selectedRow.value = undefined;
      detail.value = undefined;
    } catch (err) {
      notices.report('Clearing the traffic', err);
    }
  }

  /** Selects a stored row (TrafficRow.row) and fetches its detail. */
  async function select(row: number): Promise<void> {
    selectedRow.value = row;
    try {
      const asked = source.value;
      const d = await conn.api().detail({ ...from(), row });
      if (selectedRow.value !== row || source.value !== asked) return;
      detail.value = d;
      selectedPath.value = firstLeaf(d);
    } catch (err) {
      notices.report(`Reading row ${row}`, err);
    }
  }

  /** Shows @name ('live' or an opened capture), filtered as the current source was; nothing selected. */
  async function setSource(name: string): Promise<void> {
    const expression = filterText.value;
    source.value = name;
    view.value = ALL;
    filterText.value = '';
    filterError.value = undefined;
    filterMs.value = undefined;
    selectedRow.value = undefined;
    detail.value = undefined;
    cache.reset(0);
    total.value = 0;
    try {
      const w = await conn.api().window({ ...from(), view: ALL, start: 0, count: 0 });
      if (source.value === name) setTotal(w.total);
    } catch (err) {
      notices.report(`Showing ${name === LIVE ? 'the live traffic' : name}`, err);
      return;
    }
    if (expression) await applyFilter(expression);
  }

  return {
    source,
    setSource,
    view,
    total,
    stored,
    paused,
    filterText,
    filterError,
    filterMs,
    filterDraft,
    prepareFilter,
    filtering,
    rowsVersion,
    selectedRow,
    detail,
    selectedPath,
    rates,
    cache,
    start,
    applyFilter,
    setPaused,
    clear,
    select,
    addRate,
  };
});

/** The first data field of a decoded message, else its data: selected by default. */
function firstLeaf(d: TrafficDetail): string {
  const data = d.decoded?.tree.find((n) => n.path === 'data');
  let n = data?.children?.[0];
  while (n?.children?.length) n = n.children[0];
  return n?.path ?? 'data';
}
