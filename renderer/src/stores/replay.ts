// Replay: what to replay (a workspace capture, its captured target and
// direction), into which open target and how fast; the running replay's
// progress; then the diff of its replies, a page at a time, with one pair
// opened field by field. A saved report opens into the same diff.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { CaptureFileView } from '../../../electron/shared/api/captures-api.ts';
import type {
  ReplayPairDetail,
  ReplayPairJson,
  ReplayProgress,
  ReplayReport,
  ReportFile,
} from '../../../electron/shared/api/replay-api.ts';
import { usePersisted } from '../lib/persisted.ts';
import { useConnectionStore } from './connection.ts';
import { useNoticesStore } from './notices.ts';

export type SpeedChoice = 'original' | 'factor' | 'max';
/** Pairs fetched and listed at a time. */
export const PAGE = 500;

/** The counts a diff shows: a live replay's progress or a saved report's summary. */
export type DiffSummary = Omit<ReplayProgress, 'replay'>;

/** Volatile field paths as typed: separated by commas, spaces or new lines. */
export function volatilePaths(text: string): string[] {
  return text.split(/[\s,]+/).filter((p) => p.length > 0);
}

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
  const pairs = ref<ReplayPairJson[]>([]);
  const total = ref(0);
  const start = ref(0);
  /** Position in the view of its first pair that is not the same. */
  const firstDifference = ref<number>();
  /** The opened pair (its `index`). */
  const selected = ref<number>();
  const detail = shallowRef<ReplayPairDetail>();

  const running = computed(() => progress.value?.state === 'running');
  const summary = computed<DiffSummary | undefined>(() => (report.value ? report.value.summary : progress.value));
  /** Replies that were compared (a reply pairs with a captured one, or is missing or unexpected). */
  const compared = computed(() => (summary.value ? summary.value.same + summary.value.different + summary.value.missing + summary.value.unexpected : 0));
  const differing = computed(() => (summary.value ? summary.value.different + summary.value.missing + summary.value.unexpected : 0));

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
        void refreshPage();
      }),
      conn.api().on('workspaceChanged', (c) => {
        if (c.area === 'captures') void loadCaptures();
        if (c.area === 'reports') void loadReports();
      }),
    ];
    return () => stops.forEach((stop) => stop());
  }

  async function show(p: ReplayProgress): Promise<void> {
    report.value = undefined;
    reportName.value = '';
    replay.value = p.replay;
    progress.value = p;
    selected.value = undefined;
    detail.value = undefined;
    start.value = 0;
    await refreshPage();
  }

  async function startReplay(): Promise<void> {
    const speedInput = speed.value === 'max' ? { kind: 'max' as const } : { kind: 'timed' as const, factor: speed.value === 'original' ? 1 : factor.value };
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
      await show({
        replay: id, capture: capture.value, target: target.value, sent: 0, same: 0, different: 0, missing: 0, unexpected: 0, state: 'running', problems: [],
      });
    } catch (err) {
      notices.report(`Replaying ${capture.value || '(no capture)'} into ${target.value || '(no target)'}`, err);
    }
  }

  async function stopReplay(): Promise<void> {
    if (!replay.value) return;
    try {
      progress.value = await conn.api().stopReplay({ replay: replay.value });
      await refreshPage();
    } catch (err) {
      notices.report('Stopping the replay', err);
    }
  }

  /** Fetches the page at start (live replay) or cuts it from the report. */
  async function refreshPage(): Promise<void> {
    if (report.value) {
      const all = report.value.pairs.map((p) => p.pair);
      total.value = all.length;
      pairs.value = all.slice(start.value, start.value + PAGE);
      firstDifference.value = all.length > 0 ? 0 : undefined;
      return;
    }
    if (!replay.value) return;
    const id = replay.value;
    try {
      const page = await conn.api().replayResults({ replay: id, start: start.value, count: PAGE, ...(onlyDifferences.value ? { only: 'differences' as const } : {}) });
      if (id !== replay.value) return;
      pairs.value = page.pairs;
      total.value = page.total;
      firstDifference.value = page.firstDifference;
    } catch (err) {
      notices.report('Reading the replay results', err);
    }
  }

  async function setOnlyDifferences(on: boolean): Promise<void> {
    onlyDifferences.value = on;
    start.value = 0;
    await refreshPage();
  }

  async function goToPage(at: number): Promise<void> {
    start.value = Math.max(0, Math.min(at, Math.max(0, total.value - 1)));
    start.value -= start.value % PAGE;
    await refreshPage();
  }

  /** Opens pair @index field by field. */
  async function select(index: number): Promise<void> {
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

  /** Shows and opens the view's first pair that is not the same. */
  async function jumpToFirstDifference(): Promise<void> {
    const at = firstDifference.value;
    if (at === undefined) return;
    if (at < start.value || at >= start.value + PAGE) await goToPage(at);
    const pair = pairs.value[at - start.value];
    if (pair) await select(pair.index);
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
      onlyDifferences.value = true;
      selected.value = undefined;
      detail.value = undefined;
      start.value = 0;
      await refreshPage();
    } catch (err) {
      notices.report(`Opening the report ${name}`, err);
    }
  }

  return {
    captures, capture, sources, from, direction, target, speed, factor, volatileText, protocol, reports,
    replay, progress, report, reportName, onlyDifferences, pairs, total, start, firstDifference, selected, detail,
    running, summary, compared, differing,
    load, loadCaptures, loadSources, loadReports, subscribe, startReplay, stopReplay, refreshPage, setOnlyDifferences, goToPage,
    select, jumpToFirstDifference, saveReport, openReport,
  };
});
