// The Traffic rate chart: the second still counting is not plotted as a drop
// to 0, and "last" says 0/s once the traffic stops instead of keeping the
// last busy second's rate.
import { expect, test } from 'vitest';
import { lastRate, rateSeries } from '../src/lib/rate-series.ts';

const T = 1_765_000_000_000; // a whole second
const busy = [
  { t: T - 2000, rx: 500, tx: 500 },
  { t: T - 1000, rx: 480, tx: 490 },
];

test("the rate chart leaves out the second still counting, and 'last' drops to 0 once traffic stops", () => {
  const now = T + 300; // 0.3 s into the second T, which has no point yet
  const [xs, rx, tx] = rateSeries(busy, now, 5);
  expect(xs).toEqual([T / 1000 - 5, T / 1000 - 4, T / 1000 - 3, T / 1000 - 2, T / 1000 - 1]);
  expect(rx.slice(-2)).toEqual([500, 480]);
  expect(tx.slice(-2)).toEqual([500, 490]);
  expect(lastRate(busy, now)).toBe('480 rx/s, 490 tx/s');
  expect(lastRate(busy, T + 5000)).toBe('0 rx/s, 0 tx/s');
  expect(rateSeries(busy, T + 5000, 5)[1]).toEqual([0, 0, 0, 0, 0]);
  expect(lastRate([], now)).toBe('no traffic yet');
});
