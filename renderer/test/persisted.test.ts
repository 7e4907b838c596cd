import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { nextTick } from 'vue';
import { loadPersisted, usePersisted, WRITE_DELAY_MS } from '../src/lib/persisted.ts';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useNoticesStore } from '../src/stores/notices.ts';
import { fakeApi } from './fake-api.ts';

let fake: ReturnType<typeof fakeApi>;
let kept: Record<string, unknown>;

beforeEach(async () => {
  vi.useFakeTimers();
  setActivePinia(createPinia());
  kept = { 'app.tab': 'traffic', 'app.theme': 42 };
  fake = fakeApi({
    getUiState: () => kept,
    setUiState: (i: { key: string; value: unknown }) => {
      kept[i.key] = i.value;
      return {};
    },
  });
  await useConnectionStore().attach(fake.api);
});
afterEach(() => vi.useRealTimers());

const writes = () => fake.calls.filter((c) => c.call === 'setUiState').map((c) => c.input);

test('a ref made before the load takes the kept value, without writing it back', async () => {
  const tab = usePersisted('app.tab', 'targets');
  expect(tab.value).toBe('targets');
  await loadPersisted(fake.api);
  expect(tab.value).toBe('traffic');
  await vi.advanceTimersByTimeAsync(WRITE_DELAY_MS * 2);
  expect(writes()).toEqual([]);
});

test('a kept value of another type than the initial one is ignored', async () => {
  await loadPersisted(fake.api);
  expect(usePersisted('app.theme', 'light').value).toBe('light');
});

test('changes are written once they settle, one write for a burst of typing', async () => {
  await loadPersisted(fake.api);
  const filter = usePersisted('traffic.filter', '');
  for (const text of ['t', 'ty', 'typ', 'type == 3']) {
    filter.value = text;
    await nextTick();
    await vi.advanceTimersByTimeAsync(WRITE_DELAY_MS / 4);
  }
  expect(writes()).toEqual([]);
  await vi.advanceTimersByTimeAsync(WRITE_DELAY_MS);
  expect(writes()).toEqual([{ key: 'traffic.filter', value: 'type == 3' }]);
});

test('the same key gives the same ref; nested changes are written', async () => {
  await loadPersisted(fake.api);
  const a = usePersisted('layouts.open', { file: '', line: 1 });
  const b = usePersisted('layouts.open', { file: '', line: 1 });
  expect(a).toBe(b);
  a.value.line = 7;
  await nextTick();
  await vi.advanceTimersByTimeAsync(WRITE_DELAY_MS);
  expect(writes()).toEqual([{ key: 'layouts.open', value: { file: '', line: 7 } }]);
});

test('a refused write is one notice, not one per change', async () => {
  fake = fakeApi({ getUiState: () => ({}), setUiState: () => Promise.reject(new Error('UI state is full')) });
  setActivePinia(createPinia());
  await useConnectionStore().attach(fake.api);
  await loadPersisted(fake.api);
  const filter = usePersisted('traffic.filter', '');
  for (const text of ['a', 'b']) {
    filter.value = text;
    await nextTick();
    await vi.advanceTimersByTimeAsync(WRITE_DELAY_MS);
  }
  expect(writes()).toHaveLength(2);
  expect(useNoticesStore().notices.map((n) => n.message)).toEqual([expect.stringContaining('UI state is full')]);
});
