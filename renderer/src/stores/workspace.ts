// The open workspace as the top bar and its dialog show it: the folder, the
// recently opened ones, and opening another. Follows the backend's events,
// so a switch made elsewhere (another window on the same Studio) shows too.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { WorkspaceView } from '../../../electron/shared/api/workspace-api.ts';
import { useConnectionStore } from './connection.ts';
import { useNoticesStore } from './notices.ts';

export const useWorkspaceStore = defineStore('workspace', () => {
  const conn = useConnectionStore();
  const notices = useNoticesStore();
  const current = ref<WorkspaceView>();
  const opening = ref(false);

  /** Reads the open workspace and tells what the backend has to say about it (damaged state, bad settings). */
  async function load(): Promise<void> {
    try {
      current.value = await conn.api().getWorkspace({});
      for (const notice of current.value.notices) notices.push('warning', notice);
      reportSettings(current.value);
    } catch (err) {
      notices.report('Reading the workspace', err);
    }
  }

  function reportSettings(view: WorkspaceView): void {
    const errors = view.settings.errors;
    if (errors.length > 0)
      notices.push(
        'error',
        `settings.json is not taken (defaults apply): ${errors.map((e) => `line ${e.line} column ${e.column}: ${e.path ? `${e.path}: ` : ''}${e.message}`).join('; ')}`,
      );
  }

  /** Opens @dir as the workspace; throws the backend's error (the dialog shows it beside the path). */
  async function open(dir: string): Promise<void> {
    opening.value = true;
    try {
      current.value = await conn.api().openWorkspace({ dir });
    } finally {
      opening.value = false;
    }
  }

  /** Follows switches and the settings file; returns the unsubscribe. */
  function subscribe(): () => void {
    const api = conn.api();
    const refresh = async (): Promise<void> => {
      try {
        current.value = await api.getWorkspace({});
      } catch (err) {
        notices.report('Reading the workspace', err);
      }
    };
    const offOpened = api.on('workspaceOpened', () => void refresh());
    const offChanged = api.on('workspaceChanged', (e) => {
      if (e.area === 'settings') void refresh();
    });
    return () => {
      offOpened();
      offChanged();
    };
  }

  return { current, opening, load, open, subscribe };
});
