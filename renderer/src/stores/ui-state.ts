// The window's own state: the tab shown, the theme, and which of its dialogs
// is open. The tab and the theme are kept across restarts (usePersisted);
// the tab also lives in the URL's hash, so a link opens the same view.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { usePersisted } from '../lib/persisted.ts';
import { isTabId, TABS, type TabId } from '../lib/tabs.ts';

/** 'system' follows the desktop's light or dark preference until a theme is chosen. */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const DARK_QUERY = '(prefers-color-scheme: dark)';

export const useUiStateStore = defineStore('ui-state', () => {
  const tab = usePersisted<TabId>('app.tab', 'targets');
  const themeChoice = usePersisted<ThemeChoice>('app.theme', 'system');
  const systemDark = ref(false);
  const helpOpen = ref(false);
  const workspaceDialogOpen = ref(false);

  const theme = computed<Theme>(() =>
    themeChoice.value === 'system' ? (systemDark.value ? 'dark' : 'light') : themeChoice.value,
  );

  /** Puts the theme on the page, following the desktop's preference while none is chosen; returns the stop. */
  function followTheme(): () => void {
    const media = typeof matchMedia === 'function' ? matchMedia(DARK_QUERY) : undefined;
    const onMedia = (): void => {
      systemDark.value = media?.matches ?? false;
    };
    onMedia();
    media?.addEventListener('change', onMedia);
    const stop = watch(theme, (t) => (document.documentElement.dataset.theme = t), { immediate: true });
    return () => {
      stop();
      media?.removeEventListener('change', onMedia);
    };
  }

  /** Shows the tab the URL's hash names (a link), else the kept one, and keeps the hash following; returns the stop. */
  function followHash(): () => void {
    const fromHash = location.hash.slice(1);
    if (isTabId(fromHash)) tab.value = fromHash;
    else if (!isTabId(tab.value)) tab.value = 'targets';
    return watch(tab, (t) => history.replaceState(null, '', `#${t}`), { immediate: true });
  }

  function toggleTheme(): void {
    themeChoice.value = theme.value === 'dark' ? 'light' : 'dark';
  }

  /** Shows the @n-th tab (1-based, as Alt+1 counts). */
  function showTab(n: number): void {
    const t = TABS[n - 1];
    if (t) tab.value = t.id;
  }

  return { tab, themeChoice, theme, helpOpen, workspaceDialogOpen, followTheme, followHash, toggleTheme, showTab };
});
