// What the Studio remembers on this machine between runs (not in the
// workspace: another person cloning the workspace has their own): the last
// workspace, the recently opened ones, and the UI's state by key (open tab,
// theme, each view's selection). Kept in STATE-DIR/state.json, written whole
// or not at all; a damaged file is set aside, never fatal.
import { readFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { UiStateValue } from '../../shared/api/workspace-api.ts';
import { StudioError } from '../../shared/studio-api.ts';
import { writeWhole } from './workspace.ts';
import { makeDirectory } from '../make-directory.ts';

/** JSON bytes one UI state value may take, and all of them together. */
export const UI_VALUE_LIMIT = 64 * 1024;
export const UI_TOTAL_LIMIT = 1024 * 1024;
const RECENT_KEPT = 10;

/** Where this machine's Studio state lives unless told otherwise: its state.json and the TLS identity of serve and agent. */
export function defaultStateDir(): string {
  return path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'kucomms-studio');
}

const stateFileSchema = z.object({
  lastWorkspace: z.string().optional(),
  recentWorkspaces: z.array(z.string()).default([]),
  ui: z.record(z.string(), z.unknown()).default({}),
});

export class StateStore {
  /** Things the person should hear about (a damaged state file set aside). */
  readonly notices: string[] = [];
  #lastWorkspace: string | undefined;
  #recent: string[] = [];
  #ui = new Map<string, { value: UiStateValue; bytes: number }>();

  /** Reads @file (none: kept in memory only, e.g. an agent or a test). */
  constructor(readonly file?: string) {
    if (file) this.#load(file);
  }

  get lastWorkspace(): string | undefined {
    return this.#lastWorkspace;
  }

  /** Folders opened before, most recent first. */
  recentWorkspaces(): string[] {
    return [...this.#recent];
  }

  /** Records @dir as the workspace to open next time. */
  rememberWorkspace(dir: string): void {
    this.#lastWorkspace = dir;
    this.#recent = [dir, ...this.#recent.filter((d) => d !== dir)].slice(0, RECENT_KEPT);
    this.#save();
  }

  uiState(): Record<string, UiStateValue> {
    return Object.fromEntries([...this.#ui].map(([k, v]) => [k, v.value]));
  }

  /** Keeps @value under @key (null forgets it); throws E2BIG past the size limits, keeping what was there. */
  setUiState(key: string, value: UiStateValue): void {
    if (value === null) {
      if (this.#ui.delete(key)) this.#save();
      return;
    }
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > UI_VALUE_LIMIT)
      throw new StudioError({
        code: 'E2BIG',
        message: `UI state "${key}" is ${bytes} bytes of JSON; a value may take at most ${UI_VALUE_LIMIT}`,
      });
    const others = [...this.#ui].reduce((sum, [k, v]) => (k === key ? sum : sum + v.bytes), 0);
    if (others + bytes > UI_TOTAL_LIMIT)
      throw new StudioError({
        code: 'E2BIG',
        message: `UI state is full (${UI_TOTAL_LIMIT} bytes of JSON in all): "${key}" does not fit`,
      });
    this.#ui.set(key, { value, bytes });
    this.#save();
  }

  #load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // the first start
      this.notices.push(`cannot read the Studio's state ${file} (${(err as Error).message}); starting without it`);
      return;
    }
    let parsed: z.infer<typeof stateFileSchema>;
    try {
      parsed = stateFileSchema.parse(JSON.parse(text));
    } catch (err) {
      this.#setAside(
        file,
        err instanceof z.ZodError ? (err.issues[0]?.message ?? 'unexpected content') : (err as Error).message,
      );
      return;
    }
    this.#lastWorkspace = parsed.lastWorkspace;
    this.#recent = parsed.recentWorkspaces.slice(0, RECENT_KEPT);
    for (const [key, value] of Object.entries(parsed.ui))
      this.#ui.set(key, { value: value as UiStateValue, bytes: Buffer.byteLength(JSON.stringify(value)) });
  }

  /** Moves a damaged state file out of the way (the person may want to look at it) and starts afresh. */
  #setAside(file: string, why: string): void {
    const aside = `${file}.${new Date().toISOString().replace(/[:.]/g, '-')}.corrupt`;
    try {
      renameSync(file, aside);
      this.notices.push(
        `the Studio's state ${file} was damaged (${why}); it was set aside as ${aside} and the Studio starts afresh`,
      );
    } catch (err) {
      this.notices.push(
        `the Studio's state ${file} is damaged (${why}) and could not be set aside (${(err as Error).message})`,
      );
    }
  }

  #save(): void {
    if (!this.file) return;
    const state = { lastWorkspace: this.#lastWorkspace, recentWorkspaces: this.#recent, ui: this.uiState() };
    makeDirectory(path.dirname(this.file));
    writeWhole(this.file, `${JSON.stringify(state, null, 1)}\n`);
  }
}
