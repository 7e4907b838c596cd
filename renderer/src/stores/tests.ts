// Protocol tests as the Tests tab sees them: the workspace's tests/*.yaml
// (listed again when the workspace changes), the last verdict of each, which
// one is shown, and making a test from a capture.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { TestFileView, TestResultView } from '../../../electron/shared/api/tests-api.ts';
import { useConnectionStore } from './connection.ts';
import { useNoticesStore } from './notices.ts';

export const useTestsStore = defineStore('tests', () => {
  const conn = useConnectionStore();
  const notices = useNoticesStore();

  const files = shallowRef<TestFileView[]>([]);
  /** The last result of each test, by file name. */
  const results = ref<Record<string, TestResultView>>({});
  /** Files being run now. */
  const running = ref(new Set<string>());
  /** The test whose steps are shown. */
  const shown = ref<string>();
  const shownResult = computed(() => (shown.value === undefined ? undefined : results.value[shown.value]));

  async function refresh(): Promise<void> {
    try {
      files.value = await conn.api().listTests({});
    } catch (err) {
      notices.report('Listing the tests', err);
    }
  }

  /** Runs the tests named (all when none); shows the first that failed, else the only one run. */
  async function run(names?: string[]): Promise<void> {
    const which = names ?? files.value.map((f) => f.file);
    running.value = new Set([...running.value, ...which]);
    try {
      const out = await conn.api().runTests(names ? { files: names } : {});
      const next = { ...results.value };
      for (const r of out) next[r.file] = r;
      results.value = next;
      shown.value = out.find((r) => r.verdict === 'failed')?.file ?? (out.length === 1 ? out[0]!.file : shown.value);
    } catch (err) {
      notices.report('Running the tests', err);
    } finally {
      const left = new Set(running.value);
      for (const n of which) left.delete(n);
      running.value = left;
    }
  }

  async function createFromCapture(input: {
    name: string;
    capture: string;
    target: string;
    protocol?: string;
    ignore?: string[];
  }): Promise<boolean> {
    try {
      const made = await conn.api().createTest(input);
      await refresh();
      shown.value = made.file;
      return true;
    } catch (err) {
      notices.report('Making the test', err);
      return false;
    }
  }

  function start(): () => void {
    void refresh();
    const api = conn.api();
    const offs = [api.on('workspaceChanged', () => void refresh()), api.on('workspaceOpened', () => void refresh())];
    return () => offs.forEach((off) => off());
  }

  return { files, results, running, shown, shownResult, refresh, run, createFromCapture, start };
});
