// The analysis of what Traffic shows (its source, through its filter): the
// marks on the rows in view (reply pairs, malformed and suspicious
// messages), the open analysis panel (latency, expert info, statistics, field
// plot) and its figures, refreshed as traffic arrives, the reply timeout, and
// going to a row of the view by its number.
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import type { ExpertInfo, LatencySummary, RowMarks, TrafficStatistics } from '../../../electron/shared/studio-api.ts';
import { usePersisted } from '../lib/persisted.ts';
import { useConnectionStore } from './connection.ts';
import { useNoticesStore } from './notices.ts';
import { LIVE, useTrafficStore } from './traffic.ts';

export type AnalysisPanel = '' | 'latency' | 'expert' | 'statistics' | 'plot';

/** How often the open panel and the marks in view follow arriving traffic. */
export const REFRESH_MS = 1000;
const CHECK_AGAIN_MS = 200;

export const useTrafficAnalysisStore = defineStore('traffic-analysis', () => {
  const conn = useConnectionStore();
  const notices = useNoticesStore();
  const traffic = useTrafficStore();

  const panel = usePersisted<AnalysisPanel>('traffic.analysisPanel', '');
  const replyTimeoutMs = usePersisted('traffic.replyTimeoutMs', 1000);
  const latency = shallowRef<LatencySummary>();
  const expert = shallowRef<ExpertInfo>();
  const statistics = shallowRef<TrafficStatistics>();
  /** Marks of the rows in view, by store row. */
  const marks = shallowRef(new Map<number, RowMarks>());
  /** Bumped for each go-to: the table brings `reveal.index` into view and selects it. */
  const reveal = ref<{ index: number; row: number; seq: number }>();

  const from = (): { source?: string } => (traffic.source === LIVE ? {} : { source: traffic.source });

  /** Store rows the table shows: their marks are fetched (and kept fresh while live). */
  let shownRows: number[] = [];
  let marksInFlight = false;
  let marksAgain = false;
  async function fetchMarks(): Promise<void> {
    if (marksInFlight) {
      marksAgain = true;
      return;
    }
    marksInFlight = true;
    try {
      const asked = traffic.source;
      const list = shownRows.length ? await conn.api().rowMarks({ ...from(), rows: shownRows }) : [];
      if (asked === traffic.source) marks.value = new Map(list.map((m) => [m.row, m]));
    } catch (err) {
      notices.report('Marking replies and malformed messages', err);
    } finally {
      marksInFlight = false;
    }
    if (marksAgain) {
      marksAgain = false;
      await fetchMarks();
    }
  }

  /** The table shows these store rows now. */
  function showing(rows: number[]): void {
    if (rows.length === shownRows.length && rows.every((r, i) => r === shownRows[i])) return;
    shownRows = rows;
    void fetchMarks();
  }

  const fetchers: Record<Exclude<AnalysisPanel, '' | 'plot'>, () => Promise<void>> = {
    latency: async () => {
      latency.value = await conn.api().latency({ ...from(), view: traffic.view });
    },
    expert: async () => {
      expert.value = await conn.api().expertInfo({ ...from(), view: traffic.view });
    },
    statistics: async () => {
      statistics.value = await conn.api().statistics({ ...from(), view: traffic.view });
    },
  };
  const titles = { latency: 'Measuring latency', expert: 'Gathering expert info', statistics: 'Counting statistics' };

  let refreshing = false;
  /** Fetches the open panel's figures (the plot fetches its own). */
  async function refresh(): Promise<void> {
    const p = panel.value;
    if (p === '' || p === 'plot' || refreshing) return;
    refreshing = true;
    try {
      await fetchers[p]();
      notices.settle(titles[p]);
      // A capture's messages are checked a slice per call: ask again until all are.
      if (p === 'expert' && expert.value && expert.value.checked < expert.value.total)
        setTimeout(() => void refresh(), CHECK_AGAIN_MS);
    } catch (err) {
      notices.report(titles[p], err);
    } finally {
      refreshing = false;
    }
  }

  async function setReplyTimeout(ms: number): Promise<void> {
    try {
      await conn.api().replyTimeout({ ms });
      replyTimeoutMs.value = ms;
      notices.settle('Setting the reply timeout');
      await Promise.all([fetchMarks(), refresh()]);
    } catch (err) {
      notices.report('Setting the reply timeout', err);
    }
  }

  let seq = 0;
  /** Brings store row @row into view and selects it; says so when the filter hides it. */
  async function goToRow(row: number): Promise<void> {
    try {
      const { index } = await conn.api().locate({ ...from(), view: traffic.view, row });
      if (index === null) {
        notices.push('warning', `Message #${row} is not in the filtered view: clear the filter to go to it.`);
        return;
      }
      reveal.value = { index, row, seq: ++seq };
    } catch (err) {
      notices.report(`Going to message #${row}`, err);
    }
  }

  /** Follows the view: refreshes the panel and marks when it changes, and as traffic arrives (at most once a REFRESH_MS). */
  function start(): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pending = false;
    const soon = (): void => {
      pending = true;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (!pending) return;
        pending = false;
        void refresh();
        void fetchMarks();
      }, REFRESH_MS);
    };
    const stops = [
      watch(() => traffic.total, soon),
      watch(
        () => [traffic.source, traffic.view, panel.value],
        () => {
          void refresh();
          void fetchMarks();
        },
      ),
      // Unanswered requests become so with time alone: the live view's marks follow the clock.
      ((): (() => void) => {
        const tick = setInterval(() => {
          if (traffic.source === LIVE && !traffic.paused) void fetchMarks();
        }, REFRESH_MS);
        return () => clearInterval(tick);
      })(),
    ];
    void conn
      .api()
      .replyTimeout({ ms: replyTimeoutMs.value })
      .then(refresh, (err: unknown) => notices.report('Setting the reply timeout', err));
    return () => {
      clearTimeout(timer);
      stops.forEach((s) => s());
    };
  }

  return {
    panel,
    replyTimeoutMs,
    latency,
    expert,
    statistics,
    marks,
    reveal,
    showing,
    refresh,
    setReplyTimeout,
    goToRow,
    start,
  };
});
