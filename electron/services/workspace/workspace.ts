// A workspace: a folder of plain files the Studio works in, meant to live in
// git. Each kind of file has its own sub-folder:
//
//   layouts/*.yaml      protocol layouts (protocols/README.md has the format)
//   scripts/*.ts        handler scripts (electron/services/scripts/script-api.ts)
//   captures/*.kucap    captures (electron/services/capture/format.ts)
//   reports/*.json      saved replay reports
//   collections.json    saved messages
//   settings.json       the workspace's settings
//
// File names given by a user (through the API) are checked here, so no
// caller can reach outside the folder.
import { accessSync, constants, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkspaceArea, WorkspaceChangeArea } from '../../shared/api/workspace-api.ts';
import { StudioError } from '../../shared/studio-api.ts';
import { makeDirectory } from '../make-directory.ts';

export const WORKSPACE_AREAS: readonly WorkspaceArea[] = ['layouts', 'scripts', 'captures', 'reports'];

/** The extensions each area's files have. */
export const AREA_EXTENSIONS: Record<WorkspaceArea, readonly string[]> = {
  layouts: ['.yaml', '.yml'],
  scripts: ['.ts', '.js', '.mjs'],
  captures: ['.kucap', '.pcapng'],
  reports: ['.json'],
};

const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/;

/**
 * Writes @file whole or not at all: a temporary `.NAME.PID.tmp` beside it
 * (a dot file, which the workspace watcher ignores) renamed over it.
 */
export function writeWhole(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function isAreaFileName(area: WorkspaceArea, name: string): boolean {
  return FILE_NAME.test(name) && AREA_EXTENSIONS[area].some((e) => name.endsWith(e));
}

export interface WorkspaceFile {
  name: string;
  size: number;
  /** Last modification, ms since the Unix epoch. */
  mtimeMs: number;
}

export class Workspace {
  readonly dir: string;

  /** Opens (creating if needed) the workspace folder @dir and its sub-folders. */
  constructor(dir: string) {
    this.dir = path.resolve(dir);
    try {
      for (const area of WORKSPACE_AREAS) makeDirectory(path.join(this.dir, area));
    } catch (err) {
      throw new StudioError({
        code: (err as NodeJS.ErrnoException).code ?? 'EIO',
        message: `cannot open workspace ${this.dir}: ${(err as Error).message}`,
      });
    }
  }

  get collectionsFile(): string {
    return path.join(this.dir, 'collections.json');
  }

  get settingsFile(): string {
    return path.join(this.dir, 'settings.json');
  }

  /** The path of file @name of @area; throws EINVAL_INPUT for a name that is not a plain file name of that area. */
  resolve(area: WorkspaceArea, name: string): string {
    if (!FILE_NAME.test(name) || name.includes('..'))
      throw new StudioError({
        code: 'EINVAL_INPUT',
        message: `"${name}" is not a valid file name: use letters, digits, _ . + - (no folders), at most 128 characters`,
      });
    const extensions = AREA_EXTENSIONS[area];
    if (!extensions.some((e) => name.endsWith(e)))
      throw new StudioError({
        code: 'EINVAL_INPUT',
        message: `"${name}": ${area} files end in ${extensions.join(' or ')}`,
      });
    return path.join(this.dir, area, name);
  }

  /**
   * What a path relative to the folder is to the workspace: an area's file, or
   * collections.json / settings.json; undefined for anything else (temporary
   * files, sub-folders, files of other kinds).
   */
  changeAreaOf(relative: string): { area: WorkspaceChangeArea; name: string } | undefined {
    const parts = relative.split(path.sep);
    if (parts.length === 1) {
      if (parts[0] === 'collections.json') return { area: 'collections', name: 'collections.json' };
      if (parts[0] === 'settings.json') return { area: 'settings', name: 'settings.json' };
      return undefined;
    }
    const [area, name] = parts as [WorkspaceArea, string];
    if (parts.length !== 2 || !WORKSPACE_AREAS.includes(area) || !isAreaFileName(area, name)) return undefined;
    return { area, name };
  }

  /** The files of @area, by name (none when its folder was removed). */
  list(area: WorkspaceArea): WorkspaceFile[] {
    const dir = path.join(this.dir, area);
    const out: WorkspaceFile[] = [];
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    for (const name of names) {
      if (!isAreaFileName(area, name)) continue;
      const st = statSync(path.join(dir, name), { throwIfNoEntry: false });
      if (st?.isFile()) out.push({ name, size: st.size, mtimeMs: st.mtimeMs });
    }
    return out;
  }

  readText(area: WorkspaceArea, name: string): string {
    const file = this.resolve(area, name);
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      throw new StudioError({
        code,
        message:
          code === 'ENOENT'
            ? `${area}/${name} does not exist in ${this.dir}`
            : `${area}/${name}: ${(err as Error).message}`,
      });
    }
  }

  /** Writes whole or not at all, so a watcher or a crash never sees half a file. */
  writeText(area: WorkspaceArea, name: string, text: string): void {
    writeWhole(this.resolve(area, name), text);
  }
}

/**
 * Opens the existing folder @dir (absolute, or starting with ~) as a
 * workspace; throws StudioError saying why when it is missing, not a folder,
 * or not readable and writable by the Studio.
 */
export function openWorkspaceFolder(dir: string): Workspace {
  const expanded = dir === '~' || dir.startsWith('~/') ? path.join(os.homedir(), dir.slice(1)) : dir;
  if (!path.isAbsolute(expanded))
    throw new StudioError({
      code: 'EINVAL_INPUT',
      message: `"${dir}" is not an absolute path: give the whole path of the folder (e.g. ${path.join(os.homedir(), 'my-protocol')})`,
    });
  const resolved = path.resolve(expanded);
  const st = statSync(resolved, { throwIfNoEntry: false });
  if (!st)
    throw new StudioError({
      code: 'ENOENT',
      message: `${resolved} does not exist: create the folder first, or give another one`,
    });
  if (!st.isDirectory())
    throw new StudioError({ code: 'ENOTDIR', message: `${resolved} is a file, not a folder: a workspace is a folder` });
  try {
    accessSync(resolved, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    throw new StudioError({ code: 'EACCES', message: `${resolved}: no permission to read and write in this folder` });
  }
  return new Workspace(resolved);
}
