// Messages the person marked to come back to, per Traffic source (the live
// store or an opened capture), by store row: listed in order to go to, and
// marked in the table. Clearing the live traffic forgets its bookmarks.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { LIVE, useTrafficStore } from './traffic.ts';

export const useBookmarksStore = defineStore('bookmarks', () => {
  const traffic = useTrafficStore();
  /** Source -> bookmarked store rows, ascending. */
  const bySource = ref<Record<string, number[]>>({});

  const rows = computed(() => bySource.value[traffic.source] ?? []);

  function has(row: number): boolean {
    return rows.value.includes(row);
  }

  function toggle(row: number): void {
    const now = rows.value;
    bySource.value = {
      ...bySource.value,
      [traffic.source]: now.includes(row) ? now.filter((r) => r !== row) : [...now, row].sort((a, b) => a - b),
    };
  }

  // The live store was cleared: its row numbers start again, and mean other messages.
  watch(
    () => traffic.stored,
    (n, before) => {
      if (n < before) bySource.value = Object.fromEntries(Object.entries(bySource.value).filter(([s]) => s !== LIVE));
    },
  );

  return { rows, has, toggle };
});
