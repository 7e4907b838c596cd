import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, expect, test } from 'vitest';
import { StudioError } from '../../electron/shared/studio-api.ts';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useTrafficStore } from '../src/stores/traffic.ts';
import { fakeApi } from './fake-api.ts';

let fake: ReturnType<typeof fakeApi>;
beforeEach(async () => {
  setActivePinia(createPinia());
  fake = fakeApi({
    window: (i: { view: string; start: number; count: number }) => ({
      view: i.view,
      total: 10,
      start: i.start,
      rows: [],
    }),
    rate: () => [{ t: 1000, rx: 5, tx: 5 }],
    setFilter: (i: { expression: string }) => {
      if (i.expression.includes('&& &&'))
        throw new StudioError({
          code: 'EFILTER',
          message: 'bad',
          filter: {
            expression: i.expression,
            position: 10,
            message: 'expected a field, a number or a string, found "&&"',
          },
        });
      return { view: 'v1', total: 3, ms: 1.5 };
    },
    pause: () => ({ total: 10 }),
    resume: () => ({ total: 12 }),
  });
  await useConnectionStore().attach(fake.api);
});

test("the view length follows the backend's batched traffic events", async () => {
  const t = useTrafficStore();
  await t.start();
  expect(t.total).toBe(10);
  fake.emit('traffic', { total: 100_000, views: { all: 100_000 }, paused: false });
  expect(t.total).toBe(100_000);
  expect(t.stored).toBe(100_000);
});

test('a filter switches the table to its view and counts from it', async () => {
  const t = useTrafficStore();
  await t.start();
  await t.applyFilter('type == 1');
  expect(t.view).toBe('v1');
  expect(t.total).toBe(3);
  expect(t.filterError).toBeUndefined();
  fake.emit('traffic', { total: 50, views: { all: 50, v1: 7 }, paused: false });
  expect(t.total).toBe(7);
});

test('a bad filter empties the view, whatever arrives, and says where it is wrong', async () => {
  const t = useTrafficStore();
  await t.start();
  await t.applyFilter('type == 1 && && id');
  expect(t.total).toBe(0);
  expect(t.filterError).toMatchObject({ position: 10 });
  fake.emit('traffic', { total: 50, views: { all: 50 }, paused: false });
  expect([t.total, t.stored]).toEqual([0, 50]);
});

test('pause and resume reach the backend and show in the store', async () => {
  const t = useTrafficStore();
  await t.start();
  await t.setPaused(true);
  expect(t.paused).toBe(true);
  await t.setPaused(false);
  expect(fake.calls.map((c) => c.call)).toContain('resume');
  expect(t.paused).toBe(false);
});

test("rate points arriving once a second extend the graph's series, newest last", async () => {
  const t = useTrafficStore();
  await t.start();
  const now = Date.now();
  fake.emit('rate', { t: now - 1000, rx: 10, tx: 9 });
  fake.emit('rate', { t: now, rx: 100_000, tx: 100_000 });
  expect(t.rates.at(-1)).toEqual({ t: now, rx: 100_000, tx: 100_000 });
  expect(t.rates.some((p) => p.t === 1000)).toBe(false); // older than the graph's two minutes
});
