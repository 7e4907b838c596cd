// Replay: what to replay (a workspace capture, its captured target and
// direction), into which open target and how fast; the running replay's
// progress; then the diff of its replies: the view's length, its pairs as the
// list fetches them (RowCache, a window at a time), and one pair opened field
// by field. A saved report opens into the same diff.
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import type { CaptureFileView } from '../../../electron/shared/api/captures-api.ts';
import {
  startingProgress,
  type ReplayPairDetail,
  type ReplayPairJson,
  type ReplayProgress,
  type ReplayReport,
  type ReportFile,
} from '../../../electron/shared/api/replay-api.ts';
import { usePersisted } from '../lib/persisted.ts';
import { RowCache, type RowWindow } from '../lib/row-cache.ts';
import { useConnectionStore } from './connection.ts';
import { useNoticesStore } from './notices.ts';

export type SpeedChoice = 'original' | 'factor' | 'max';
/** Pairs fetched at a time: a few screens of the list. */
export const PAIR_BLOCK = 200;

/** The counts a diff shows: a live replay's progress or a saved report's summary. */
export type DiffSummary = Omit<ReplayProgress, 'replay'>;

/** Volatile field paths as typed: separated by commas, spaces or new lines. */
export function volatilePaths(text: string): string[] {
  return text.split(/[\s,]+/).filter((p) => p.length > 0);
}

/** The topic of a failed replay's notice: the next replay that starts settles it. */
const REPLAY_TOPIC = 'replay start';

