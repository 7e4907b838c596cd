// The Studio API's handler-script calls: the workspace's scripts (list, read,
// save, create from a template), running and stopping one against a target,
// its output and why it stopped, and completion and type errors while
// editing it.
//
// A script names the layout it is typed for in a type-only import of the
// generated types: `import type { EchoMessage } from 'kucomms:layout/echo'`;
// the script API's types come from 'kucomms:script'. Both modules exist for
// the editor's language service and, empty, for the runner.
import { z } from 'zod';
import { LIMITS, limitMessage, utf8Bytes } from '../limits.ts';
import { call, empty, event, targetName, type CallTable, type EventPayloads, type EventTable } from './call-spec.ts';

/** A script file of the workspace's scripts/ folder. */
export interface ScriptFile {
  name: string;
  size: number;
  /** Last modification, ms since the Unix epoch. */
  mtimeMs: number;
}

export interface ScriptSourceLocation {
  /** The script's name in the workspace (or the file's path when it is not a workspace script). */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** Why a run stopped. */
export interface ScriptStopView {
  /**
   * stopped: asked to (or the worker ended); error: a callback threw;
   * runaway: a callback ran too long; out-of-memory: the heap limit;
   * layout: the layout to decode with did not load.
   */
  reason: 'stopped' | 'error' | 'runaway' | 'out-of-memory' | 'layout';
  /** One sentence for people, with file:line when known. */
  message: string;
  /** The callback that was running (onMessage, onWork, onTimer, or load). */
  callback?: string;
  location?: ScriptSourceLocation;
  stack?: string;
}

export interface ScriptCountsView {
  /** Messages handed to the script. */
  messages: number;
  /** Messages the script sent. */
  sends: number;
  workCalls: number;
  timerCalls: number;
}

export interface ScriptRunView {
  run: string;
  script: string;
  target: string;
  /** The layout its messages are decoded with; absent: none. */
  protocol?: string;
  state: 'running' | 'stopped';
  /** ms since the Unix epoch. */
  startedAt: number;
  counts: ScriptCountsView;
  /** Output lines left out because the script printed faster than the cap. */
  droppedLines: number;
  stop?: ScriptStopView;
}

export interface ScriptCompletionOption {
  label: string;
  /** CodeMirror's completion types: property, method, function, variable, class, interface, enum, type, keyword, text. */
  type: string;
  /** The declared type, when the list is short enough to ask for it. */
  detail?: string;
  info?: string;
}

export interface ScriptCompletions {
  /** Offset (0-based, in the text) where the completed word starts. */
  from: number;
  options: ScriptCompletionOption[];
}

export interface ScriptDiagnostic {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  endLine: number;
  endColumn: number;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

const scriptName = z.string().min(1, 'expected a script name').max(128);
const protocolName = z.string().min(1).max(200);
const runId = z.string().min(1).max(64);
/** Script text as an editor holds it. */
const scriptText = z
  .string()
  .refine((t) => utf8Bytes(t) <= LIMITS.scriptBytes, limitMessage('a script', LIMITS.scriptBytes));

export const scriptCalls = {
  listScripts: call<ScriptFile[]>()(empty, 'the handler scripts of the workspace (scripts/*.ts, .js, .mjs)'),
  readScript: call<{ name: string; text: string }>()(
    z.object({ name: scriptName }).strict(),
    'the text of a workspace script',
  ),
  saveScript: call<ScriptFile>()(
    z.object({ name: scriptName, text: scriptText }).strict(),
    'writes a workspace script (whole or not at all)',
  ),
  createScript: call<{ name: string; text: string }>()(
    z.object({ name: scriptName, protocol: protocolName.optional() }).strict(),
    'creates a script from the template: typed with the layout `protocol` (default echo), answering a message; EEXIST when the name is taken',
  ),
  runScript: call<{ run: string }>()(
    z.object({ name: scriptName, target: targetName, protocol: protocolName.nullable().optional() }).strict(),
    "runs the SAVED script on an open target, its messages decoded with `protocol` (default: the target's layout; null: none)",
  ),
  stopScript: call<ScriptRunView>()(z.object({ run: runId }).strict(), 'stops a running script'),
  listRuns: call<ScriptRunView[]>()(
    empty,
    'the runs of this session, running and recently stopped, with counts and why they stopped',
  ),
  scriptCompletions: call<ScriptCompletions>()(
    z.object({ text: scriptText, offset: z.number().int().min(0) }).strict(),
    "what may be typed at `offset` of a script's text (a TypeScript language service over the script, the script API and the imported layouts' types)",
  ),
  scriptDiagnostics: call<ScriptDiagnostic[]>()(
    z.object({ text: scriptText, protocol: protocolName.nullable().optional() }).strict(),
    "type errors of a script's text with line and column; with `protocol` (the layout it will run with), a warning when it imports another layout's types",
  ),
} satisfies CallTable;

export const scriptEvents = {
  scriptOutput: event<{ run: string; lines: string[]; dropped?: number }>(
    'Lines a running script printed, a few batches a second; `dropped`: lines left out since the last batch (the cap).',
  ),
  scriptState: event<{ run: string; state: 'running' | 'stopped'; stop?: ScriptStopView }>(
    'A run started or stopped (with why).',
  ),
} satisfies EventTable;

export type ScriptEvents = EventPayloads<typeof scriptEvents>;
