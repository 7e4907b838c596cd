// What a workspace switch changes, told as the file changes a view already
// follows (workspaceChanged): the files only the old folder had are removed,
// those only the new one has are added, those both have changed. A view that
// refreshes on workspaceChanged thereby follows a switch with no more code.
import type { WorkspaceChange } from '../../workspace/watcher.ts';
import { workspaceFiles } from '../../workspace/watcher.ts';
import type { Workspace } from '../../workspace/workspace.ts';

export function switchChanges(previous: Workspace | undefined, next: Workspace): WorkspaceChange[] {
  const before = new Set(previous ? workspaceFiles(previous) : []);
  const after = new Set(workspaceFiles(next));
  const changes: WorkspaceChange[] = [];
  for (const rel of new Set([...before, ...after])) {
    const what = next.changeAreaOf(rel);
    if (!what) continue;
    changes.push({ ...what, change: !after.has(rel) ? 'removed' : before.has(rel) ? 'changed' : 'added' });
  }
  return changes;
}
