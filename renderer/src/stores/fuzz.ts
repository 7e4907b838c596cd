// The Fuzz view: one fuzz run at a time on a chosen target and layout, its
// lines and findings as the backend sends them.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { FuzzRunView } from '../../../electron/shared/api/fuzz-api.ts';
import { usePersisted } from '../lib/persisted.ts';
import { useConnectionStore } from './connection.ts';
import { useNoticesStore } from './notices.ts';

/** Whether fuzzing @target means fuzzing a kernel module (it needs confirming). */
export const isKernelDevice = (target: string): boolean => target.startsWith('/dev/kucomms');

export const useFuzzStore = defineStore('fuzz', () => {
  const conn = useConnectionStore();
  const notices = useNoticesStore();
  const target = usePersisted('fuzz.target', 'demo:echo');
  const protocol = usePersisted('fuzz.protocol', 'echo');
  const hangMs = ref(5000);
  /** The person confirmed fuzzing a kernel device (asked again for each run). */
  const kernelConfirmed = ref(false);
  const run = ref<FuzzRunView>();
  const running = computed(() => run.value?.state === 'running');

  async function load(): Promise<void> {
    try {
      run.value = (await conn.api().fuzzState({})).last;
    } catch (err) {
      notices.report('Reading the fuzz run', err);
    }
  }

  async function start(): Promise<void> {
    try {
      const kernel = isKernelDevice(target.value) && kernelConfirmed.value;
      await conn.api().startFuzz({ target: target.value, protocol: protocol.value, kernel, hangMs: hangMs.value });
      kernelConfirmed.value = false;
      notices.settle('Fuzzing');
    } catch (err) {
      notices.report('Fuzzing', err);
    }
  }

  async function stop(): Promise<void> {
    try {
      run.value = await conn.api().stopFuzz({});
    } catch (err) {
      notices.report('Stopping the fuzz run', err);
    }
  }

  function subscribe(): () => void {
    return conn.api().on('fuzzProgress', (v) => {
      run.value = v;
    });
  }

  return { target, protocol, hangMs, kernelConfirmed, run, running, load, start, stop, subscribe };
});
