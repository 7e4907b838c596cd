// Watches the open workspace and reports each file that was added, changed
// or removed: once per save, although editors save in several steps (write a
// temporary file, rename it over, touch it again). Every change of one file
// inside a short quiet period is one report, and what it was (added, changed,
// removed) is decided by comparing with what the file was before, not by the
// steps the editor took. The Studio's own temporary files and .git are not
// reported.
import { statSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { WorkspaceEvents } from '../../shared/api/workspace-api.ts';
import { WORKSPACE_AREAS, type Workspace } from './workspace.ts';

export type WorkspaceChange = WorkspaceEvents['workspaceChanged'];

/** How long a file must be quiet before its change is reported. */
export const QUIET_MS = 150;

interface FileState {
  size: number;
  mtimeMs: number;
}

export class WorkspaceWatcher {
  readonly #known = new Map<string, FileState>();
  readonly #pending = new Map<string, NodeJS.Timeout>();
  #closed = false;

  private constructor(
    readonly workspace: Workspace,
    readonly watcher: FSWatcher,
    readonly onChange: (change: WorkspaceChange) => void,
    readonly quietMs: number,
  ) {}

  /** Watches @workspace; resolves once watching (changes from then on are reported). */
  static async start(
    workspace: Workspace,
    onChange: (change: WorkspaceChange) => void,
    quietMs = QUIET_MS,
  ): Promise<WorkspaceWatcher> {
    const fsWatcher = watch(workspace.dir, {
      ignoreInitial: true,
      depth: 1,
      // Dot files: .git, editors' swap files and the Workspace's own `.NAME.PID.tmp`.
      ignored: (p) => p !== workspace.dir && path.basename(p).startsWith('.'),
    });
    const w = new WorkspaceWatcher(workspace, fsWatcher, onChange, quietMs);
    for (const rel of workspaceFiles(workspace)) {
      const st = fileState(path.join(workspace.dir, rel));
      if (st) w.#known.set(rel, st);
    }
    for (const event of ['add', 'change', 'unlink'] as const) fsWatcher.on(event, (p: string) => w.#touched(p));
    fsWatcher.on('error', () => {}); // a folder vanishing under the watcher: its unlinks have been reported
    await new Promise<void>((resolve) => fsWatcher.once('ready', () => resolve()));
    return w;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
    await this.watcher.close();
  }

  #touched(absolute: string): void {
    const rel = path.relative(this.workspace.dir, absolute);
    if (!this.workspace.changeAreaOf(rel)) return;
    clearTimeout(this.#pending.get(rel));
    this.#pending.set(
      rel,
      setTimeout(() => this.#settle(rel), this.quietMs),
    );
  }

  #settle(rel: string): void {
    this.#pending.delete(rel);
    if (this.#closed) return;
    const what = this.workspace.changeAreaOf(rel);
    if (!what) return;
    const before = this.#known.get(rel);
    const now = fileState(path.join(this.workspace.dir, rel));
    if (now) this.#known.set(rel, now);
    else this.#known.delete(rel);
    const change = before ? (now ? 'changed' : 'removed') : now ? 'added' : undefined;
    // A file that came and went within the quiet period was never there for anyone,
    // and one that was only looked at (same size and time) did not change.
    if (!change || (change === 'changed' && before?.size === now?.size && before?.mtimeMs === now?.mtimeMs)) return;
    this.onChange({ ...what, change });
  }
}

/** The workspace's files that are reported, relative to its folder. */
export function workspaceFiles(workspace: Workspace): string[] {
  const out = WORKSPACE_AREAS.flatMap((area) => workspace.list(area).map((f) => path.join(area, f.name)));
  for (const top of ['collections.json', 'settings.json']) if (fileState(path.join(workspace.dir, top))) out.push(top);
  return out;
}

function fileState(file: string): FileState | undefined {
  const st = statSync(file, { throwIfNoEntry: false });
  return st?.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : undefined;
}
