// The Studio's workspace calls (electron/shared/api/workspace-api.ts): which
// folder is open, its files and settings, switching to another folder, and
// the UI state kept across restarts. While a folder is open it is watched,
// and what changes on disk is reloaded (layouts, collections, settings) and
// announced as workspaceChanged.
import path from 'node:path';
import type { workspaceCalls, WorkspaceView } from '../../../shared/api/workspace-api.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import { formatLayoutError } from '../../protocol/load-errors.ts';
import { formatSettings, readSettings } from '../../workspace/settings.ts';
import { WorkspaceWatcher, type WorkspaceChange } from '../../workspace/watcher.ts';
import { openWorkspaceFolder, writeWhole, WORKSPACE_AREAS, type Workspace } from '../../workspace/workspace.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';
import { switchChanges } from './workspace-switch.ts';

/** The protocol registry reloads the workspace's layouts when it offers reload(). */
type Reloadable = { reload?: () => void };

export class WorkspaceArea implements StudioArea<typeof workspaceCalls> {
  readonly handlers: AreaHandlers<typeof workspaceCalls>;
  #watcher: Promise<WorkspaceWatcher | undefined>;
  /** Why collections.json was not taken at start, told once through getWorkspace. */
  readonly #startNotices: string[] = [];

  constructor(readonly ctx: StudioContext) {
    this.handlers = {
      getWorkspace: async () => this.#view(),
      openWorkspace: async ({ dir }) => this.open(dir),
      listWorkspaceFiles: async ({ area }) => ctx.workspace().list(area),
      getSettings: async () => readSettings(ctx.workspace().settingsFile),
      setSettings: async ({ settings }) => {
        const file = ctx.workspace().settingsFile;
        writeWhole(file, formatSettings(settings));
        return readSettings(file);
      },
      getUiState: async () => ctx.state.uiState(),
      setUiState: async ({ key, value }) => {
        ctx.state.setUiState(key, value);
        return {};
      },
    };
    const workspace = this.#current();
    if (workspace) {
      ctx.state.rememberWorkspace(workspace.dir);
      const error = ctx.reloadCollections();
      if (error) this.#startNotices.push(error.message);
    }
    this.#watcher = workspace ? this.#watch(workspace) : Promise.resolve(undefined);
  }

  /** Resolves once the open workspace is watched (tests wait for it before changing files). */
  async watching(): Promise<void> {
    await this.#watcher;
  }

  /** Opens @dir as the workspace: everything follows it, and it is the one opened at the next start. */
  async open(dir: string): Promise<WorkspaceView> {
    const next = openWorkspaceFolder(dir);
    const previous = this.#current();
    if (previous?.dir === next.dir) return this.#view();
    await (await this.#watcher)?.close();
    this.ctx.setWorkspace(next);
    this.ctx.state.rememberWorkspace(next.dir);
    this.#reloadLayouts();
    const collectionsError = this.ctx.reloadCollections();
    if (collectionsError) this.ctx.emit('notice', { level: 'error', message: collectionsError.message });
    this.#watcher = this.#watch(next);
    await this.#watcher;
    this.ctx.emit('workspaceOpened', { dir: next.dir, name: path.basename(next.dir) });
    for (const change of switchChanges(previous, next)) this.ctx.emit('workspaceChanged', change);
    return this.#view();
  }

  async close(): Promise<void> {
    await (await this.#watcher)?.close();
  }

  #current(): Workspace | undefined {
    try {
      return this.ctx.workspace();
    } catch (err) {
      if (err instanceof StudioError && err.code === 'ENOENT') return undefined;
      throw err;
    }
  }

  #view(): WorkspaceView {
    const workspace = this.ctx.workspace();
    return {
      dir: workspace.dir,
      name: path.basename(workspace.dir),
      files: Object.fromEntries(WORKSPACE_AREAS.map((area) => [area, workspace.list(area)])) as WorkspaceView['files'],
      settings: readSettings(workspace.settingsFile),
      recent: this.ctx.state.recentWorkspaces(),
      notices: [...this.ctx.state.notices, ...this.#startNotices],
    };
  }

  async #watch(workspace: Workspace): Promise<WorkspaceWatcher> {
    return WorkspaceWatcher.start(workspace, (change) => this.#changed(workspace, change));
  }

  /** A file changed on disk: what the Studio holds of it is reloaded before the views hear of it. */
  #changed(workspace: Workspace, change: WorkspaceChange): void {
    if (change.area === 'layouts') this.#reloadLayouts();
    if (change.area === 'collections') {
      const error = this.ctx.reloadCollections();
      if (error) this.ctx.emit('notice', { level: 'error', message: error.message });
    }
    if (change.area === 'settings') {
      const { errors } = readSettings(workspace.settingsFile);
      if (errors.length > 0)
        this.ctx.emit('notice', {
          level: 'error',
          message: `settings.json is not taken: ${errors.map(formatLayoutError).join('; ')}`,
        });
    }
    this.ctx.emit('workspaceChanged', change);
  }

  #reloadLayouts(): void {
    try {
      (this.ctx.protocols as Reloadable).reload?.();
    } catch (err) {
      this.ctx.emit('notice', { level: 'error', message: `reloading the layouts: ${(err as Error).message}` });
    }
  }
}