export const useReplayStore = defineStore('replay', () => {
  const conn = useConnectionStore();
  const notices = useNoticesStore();

  // ---------------------------------------------------------- the setup
  const captures = ref<CaptureFileView[]>([]);
  const capture = usePersisted('replay.capture', '');
  /** The targets the chosen capture recorded. */
  const sources = ref<string[]>([]);
  const from = usePersisted('replay.from', '');
  const direction = usePersisted<'tx' | 'rx'>('replay.direction', 'tx');
  const target = usePersisted('replay.target', '');
  const speed = usePersisted<SpeedChoice>('replay.speed', 'max');
  const factor = usePersisted('replay.factor', 2);
  const volatileText = usePersisted('replay.volatile', '');
  /** '' = the target's own layout. */
  const protocol = usePersisted('replay.protocol', '');
  const reports = ref<ReportFile[]>([]);

  // ---------------------------------------------------------- the diff shown
  /** The live replay shown (its id), or none when a report is open. */
  const replay = ref<string>();
  const progress = ref<ReplayProgress>();
  /** The saved report shown instead of a live replay. */
  const report = shallowRef<ReplayReport>();
  const reportName = ref('');
  const onlyDifferences = ref(false);
  /** Pairs in the view (it only grows while the replay runs). */
  const total = ref(0);
  /** Position in the view of its first pair that is not the same. */
  const firstDifference = ref<number>();
  /** Bumped when another view replaces the shown one (another replay, a report, the filter): the list starts at its top. */
  const viewVersion = ref(0);
  /** The view whose length `total` is (the one before while a new view's is asked for). */
  let totalOfView = 0;
  /** Bumped whenever fetched pairs arrive: the list redraws. */
  const pairsVersion = ref(0);
  /** The opened pair (its `index`) and, when known, its position in the view. */
  const selected = ref<number>();
  const selectedAt = ref<number>();
  /** The position the list must bring into view (a new object per request, so asking twice scrolls twice). */
  const reveal = shallowRef<{ at: number }>();
  const detail = shallowRef<ReplayPairDetail>();

  const reportPairs = computed(() => report.value?.pairs.map((p) => p.pair) ?? []);
  /** The view's pairs start .. start+count-1: cut from the open report, or asked of the backend. */
  async function fetchPairs(start: number, count: number): Promise<RowWindow<ReplayPairJson>> {
    if (report.value) return { total: reportPairs.value.length, rows: reportPairs.value.slice(start, start + count) };
    if (!replay.value) return { total: 0, rows: [] };
    const page = await conn.api().replayResults({
      replay: replay.value,
      start,
      count,
      ...(onlyDifferences.value ? { only: 'differences' as const } : {}),
    });
    return { total: page.total, rows: page.pairs };
  }
  // Forgetting a view (reset) drops the answers still on their way for it.
  const cache = markRaw(new RowCache(fetchPairs, PAIR_BLOCK));
  cache.onChange = () => pairsVersion.value++;
  cache.onError = (err) => notices.report('Reading the replay results', err);

  /** The pair at @position of the view, once fetched (read while drawing: redraws as pairs arrive). */
  function pairAt(position: number): ReplayPairJson | undefined {
    void pairsVersion.value;
    return cache.get(position);
  }

  /** Whether the list holds differing pairs alone: by the filter, or because a saved report keeps nothing else. */
  const listsDifferencesOnly = computed(() => report.value !== undefined || onlyDifferences.value);
  const running = computed(() => progress.value?.state === 'running');
  const summary = computed<DiffSummary | undefined>(() => (report.value ? report.value.summary : progress.value));
  /** Replies that were compared (a reply pairs with a captured one, or is missing or unexpected). */
  const compared = computed(() =>
    summary.value ? summary.value.same + summary.value.different + summary.value.missing + summary.value.unexpected : 0,
  );
  const differing = computed(() =>
    summary.value ? summary.value.different + summary.value.missing + summary.value.unexpected : 0,
  );

  async function loadCaptures(): Promise<void> {
    try {
      captures.value = await conn.api().listCaptures({});
      if (capture.value && !captures.value.some((c) => c.name === capture.value)) capture.value = '';
      if (!capture.value && captures.value[0]) capture.value = captures.value[0].name;
      await loadSources();
    } catch (err) {
      notices.report('Listing captures', err);
    }
  }

  async function loadSources(): Promise<void> {
    sources.value = [];
    if (!capture.value) return;
    try {
      sources.value = (await conn.api().replaySources({ capture: capture.value })).targets;
      if (!sources.value.includes(from.value)) from.value = sources.value[0] ?? '';
    } catch (err) {
      notices.report(`Reading the targets of ${capture.value}`, err);
    }
  }

  async function loadReports(): Promise<void> {
    try {
      reports.value = await conn.api().listReports({});
    } catch (err) {
      notices.report('Listing replay reports', err);
    }
  }

  /** Lists captures and reports, and shows the latest replay of this session again (after a reload). */
  async function load(): Promise<void> {
    await Promise.all([loadCaptures(), loadReports()]);
    try {
      const latest = (await conn.api().listReplays({})).at(-1);
      if (latest && !replay.value) await show(latest);
    } catch (err) {
      notices.report('Listing replays', err);
    }
  }

  function subscribe(): () => void {
    const stops = [
      conn.api().on('replayProgress', (p) => {
        if (p.replay !== replay.value) return;
        progress.value = p;
        void refreshTotal();
      }),
      conn.api().on('workspaceChanged', (c) => {
        if (c.area === 'captures') void loadCaptures();
        if (c.area === 'reports') void loadReports();
      }),
    ];
    return () => stops.forEach((stop) => stop());
  }

  /**
   * Replaces the view shown: nothing fetched or selected in it yet, the list at its top. The old
   * length stays until the new one is known, so the list stays in place (drawing placeholders).
   */
  async function newView(): Promise<void> {
    viewVersion.value++;
    cache.reset(total.value);
    firstDifference.value = undefined;
    selectedAt.value = undefined;
    reveal.value = undefined;
    await refreshTotal();
  }

  async function show(p: ReplayProgress): Promise<void> {
    report.value = undefined;
    reportName.value = '';
    replay.value = p.replay;
    progress.value = p;
    selected.value = undefined;
    detail.value = undefined;
    await newView();
  }

  async function startReplay(): Promise<void> {
    const speedInput =
      speed.value === 'max'
        ? { kind: 'max' as const }
        : { kind: 'timed' as const, factor: speed.value === 'original' ? 1 : factor.value };
    try {
      const { replay: id } = await conn.api().startReplay({
        capture: capture.value,
        ...(from.value ? { from: from.value } : {}),
        direction: direction.value,
        target: target.value,
        speed: speedInput,
        volatile: volatilePaths(volatileText.value),
        ...(protocol.value ? { protocol: protocol.value } : {}),
      });
      notices.settle(REPLAY_TOPIC);
      await show(startingProgress({ replay: id, capture: capture.value, target: target.value }));
    } catch (err) {
      notices.report(
        `Replaying ${capture.value || '(no capture)'} into ${target.value || '(no target)'}`,
        err,
        REPLAY_TOPIC,
      );
      // The line about the replay before would read as this one's outcome: it goes with its diff.
      replay.value = undefined;
      progress.value = undefined;
      total.value = 0;
      await newView();
    }
  }

  async function stopReplay(): Promise<void> {
    if (!replay.value) return;
    try {
      progress.value = await conn.api().stopReplay({ replay: replay.value });
      await refreshTotal();
    } catch (err) {
      notices.report('Stopping the replay', err);
    }
  }

  /** Asks how long the view is now, and where its first difference is (the list fetches the pairs it shows). */
  async function refreshTotal(): Promise<void> {
    if (report.value) {
      total.value = reportPairs.value.length;
      cache.setTotal(total.value);
      firstDifference.value = total.value > 0 ? 0 : undefined;
      return;
    }
    if (!replay.value) return;
    const asked = viewVersion.value;
    try {
      const page = await conn.api().replayResults({
        replay: replay.value,
        start: 0,
        count: 0,
        ...(onlyDifferences.value ? { only: 'differences' as const } : {}),
      });
      // Another view since, or an older answer overtaken by a newer one (a view only grows).
      if (asked !== viewVersion.value || (totalOfView === asked && page.total < total.value)) return;
      totalOfView = asked;
      total.value = page.total;
      cache.setTotal(page.total);
      firstDifference.value = page.firstDifference;
    } catch (err) {
      notices.report('Reading the replay results', err);
    }
  }

  async function setOnlyDifferences(on: boolean): Promise<void> {
    onlyDifferences.value = on;
    await newView();
    // The opened pair stays open; in the whole view its position is its index, so it is shown there.
    if (!on && selected.value !== undefined && selected.value < total.value) {
      selectedAt.value = selected.value;
      reveal.value = { at: selected.value };
    }
  }

  /** Opens the pair at @position of the view field by field (fetching it first if the list has not), scrolled into view. */
  async function selectAt(position: number): Promise<void> {
    if (position < 0 || position >= total.value) return;
    selectedAt.value = position;
    reveal.value = { at: position };
    const asked = viewVersion.value;
    await cache.ensure(position, 1);
    const pair = cache.get(position);
    // Moved on meanwhile (another pair, another view): that choice stands.
    if (!pair || asked !== viewVersion.value || selectedAt.value !== position) return;
    await openPair(pair.index);
  }

  /** Opens pair @index (its `index`) field by field. */
  async function openPair(index: number): Promise<void> {
    selected.value = index;
    if (report.value) {
      detail.value = report.value.pairs.find((p) => p.pair.index === index);
      return;
    }
    if (!replay.value) return;
    try {
      const d = await conn.api().replayPair({ replay: replay.value, index });
      if (selected.value === index) detail.value = d;
    } catch (err) {
      notices.report(`Opening reply pair ${index + 1}`, err);
    }
  }

  /** Scrolls to and opens the view's first pair that is not the same. */
  async function jumpToFirstDifference(): Promise<void> {
    if (firstDifference.value !== undefined) await selectAt(firstDifference.value);
  }

  async function saveReport(): Promise<void> {
    if (!replay.value) return;
    try {
      const { name } = await conn.api().saveReplayReport({ replay: replay.value });
      notices.push('info', `Saved the replay report reports/${name}`);
      await loadReports();
    } catch (err) {
      notices.report('Saving the replay report', err);
    }
  }

  async function openReport(name: string): Promise<void> {
    try {
      const r = await conn.api().readReport({ name });
      replay.value = undefined;
      progress.value = undefined;
      report.value = r;
      reportName.value = name;
      selected.value = undefined;
      detail.value = undefined;
      await newView();
    } catch (err) {
      notices.report(`Opening the report ${name}`, err);
    }
  }

  return {
    captures,
    capture,
    sources,
    from,
    direction,
    target,
    speed,
    factor,
    volatileText,
    protocol,
    reports,
    replay,
    progress,
    report,
    reportName,
    onlyDifferences,
    listsDifferencesOnly,
    total,
    firstDifference,
    viewVersion,
    selected,
    selectedAt,
    reveal,
    detail,
    cache,
    running,
    summary,
    compared,
    differing,
    load,
    loadCaptures,
    loadSources,
    loadReports,
    subscribe,
    startReplay,
    stopReplay,
    refreshTotal,
    setOnlyDifferences,
    pairAt,
    selectAt,
    jumpToFirstDifference,
    saveReport,
    openReport,
  };
});
