// The Scripts view: the workspace's handler scripts, the one open in the
// editor (its text, what the language service says about it), running it
// on an open target with a chosen layout, and each run's log: the lines it
// printed and why it stopped, with file:line where the backend knows it.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type {
  ScriptDiagnostic,
  ScriptFile,
  ScriptRunView,
  ScriptStopView,
} from '../../../electron/shared/api/scripts-api.ts';
import type { EditorCompletions } from '../lib/editor-types.ts';
import { usePersisted } from '../lib/persisted.ts';
import { useConnectionStore } from './connection.ts';
import { useDiskChanges } from '../lib/disk-changes.ts';
import { useNoticesStore } from './notices.ts';
import { useTargetsStore } from './targets.ts';

/** How long typing pauses before the text is type-checked again. */
export const CHECK_DELAY_MS = 300;
/** Lines kept per run (the oldest go first). */
export const LOG_LIMIT = 5000;
const RUNS_POLL_MS = 1000;

/** The layout choice that means "whatever the target decodes with". */
export const TARGET_LAYOUT = '';
/** The layout choice that means "no layout: msg.decoded absent". */
export const NO_LAYOUT = '-';

export type LogEntry =
  /** @at: when the line reached the Studio, ms since the Unix epoch (lines come a few batches a second). */
  | { kind: 'line'; text: string; at: number }
  /** Lines the backend left out (the script printed faster than the cap). */
  | { kind: 'dropped'; count: number }
  | { kind: 'stop'; stop: ScriptStopView };

/** The topic of a failed run's notice: the next run that starts settles it. */
const RUN_TOPIC = 'script run';

