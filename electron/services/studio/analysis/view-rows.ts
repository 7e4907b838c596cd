// Every row of a traffic view (all rows, or a filter's), in order, a slice
// at a time with the event loop let through between slices, so analysing a
// view of millions of rows never freezes the backend.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ALL_VIEW, type TrafficViews } from '../traffic/traffic-views.ts';

const SLICE = 1 << 16;

/** Visits the rows of @view from its @from-th on (0: all); returns the view's length it went to. */
export async function forEachViewRow(
  views: TrafficViews,
  view: string,
  from: number,
  visit: (row: number) => void,
): Promise<number> {
  const total = views.total(view);
  for (let start = from; start < total; start += SLICE) {
    const end = Math.min(total, start + SLICE);
    if (view === ALL_VIEW) for (let r = start; r < end; r++) visit(r);
    else for (const r of views.rows(view, start, end - start)) visit(r);
    if (end < total) await yieldToEventLoop();
  }
  return total;
}
