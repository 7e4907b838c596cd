// What an editor of a workspace file (a layout, a script) does when the
// open file changes on disk: a removal is said, and the file is written
// again on the next save; new text replaces the editor's when it has no
// unsaved edits, and otherwise raises `changedOnDisk` (FileChangedBanner
// asks which to keep). Our own save, coming back from the watcher, changes
// nothing.
import { ref, type Ref } from 'vue';
import type { useNoticesStore } from '../stores/notices.ts';

type Notices = Pick<ReturnType<typeof useNoticesStore>, 'push' | 'report'>;

export interface EditedFile {
  /** The text as last read or saved. */
  savedText: Ref<string>;
  /** The text in the editor. */
  text: Ref<string>;
  /** Whether the editor holds unsaved edits. */
  dirty: Readonly<Ref<boolean>>;
}

export function useDiskChanges(file: EditedFile, notices: Notices) {
  /** The open file changed on disk while it had unsaved edits. */
  const changedOnDisk = ref(false);

  /**
   * The open file, @path in the workspace, had @change on disk: @read reads its new text, @reload puts it in the
   * editor when that loses nothing.
   */
  async function fileChanged<T extends { text: string }>(
    path: string,
    change: 'added' | 'changed' | 'removed',
    read: () => Promise<T>,
    reload: (file: T) => void,
  ): Promise<void> {
    if (change === 'removed') {
      notices.push('warning', `${path} was removed on disk; save to write it again`);
      file.savedText.value = '';
      return;
    }
    try {
      const r = await read();
      if (r.text === file.savedText.value || r.text === file.text.value) {
        file.savedText.value = r.text; // our own save, or the same text
        return;
      }
      if (!file.dirty.value) reload(r);
      else changedOnDisk.value = true;
    } catch (err) {
      notices.report(`Reading ${path}`, err);
    }
  }

  return { changedOnDisk, fileChanged };
}
