// The Studio API's workspace calls and events: the folder of plain files
// (layouts/, scripts/, captures/, reports/, collections.json, settings.json)
// the Studio works in, and the state that survives a restart.
import { z } from 'zod';
import { call, empty, event, type CallTable, type EventPayloads, type EventTable } from './call-spec.ts';

/** The kinds of file a workspace holds, each in its own sub-folder. */
export type WorkspaceArea = 'layouts' | 'scripts' | 'captures' | 'reports';

/** What a workspaceChanged event names: an area's file, or one of the two files at the top of the folder. */
export type WorkspaceChangeArea = WorkspaceArea | 'collections' | 'settings';

export const workspaceAreaInput = z.enum(['layouts', 'scripts', 'captures', 'reports']);

export interface WorkspaceFileView {
  name: string;
  size: number;
  /** Last modification, ms since the Unix epoch. */
  mtimeMs: number;
}

/** settings.json: what a workspace chooses for everyone who opens it (it lives in git with the layouts). */
export const workspaceSettingsSchema = z
  .object({
    /** The target the Composer and the scripts start with, e.g. "demo:echo" or "shm:sensor". */
    defaultTarget: z.string().min(1, 'expected a target name').max(512).optional(),
    /** The protocol (layout) each target decodes with when connected, by target name. */
    defaultLayouts: z
      .record(z.string().min(1).max(512), z.string().min(1, 'expected a protocol name').max(128))
      .optional(),
  })
  .strict();
export type WorkspaceSettings = z.infer<typeof workspaceSettingsSchema>;

/** A problem in a workspace file, where it is. Line and column are 1-based. */
export interface WorkspaceFileError {
  file: string;
  line: number;
  column: number;
  /** Where in the document, e.g. defaultLayouts.demo:echo; empty for a syntax error. */
  path: string;
  message: string;
}

export interface WorkspaceSettingsView {
  /** What settings.json says; the defaults ({}) while it is missing or malformed. */
  settings: WorkspaceSettings;
  /** Why settings.json was not taken, each problem with its position. */
  errors: WorkspaceFileError[];
}

export interface WorkspaceView {
  /** The folder, absolute. */
  dir: string;
  /** Its last path component, as the top bar shows it. */
  name: string;
  files: Record<WorkspaceArea, WorkspaceFileView[]>;
  settings: WorkspaceSettingsView;
  /** Folders opened before, most recent first (this one included). */
  recent: string[];
  /** Things the person should know about the Studio's state (e.g. a damaged state file set aside). */
  notices: string[];
}

/** A UI state key: views name theirs "view.what", e.g. "traffic.filter". */
const uiStateKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'a UI state key is letters, digits and _ . : -');

/** Any JSON value (the UI state keeps what the renderer gives it, within size limits). */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
const json: z.ZodType<Json> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]),
);

export const workspaceCalls = {
  getWorkspace: call<WorkspaceView>()(
    empty,
    'The open workspace: its folder, its files by area, its settings and the recently opened folders.',
  ),
  openWorkspace: call<WorkspaceView>()(
    z.object({ dir: z.string().trim().min(1, 'expected a folder path').max(4096) }).strict(),
    'Opens another folder as the workspace (creating its sub-folders); layouts, collections, scripts and captures follow it. Remembered for the next start.',
  ),
  listWorkspaceFiles: call<WorkspaceFileView[]>()(
    z.object({ area: workspaceAreaInput }).strict(),
    'The files of one area of the open workspace, by name.',
  ),
  getSettings: call<WorkspaceSettingsView>()(
    empty,
    "The open workspace's settings.json, with the errors that kept it from being taken.",
  ),
  setSettings: call<WorkspaceSettingsView>()(
    z.object({ settings: workspaceSettingsSchema }).strict(),
    "Replaces the open workspace's settings.json (written whole or not at all).",
  ),
  getUiState: call<Record<string, Json>>()(
    empty,
    'Every UI state value kept for this machine (open tab, theme, selections), by key.',
  ),
  setUiState: call<Record<string, never>>()(
    z.object({ key: uiStateKey, value: json }).strict(),
    'Keeps one UI state value across restarts (null forgets it). A value may take 64 KiB of JSON, all of them 1 MiB.',
  ),
} satisfies CallTable;

export type UiStateValue = Json;

export const workspaceEvents = {
  workspaceChanged: event<{ area: WorkspaceChangeArea; name: string; change: 'added' | 'changed' | 'removed' }>(
    'A file of the open workspace was created, changed or removed on disk (by the Studio or anyone else).',
  ),
  workspaceOpened: event<{ dir: string; name: string }>(
    'Another folder was opened as the workspace. workspaceChanged events for the files that differ between the two ' +
      'folders follow, so a view that follows workspaceChanged needs nothing more.',
  ),
} satisfies EventTable;

export type WorkspaceEvents = EventPayloads<typeof workspaceEvents>;
