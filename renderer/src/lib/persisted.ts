// UI state that survives a restart of the backend and of the browser: the
// open tab, the theme, each view's selection. The backend keeps it per
// machine (getUiState / setUiState); here each key is a Ref, written back a
// moment after it last changed.
//
//   const openLayout = usePersisted('protocols.openLayout', '');
//
// The App loads every kept value once at start (loadPersisted) before the
// views show; a ref made earlier (a store created at start) takes its kept
// value then. Call it where Pinia is active (a component's setup, a store). A kept value of another JSON type than the initial one (left by
// an older version) is ignored.
import { defineStore } from 'pinia';
import { effectScope, markRaw, ref, watch, type Ref } from 'vue';
import type { StudioApi } from '../../../electron/shared/studio-api.ts';
import type { UiStateValue } from '../../../electron/shared/api/workspace-api.ts';
import { useConnectionStore } from '../stores/connection.ts';
import { useNoticesStore } from '../stores/notices.ts';

/** How long a value must stay unchanged before it is written (typing in a filter box writes once). */
export const WRITE_DELAY_MS = 400;

interface Entry {
  ref: Ref<unknown>;
  initial: unknown;
  /** The JSON the backend holds for the key: nothing to write while the value still serialises to it. */
  kept: string | undefined;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * The refs and loaded values of one app (one Pinia): tests, each with its own
 * Pinia, start afresh, and a ref writes through the connection of its app.
 */
const usePersistedStore = defineStore('persisted', () => ({
  // Raw: a reactive wrapper would unwrap the refs the entries hold.
  entries: markRaw(new Map<string, Entry>()),
  loaded: markRaw({ values: undefined as Record<string, UiStateValue> | undefined, writeFailed: false }),
}));

function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** The kept value of @key when it fits @initial's type. */
function keptValue(
  loaded: Record<string, UiStateValue> | undefined,
  key: string,
  initial: unknown,
): { value: unknown } | undefined {
  if (!loaded || !Object.hasOwn(loaded, key)) return undefined;
  const value = loaded[key];
  return jsonType(value) === jsonType(initial) ? { value } : undefined;
}

/** Writes one value, through the connection and to the notices of the app it belongs to. */
type Writer = (key: string, entry: Entry) => void;

function writer(): Writer {
  const conn = useConnectionStore();
  const notices = useNoticesStore();
  const state = usePersistedStore().loaded;
  return (key, entry) => {
    entry.timer = undefined;
    const json = JSON.stringify(entry.ref.value);
    if (json === entry.kept || conn.state !== 'connected') return;
    entry.kept = json;
    conn
      .api()
      .setUiState({ key, value: JSON.parse(json) as UiStateValue })
      .catch((err: unknown) => {
        entry.kept = undefined;
        // Said once: a full or unreachable state store would otherwise repeat it on every change.
        if (state.writeFailed) return;
        state.writeFailed = true;
        notices.report(`Keeping "${key}" for the next start`, err);
      });
  };
}

/** A Ref whose value is kept across restarts under @key (shared by everyone who asks for the same key). */
export function usePersisted<T>(key: string, initial: T): Ref<T> {
  const { entries, loaded } = usePersistedStore();
  const existing = entries.get(key);
  if (existing) return existing.ref as Ref<T>;
  const write = writer();
  const kept = keptValue(loaded.values, key, initial);
  const entry: Entry = {
    ref: ref(kept ? kept.value : initial),
    initial,
    kept: kept ? JSON.stringify(kept.value) : undefined,
  };
  entries.set(key, entry);
  // Detached from the caller's scope: the ref is shared and outlives the component that asked first.
  effectScope(true).run(() =>
    watch(
      entry.ref,
      () => {
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => write(key, entry), WRITE_DELAY_MS);
      },
      { deep: true },
    ),
  );
  return entry.ref as Ref<T>;
}

/** Reads every kept value from the backend (once, at start); refs made before take theirs now. */
export async function loadPersisted(from: StudioApi): Promise<void> {
  const { entries, loaded } = usePersistedStore();
  loaded.values = await from.getUiState({});
  for (const [key, entry] of entries) {
    const kept = keptValue(loaded.values, key, entry.initial);
    if (!kept) continue;
    entry.kept = JSON.stringify(kept.value);
    entry.ref.value = kept.value;
  }
}

/** Writes every value still waiting for its delay (the page is going away). */
export function flushPersisted(): void {
  const write = writer();
  for (const [key, entry] of usePersistedStore().entries) {
    if (entry.timer === undefined) continue;
    clearTimeout(entry.timer);
    write(key, entry);
  }
}
