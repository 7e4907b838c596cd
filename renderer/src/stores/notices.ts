// Non-blocking messages for the person at the screen: failures of their
// actions and the backend's background notices. Every notice fades by
// itself (errors after longer, and not while the pointer rests on one), and
// an error goes as soon as it no longer applies: a notice names its topic
// (by default the action that failed), the same topic failing again replaces
// it, and the action succeeding later settles it (settle).
import { defineStore } from 'pinia';
import { ref } from 'vue';

export type NoticeLevel = 'info' | 'warning' | 'error';

export interface Notice {
  id: number;
  level: NoticeLevel;
  message: string;
  /** What it is about; a later notice or a success of the same topic takes its place. */
  topic?: string;
}

/** How long a notice stays: long enough to read an error's reason and act on it. */
export const FADE_MS: Record<NoticeLevel, number> = { info: 6000, warning: 10_000, error: 20_000 };
const MAX_SHOWN = 5;

/** What a person needs to act on an error with this code, if more than its message. */
function hint(code: string | undefined): string {
  if (code === 'EACCES' || code === 'EPERM')
    return ' — this needs permission: run the Studio as a member of the kucomms group (see the README), or as root for creating and removing devices';
  return '';
}

export const useNoticesStore = defineStore('notices', () => {
  const notices = ref<Notice[]>([]);
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let next = 1;

  function dismiss(id: number): void {
    clearTimeout(timers.get(id));
    timers.delete(id);
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  /** Starts (again) the fade of notice @id. */
  function release(id: number): void {
    const n = notices.value.find((x) => x.id === id);
    if (!n) return;
    clearTimeout(timers.get(id));
    timers.set(
      id,
      setTimeout(() => dismiss(id), FADE_MS[n.level]),
    );
  }

  /** Keeps notice @id on screen (the pointer rests on it) until release. */
  function hold(id: number): void {
    clearTimeout(timers.get(id));
    timers.delete(id);
  }

  function push(level: NoticeLevel, message: string, topic?: string): void {
    if (topic !== undefined) settle(topic);
    const id = next++;
    const kept = [...notices.value, { id, level, message, ...(topic === undefined ? {} : { topic }) }];
    kept.slice(0, -MAX_SHOWN).forEach((n) => dismiss(n.id));
    notices.value = kept.slice(-MAX_SHOWN);
    release(id);
  }

  /** Reports a failed action: what was being done, then why. Its topic defaults to the action. */
  function report(action: string, err: unknown, topic = action): void {
    const e = err as { message?: string; code?: string };
    push('error', `${action}: ${e?.message ?? String(err)}${hint(e?.code)}`, topic);
  }

  /** Drops the notices of @topic: what they reported has since worked. */
  function settle(topic: string): void {
    notices.value.filter((n) => n.topic === topic).forEach((n) => dismiss(n.id));
  }

  return { notices, push, report, settle, dismiss, hold, release };
});
