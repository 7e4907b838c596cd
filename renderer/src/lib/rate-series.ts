// What the Traffic rate chart plots and its legend says, from the backend's
// per-second counts (a second with no traffic has no point). The second
// still counting is left out: plotted, it would read as a drop to 0.
import type { RatePoint } from '../../../electron/shared/api/traffic-api.ts';

/** The last whole second at @nowMs (s since the Unix epoch). */
const lastWholeSecond = (nowMs: number): number => Math.floor(nowMs / 1000) - 1;

/** Seconds, received and sent per second, over the @seconds whole seconds before @nowMs. */
export function rateSeries(
  rates: readonly RatePoint[],
  nowMs: number,
  seconds: number,
): [number[], number[], number[]] {
  const end = lastWholeSecond(nowMs);
  const bySecond = new Map(rates.map((p) => [Math.floor(p.t / 1000), p]));
  const xs: number[] = [];
  const rx: number[] = [];
  const tx: number[] = [];
  for (let s = end - seconds + 1; s <= end; s++) {
    xs.push(s);
    rx.push(bySecond.get(s)?.rx ?? 0);
    tx.push(bySecond.get(s)?.tx ?? 0);
  }
  return [xs, rx, tx];
}

/** The legend's "last": the last whole second's rates (0 once the traffic stopped). */
export function lastRate(rates: readonly RatePoint[], nowMs: number): string {
  if (rates.length === 0) return 'no traffic yet';
  const p = rates.find((x) => Math.floor(x.t / 1000) === lastWholeSecond(nowMs));
  return `${(p?.rx ?? 0).toLocaleString('en-US')} rx/s, ${(p?.tx ?? 0).toLocaleString('en-US')} tx/s`;
}
