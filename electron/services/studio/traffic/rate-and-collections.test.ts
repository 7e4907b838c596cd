// The messages-per-second series (on an injected clock) and collections
// saved to their file and read back by the next Studio.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { StudioError } from '../../../shared/studio-api.ts';
import { Collections } from '../collections/collections.ts';
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
    assert.deepEqual(rate.points(3600).filter((p) => p.rx || p.tx), []);
  });
});

describe('collections', () => {
  const message = (name: string) => ({ name, header: { type: '1', id: '2', userValue: '0' }, body: { format: 'raw' as const, data: 'aGk=' } });

  test('a saved message is listed, replaced by name, and read back from the file by the next Studio', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'studio-collections-')), 'collections.json');
    const c = new Collections(file);
    c.save('smoke', message('hello'));
    c.save('smoke', { ...message('hello'), header: { type: '9', id: '2', userValue: '0' } });
    c.save('smoke', message('bye'));
    assert.deepEqual(new Collections(file).list(), [{ name: 'smoke', messages: [{ ...message('hello'), header: { type: '9', id: '2', userValue: '0' } }, message('bye')] }]);
    assert.match(readFileSync(file, 'utf8'), /"name": "smoke"/);
  });

  test('removing the last message removes the collection; removing what is not there says so', () => {
    const c = new Collections();
    c.save('one', message('only'));
    assert.deepEqual(c.remove('one', 'only'), []);
    assert.throws(() => c.remove('one', 'only'), (e: unknown) => e instanceof StudioError && e.code === 'ENOENT' && /collection "one" has no message "only"/.test(e.message));
  });
});
