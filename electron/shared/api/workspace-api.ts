// The Studio API's workspace calls and events: the folder of plain files
// (layouts/, scripts/, captures/, reports/, collections.json, settings.json)
// the Studio works in, and the state that survives a restart.
import type { CallTable } from './call-spec.ts';

/** The kinds of file a workspace holds, each in its own sub-folder. */
export type WorkspaceArea = 'layouts' | 'scripts' | 'captures' | 'reports';

export const workspaceCalls = {} satisfies CallTable;

export interface WorkspaceEvents {
  /** A file of the open workspace was created, changed or removed on disk (by the Studio or anyone else). */
  workspaceChanged: { area: WorkspaceArea | 'collections' | 'settings'; name: string; change: 'added' | 'changed' | 'removed' };
}

export const WORKSPACE_EVENTS: ReadonlyArray<keyof WorkspaceEvents> = ['workspaceChanged'];