export const useScriptsStore = defineStore('scripts', () => {
  const conn = useConnectionStore();
  const notices = useNoticesStore();
  const targets = useTargetsStore();

  const files = ref<ScriptFile[]>([]);
  /** The open script, kept across restarts. */
  const open = usePersisted('scripts.open', '');
  const text = ref('');
  const savedText = ref('');
  const diagnostics = ref<ScriptDiagnostic[]>([]);
  /** The text @diagnostics were found in: the editor's text once its check has come back. */
  const checkedText = ref<string | undefined>(undefined);
  const target = usePersisted('scripts.target', '');
  /** TARGET_LAYOUT, NO_LAYOUT or a protocol name. */
  const protocol = usePersisted('scripts.protocol', TARGET_LAYOUT);
  const runs = ref<Record<string, ScriptRunView>>({});
  const logs = ref<Record<string, LogEntry[]>>({});
  /** The run whose log is shown: the last one started from this view. */
  const shownRun = ref<string>();
  const starting = ref(false);

  /** When each script was last saved from here, ms since the Unix epoch. */
  const savedAt = ref<Record<string, number>>({});

  const dirty = computed(() => open.value !== '' && text.value !== savedText.value);
  const { changedOnDisk, fileChanged } = useDiskChanges({ savedText, text, dirty }, notices);
  const run = computed(() => (shownRun.value === undefined ? undefined : runs.value[shownRun.value]));
  const running = computed(() => run.value?.state === 'running');
  /** The shown run is running code its file no longer has: the file was saved after it started. */
  const stale = computed(
    () => running.value && run.value !== undefined && (savedAt.value[run.value.script] ?? 0) > run.value.startedAt,
  );
  const log = computed(() => (shownRun.value === undefined ? [] : (logs.value[shownRun.value] ?? [])));
  /** The protocol argument of runScript and scriptDiagnostics. */
  const runProtocol = computed(() =>
    protocol.value === TARGET_LAYOUT ? undefined : protocol.value === NO_LAYOUT ? null : protocol.value,
  );
  /** The layout a run would decode with, as far as known here (the target's own when that is the choice). */
  const effectiveProtocol = computed(() => {
    if (runProtocol.value !== undefined) return runProtocol.value;
    const chosen = targets.targets.find((t) => t.target === target.value);
    return chosen ? (chosen.protocol ?? null) : undefined;
  });

  async function refreshFiles(): Promise<void> {
    try {
      files.value = await conn.api().listScripts({});
    } catch (err) {
      notices.report('Listing the scripts', err);
    }
  }

  function loaded(name: string, body: string): void {
    open.value = name;
    savedText.value = body;
    changedOnDisk.value = false;
    setText(body);
  }

  /** Opens @name; the open script with unsaved edits stays as typed (clicking it in the list again loses nothing). */
  async function openFile(name: string): Promise<void> {
    if (name === open.value && dirty.value) return;
    await read(name);
  }

  async function read(name: string): Promise<void> {
    try {
      const r = await conn.api().readScript({ name });
      loaded(r.name, r.text);
    } catch (err) {
      notices.report(`Opening scripts/${name}`, err);
    }
  }

  async function create(name: string, layout?: string): Promise<boolean> {
    try {
      const r = await conn.api().createScript({ name, ...(layout ? { protocol: layout } : {}) });
      await refreshFiles();
      loaded(r.name, r.text);
      return true;
    } catch (err) {
      notices.report(`Creating scripts/${name}`, err);
      return false;
    }
  }

  async function save(): Promise<boolean> {
    const name = open.value;
    if (!name) return false;
    const body = text.value;
    try {
      await conn.api().saveScript({ name, text: body });
      savedText.value = body;
      changedOnDisk.value = false;
      savedAt.value = { ...savedAt.value, [name]: Date.now() };
      notices.settle(`Saving scripts/${name}`);
      await refreshFiles();
      return true;
    } catch (err) {
      notices.report(`Saving scripts/${name}`, err);
      return false;
    }
  }

  /** Throws the unsaved edits away: the script as saved. */
  async function revert(): Promise<void> {
    if (open.value) await read(open.value);
  }

  // ---------------------------------------------------------- editing help

  let checkTimer: ReturnType<typeof setTimeout> | undefined;
  let checkSeq = 0;
  function setText(next: string): void {
    text.value = next;
    clearTimeout(checkTimer);
    checkTimer = setTimeout(() => void check(), CHECK_DELAY_MS);
  }

  /** Type-checks the text as it is now (typing, or another layout chosen). */
  async function check(): Promise<void> {
    const seq = ++checkSeq;
    const p = effectiveProtocol.value;
    const checking = text.value;
    try {
      const found = await conn.api().scriptDiagnostics({ text: checking, ...(p !== undefined ? { protocol: p } : {}) });
      if (seq === checkSeq) {
        diagnostics.value = found;
        checkedText.value = checking;
      }
    } catch (err) {
      if (seq === checkSeq) notices.report('Checking the script', err);
    }
  }

  // Another layout may type the script differently (the import warning).
  watch(effectiveProtocol, () => {
    if (open.value) void check();
  });

  /** The editor's completion provider. */
  async function complete(body: string, offset: number): Promise<EditorCompletions | null> {
    try {
      const r = await conn.api().scriptCompletions({ text: body, offset });
      return r.options.length ? r : null;
    } catch {
      // Completion is a help while typing: a failed one offers nothing rather than a notice per keystroke.
      return null;
    }
  }

  // ---------------------------------------------------------- runs

  function append(runId: string, entries: LogEntry[]): void {
    const kept = [...(logs.value[runId] ?? []), ...entries];
    logs.value = { ...logs.value, [runId]: kept.length > LOG_LIMIT ? kept.slice(kept.length - LOG_LIMIT) : kept };
  }

  async function refreshRuns(): Promise<void> {
    try {
      const list = await conn.api().listRuns({});
      runs.value = Object.fromEntries(list.map((r) => [r.run, r]));
    } catch (err) {
      notices.report('Listing the script runs', err);
    }
  }

  /** Runs the open script on the chosen target; unsaved edits are saved first (a run runs the saved file). */
  async function start(): Promise<void> {
    const name = open.value;
    if (!name || running.value || starting.value) return;
    if (!target.value) {
      notices.push('error', 'Running a script: choose an open target to run it on (connect one in Targets)', RUN_TOPIC);
      return;
    }
    starting.value = true;
    try {
      if (dirty.value && !(await save())) return;
      const p = runProtocol.value;
      const r = await conn.api().runScript({ name, target: target.value, ...(p !== undefined ? { protocol: p } : {}) });
      shownRun.value = r.run;
      notices.settle(RUN_TOPIC);
      await refreshRuns();
      const stop = runs.value[r.run]?.stop;
      // A script that fails to load stops before its id is known here: its news came first.
      if (stop && !(logs.value[r.run] ?? []).some((e) => e.kind === 'stop')) append(r.run, [{ kind: 'stop', stop }]);
    } catch (err) {
      notices.report(`Running scripts/${name} on ${target.value}`, err, RUN_TOPIC);
    } finally {
      starting.value = false;
    }
  }

  /** Stops the shown run and runs the saved script again on the same target. */
  async function restart(): Promise<void> {
    await stop();
    if (!running.value) await start();
  }

  async function stop(): Promise<void> {
    const id = shownRun.value;
    if (id === undefined || !running.value) return;
    try {
      const view = await conn.api().stopScript({ run: id });
      runs.value = { ...runs.value, [id]: view };
    } catch (err) {
      notices.report('Stopping the script', err);
    }
  }

  /** Subscribes to runs' output and state and to workspace changes; returns the unsubscribe. */
  function subscribe(): () => void {
    const api = conn.api();
    const offs = [
      api.on('scriptOutput', (e) => {
        const at = Date.now();
        const entries: LogEntry[] = e.lines.map((t) => ({ kind: 'line', text: t, at }));
        if (e.dropped) entries.push({ kind: 'dropped', count: e.dropped });
        append(e.run, entries);
      }),
      api.on('scriptState', (e) => {
        const known = runs.value[e.run];
        if (known)
          runs.value = { ...runs.value, [e.run]: { ...known, state: e.state, ...(e.stop ? { stop: e.stop } : {}) } };
        if (e.stop) append(e.run, [{ kind: 'stop', stop: e.stop }]);
        void refreshRuns();
      }),
      api.on('workspaceChanged', (e) => {
        if (e.area === 'scripts') void onDiskChange(e.name, e.change);
      }),
    ];
    // Counts move while a script runs.
    const poll = setInterval(() => {
      if (Object.values(runs.value).some((r) => r.state === 'running')) void refreshRuns();
    }, RUNS_POLL_MS);
    return () => {
      offs.forEach((off) => off());
      clearInterval(poll);
    };
  }

  async function onDiskChange(name: string, change: 'added' | 'changed' | 'removed'): Promise<void> {
    await refreshFiles();
    if (name !== open.value) return;
    await fileChanged(
      `scripts/${name}`,
      change,
      () => conn.api().readScript({ name }),
      (r) => loaded(name, r.text),
    );
  }

  /** Loads the list and the runs, and reopens the script that was open. */
  async function load(): Promise<void> {
    await Promise.all([refreshFiles(), refreshRuns()]);
    const kept = open.value;
    if (kept && files.value.some((f) => f.name === kept)) await openFile(kept);
    else if (files.value[0]) await openFile(files.value[0].name);
    else open.value = '';
  }

  return {
    files,
    open,
    text,
    savedText,
    diagnostics,
    checkedText,
    changedOnDisk,
    target,
    protocol,
    runs,
    logs,
    shownRun,
    starting,
    dirty,
    run,
    running,
    stale,
    log,
    runProtocol,
    refreshFiles,
    openFile,
    create,
    save,
    revert,
    setText,
    check,
    complete,
    refreshRuns,
    start,
    stop,
    restart,
    subscribe,
    load,
  };
});
