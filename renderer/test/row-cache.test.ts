import { expect, test } from 'vitest';
import type { TrafficRow } from '../../electron/shared/studio-api.ts';
import { RowCache } from '../src/lib/row-cache.ts';

function row(i: number): TrafficRow {
  return {
    row: i,
    timestampNs: '0',
    direction: 'rx',
    target: 'demo:echo',
    type: '0',
    id: String(i),
    userValue: '0',
    length: 0,
    summary: '',
  };
}

/** A backend view of @total rows that counts the windows asked for. */
function backend(total: { n: number }) {
  const asked: Array<[number, number]> = [];
  const fetch = async (start: number, count: number) => {
    asked.push([start, count]);
    const rows = [];
    for (let i = start; i < Math.min(total.n, start + count); i++) rows.push(row(i));
    return { view: 'all', total: total.n, start, rows };
  };
  return { asked, fetch };
}

test('rows are fetched in blocks, each block once however often asked', async () => {
  const b = backend({ n: 1000 });
  const cache = new RowCache(b.fetch, 100);
  cache.setTotal(1000);
  await Promise.all([cache.ensure(150, 30), cache.ensure(160, 60), cache.ensure(190, 20)]);
  expect(b.asked).toEqual([
    [100, 100],
    [200, 100],
  ]);
  expect(cache.get(150)?.id).toBe('150');
  expect(cache.get(219)?.id).toBe('219');
  expect(cache.get(300)).toBeUndefined();
});

test('the last, partly filled block is fetched again once the view grows', async () => {
  const total = { n: 130 };
  const b = backend(total);
  const cache = new RowCache(b.fetch, 100);
  cache.setTotal(130);
  await cache.ensure(100, 30);
  expect(cache.get(129)?.id).toBe('129');
  total.n = 180;
  cache.setTotal(180);
  await cache.ensure(150, 30);
  expect(cache.get(179)?.id).toBe('179');
  expect(b.asked).toEqual([
    [100, 100],
    [100, 100],
  ]);
});

test('a block that was on its way while the view grew is fetched again, with no new event', async () => {
  const total = { n: 1 };
  const b = backend(total);
  const cache = new RowCache(b.fetch, 100);
  cache.setTotal(1);
  const first = cache.ensure(0, 10);
  // The view grows before the answer (of one row) arrives; no event follows.
  total.n = 2;
  cache.setTotal(2);
  await first;
  await new Promise((r) => setTimeout(r, 0));
  expect(cache.get(0)?.id).toBe('0');
  expect(cache.get(1)?.id).toBe('1');
  expect(b.asked).toEqual([
    [0, 100],
    [0, 100],
  ]);
});

test('a full block is never fetched again as the view grows', async () => {
  const total = { n: 250 };
  const b = backend(total);
  const cache = new RowCache(b.fetch, 100);
  cache.setTotal(250);
  await cache.ensure(0, 100);
  total.n = 5000;
  cache.setTotal(5000);
  await cache.ensure(0, 100);
  expect(b.asked).toEqual([[0, 100]]);
});

test('after a reset, answers to earlier requests are dropped', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const cache = new RowCache(async (start, count) => {
    await gate;
    return { view: 'old', total: 100, start, rows: Array.from({ length: count }, (_, i) => row(start + i)) };
  }, 50);
  cache.setTotal(100);
  const pending = cache.ensure(0, 10);
  cache.reset(100);
  release();
  await pending;
  expect(cache.get(0)).toBeUndefined();
});

test('at most maxBlocks blocks are kept, the least recently used go first', async () => {
  const b = backend({ n: 10_000 });
  const cache = new RowCache(b.fetch, 10, 3);
  cache.setTotal(10_000);
  for (const start of [0, 10, 20]) await cache.ensure(start, 10);
  await cache.ensure(0, 10); // touch block 0
  await cache.ensure(30, 10); // evicts block 1
  expect(cache.blockCount).toBe(3);
  expect(cache.get(5)).toBeDefined();
  expect(cache.get(15)).toBeUndefined();
});

test('a failed fetch is reported and asked again next time', async () => {
  let fail = true;
  const errors: string[] = [];
  const b = backend({ n: 100 });
  const cache = new RowCache((s, c) => (fail ? Promise.reject(new Error('backend gone')) : b.fetch(s, c)), 50);
  cache.onError = (e) => errors.push(e.message);
  cache.setTotal(100);
  await cache.ensure(0, 10);
  expect(errors).toEqual(['backend gone']);
  fail = false;
  await cache.ensure(0, 10);
  expect(cache.get(3)?.id).toBe('3');
});

test('while the grown last block is fetched again, the rows it had are still shown (no placeholders)', async () => {
  const total = { n: 130 };
  const b = backend(total);
  const cache = new RowCache(b.fetch, 100);
  cache.setTotal(130);
  await cache.ensure(100, 30);
  total.n = 180;
  cache.setTotal(180);
  const refetch = cache.ensure(100, 80);
  expect([cache.get(129)?.id, cache.get(130)]).toEqual(['129', undefined]);
  await refetch;
  expect([cache.get(129)?.id, cache.get(179)?.id]).toEqual(['129', '179']);
  expect(b.asked).toEqual([
    [100, 100],
    [100, 100],
  ]);
});
