// The messages-per-second series, on an injected clock.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RateSeries } from './rate-series.ts';

describe('the rate series', () => {
  test('counts each second apart, and seconds without traffic are zero', () => {
    let now = 1_000_000_000_000;
    const rate = new RateSeries(() => now);
    rate.count(5, 1);
    now += 400;
    rate.count(5, 0);
    now += 2000; // one silent second between
    rate.count(0, 7);
    assert.deepEqual(rate.points(4), [
      { t: 999_999_999_000, rx: 0, tx: 0 },
      { t: 1_000_000_000_000, rx: 10, tx: 1 },
      { t: 1_000_000_001_000, rx: 0, tx: 0 },
      { t: 1_000_000_002_000, rx: 0, tx: 7 },
    ]);
  });

  test('a gap longer than the hour kept leaves no stale counts', () => {
    let now = 5_000_000;
    const rate = new RateSeries(() => now);
    rate.count(3, 3);
    now += 3600 * 1000;
    assert.deepEqual(
      rate.points(3600).filter((p) => p.rx || p.tx),
      [],
    );
  });
});
