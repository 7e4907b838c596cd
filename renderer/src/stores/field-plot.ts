// The field plot of the Traffic view: which numeric fields are plotted, the
// time range shown (all of the view, or where the person zoomed and panned
// to), and the points the backend downsampled for it. Each answer covers the
// range shown and one range's width either side, so a pan draws at once from
// what is here while the finer points for the new place are fetched.
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import type { PlotData } from '../../../electron/shared/studio-api.ts';
import { usePersisted } from '../lib/persisted.ts';
import { useConnectionStore } from './connection.ts';
import { LIVE, useTrafficStore } from './traffic.ts';
import { REFRESH_MS, useTrafficAnalysisStore } from './traffic-analysis.ts';

/** A time range in ms since the Unix epoch. */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/** Fields as typed ("data.temperature, data.acceleration.x") -> their list. */
export function fieldList(text: string): string[] {
  return text
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
}

export const useFieldPlotStore = defineStore('field-plot', () => {
  const conn = useConnectionStore();
  const traffic = useTrafficStore();
  const analysis = useTrafficAnalysisStore();

  const fieldsText = usePersisted('traffic.plotFields', '');
  /** The fields plotted (fieldsText as last applied). */
  const fields = ref<string[]>([]);
  const data = shallowRef<PlotData>();
  /** Where the person zoomed or panned to; undefined: the whole view (following new traffic). */
  const range = ref<TimeRange>();
  const error = ref<string>();
  /** Points across the plot: a bucket per pixel. */
  let width = 1000;
  let asked = 0;

  /** Fetches the points of the range shown (and a width either side), for a plot @px pixels wide. */
  async function fetch(px = width): Promise<void> {
    width = Math.max(100, Math.round(px));
    if (fields.value.length === 0) {
      data.value = undefined;
      return;
    }
    const mine = ++asked;
    const r = range.value;
    const pad = r ? r.toMs - r.fromMs : 0;
    try {
      const answer = await conn.api().plot({
        ...(traffic.source === LIVE ? {} : { source: traffic.source }),
        view: traffic.view,
        fields: fields.value,
        ...(r ? { fromMs: r.fromMs - pad, toMs: r.toMs + pad } : {}),
        buckets: r ? width * 3 : width,
      });
      if (mine !== asked) return;
      data.value = answer;
      error.value = undefined;
    } catch (err) {
      if (mine !== asked) return;
      error.value = (err as Error).message;
      data.value = undefined;
    }
  }

  /** Plots the fields typed in fieldsText, over the whole view. */
  async function apply(): Promise<void> {
    fields.value = fieldList(fieldsText.value);
    range.value = undefined;
    await fetch();
  }

  /** Shows @r (undefined: the whole view); the finer points follow. */
  function show(r: TimeRange | undefined): void {
    range.value = r;
  }

  function start(): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stops = [
      // New traffic: at most a refresh a REFRESH_MS, only while the plot is open.
      watch(
        () => traffic.total,
        () => {
          if (analysis.panel !== 'plot' || timer) return;
          timer = setTimeout(() => {
            timer = undefined;
            void fetch();
          }, REFRESH_MS);
        },
      ),
      watch(
        () => [traffic.source, traffic.view, analysis.panel],
        () => {
          if (analysis.panel !== 'plot') return;
          range.value = undefined;
          void fetch();
        },
      ),
    ];
    if (fieldsText.value && fields.value.length === 0) fields.value = fieldList(fieldsText.value);
    return () => {
      clearTimeout(timer);
      stops.forEach((s) => s());
    };
  }

  return { fieldsText, fields, data, range, error, fetch, apply, show, start };
});
