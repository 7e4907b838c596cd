// Non-blocking messages for the person at the screen: failures of their
// actions and the backend's background notices. Errors stay until dismissed;
// the rest fade after a few seconds.
import { defineStore } from 'pinia';
import { ref } from 'vue';

export type NoticeLevel = 'info' | 'warning' | 'error';

export interface Notice {
  id: number;
  level: NoticeLevel;
  message: string;
}

const FADE_MS = 6000;
const MAX_SHOWN = 5;

/** What a person needs to act on an error with this code, if more than its message. */
function hint(code: string | undefined): string {
  if (code === 'EACCES' || code === 'EPERM')
    return ' — this needs permission: run the Studio as a member of the kucomms group (see the README), or as root for creating and removing devices';
  return '';
}

export const useNoticesStore = defineStore('notices', () => {
  const notices = ref<Notice[]>([]);
  let next = 1;

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  function push(level: NoticeLevel, message: string): void {
    const id = next++;
    notices.value = [...notices.value, { id, level, message }].slice(-MAX_SHOWN);
    if (level !== 'error') setTimeout(() => dismiss(id), FADE_MS);
  }

  /** Reports a failed action: what was being done, then why. */
  function report(action: string, err: unknown): void {
    const e = err as { message?: string; code?: string };
    push('error', `${action}: ${e?.message ?? String(err)}${hint(e?.code)}`);
  }

  return { notices, push, report, dismiss };
});
