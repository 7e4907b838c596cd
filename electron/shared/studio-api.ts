// The Studio API: every call and event the renderer may use, defined once.
// Both transports implement exactly this table: Electron IPC (electron/main
// binds it to ipcMain, electron/preload exposes it one method per call) and
// WebSocket (electron/server, used by `kucomms-studio serve` for a browser and
// by `kucomms-studio agent` on a target board). The renderer never knows which
// one it runs over.
//
// How a renderer obtains the API object:
//
//   import { connectStudio } from '../../electron/shared/studio-client.ts';
//   const api = await connectStudio();      // picks the transport by itself
//   const targets = await api.listTargets({});
//   const stop = api.on('traffic', (t) => console.log(t.total));
//
// - In Electron, the preload script puts `window.kucommsStudio` in the page
//   (one function per call plus `on`); connectStudio() wraps it.
// - In a browser (serve mode), the page was opened as
//   `http://127.0.0.1:PORT/?token=TOKEN`; connectStudio() opens a WebSocket to
//   `/api?token=TOKEN` on the same origin and speaks the frames below.
//
// Every input is validated with its zod schema on the backend (whatever the
// transport) and a bad one is answered with a StudioError of code
// 'EINVAL_INPUT' naming the field. u64 values travel as decimal strings and
// bytes as base64 (electron/shared/message.ts), so every payload is JSON.
import { z } from 'zod';
import { analysisCalls } from './api/analysis-api.ts';
import type { CallSpec, EventPayloads } from './api/call-spec.ts';
import { captureCalls, captureEvents } from './api/captures-api.ts';
import { collectionCalls } from './api/collections-api.ts';
import { composerCalls } from './api/composer-api.ts';
import { layoutCalls } from './api/layouts-api.ts';
import { replayCalls, replayEvents } from './api/replay-api.ts';
import { ruleCalls, ruleEvents } from './api/rules-api.ts';
import { fuzzCalls, fuzzEvents } from './api/fuzz-api.ts';
import { scriptCalls, scriptEvents } from './api/scripts-api.ts';
import { sessionCalls, sessionEvents } from './api/session-api.ts';
import { targetCalls, targetEvents } from './api/targets-api.ts';
import { testCalls } from './api/tests-api.ts';
import { trafficCalls, trafficEvents, type FilterErrorData } from './api/traffic-api.ts';
import { workspaceCalls, workspaceEvents } from './api/workspace-api.ts';

// The areas' own types, for those who import the API as a whole.
export * from './api/shared-types.ts';
export * from './api/session-api.ts';
export * from './api/targets-api.ts';
export * from './api/composer-api.ts';
export * from './api/collections-api.ts';
export * from './api/traffic-api.ts';
export * from './api/analysis-api.ts';

// ---------------------------------------------------------------- the table

export const studioCalls = {
  ...sessionCalls,
  ...targetCalls,
  ...composerCalls,
  ...collectionCalls,
  ...trafficCalls,
  ...analysisCalls,
  ...workspaceCalls,
  ...layoutCalls,
  ...captureCalls,
  ...replayCalls,
  ...scriptCalls,
  ...testCalls,
  ...ruleCalls,
  ...fuzzCalls,
} as const;

/** Events the backend pushes; at most a few per second each (batched). */
export const studioEvents = {
  ...sessionEvents,
  ...targetEvents,
  ...trafficEvents,
  ...workspaceEvents,
  ...captureEvents,
  ...replayEvents,
  ...scriptEvents,
  ...ruleEvents,
  ...fuzzEvents,
} as const;

export type StudioCalls = typeof studioCalls;
export type StudioEvents = EventPayloads<typeof studioEvents>;
export type CallName = keyof StudioCalls;
export type EventName = keyof StudioEvents;
export type CallInput<K extends CallName> = z.input<StudioCalls[K]['input']>;
export type CallParsed<K extends CallName> = z.output<StudioCalls[K]['input']>;
export type CallResult<K extends CallName> = NonNullable<StudioCalls[K]['result']>;

export const CALL_NAMES = Object.keys(studioCalls) as CallName[];
export const EVENT_NAMES = Object.keys(studioEvents) as EventName[];

/** What a renderer holds: one async method per call, plus event subscription. */
export type StudioApi = { [K in CallName]: (input: CallInput<K>) => Promise<CallResult<K>> } & {
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: StudioEvents[E]) => void): () => void;
};

/** What the backend implements: the same calls, given validated input. */
export type StudioHandlers = { [K in CallName]: (input: CallParsed<K>) => Promise<CallResult<K>> };

/** The error every transport answers with. */
export interface StudioErrorData {
  /** An errno name ('ENOENT', 'EACCES', 'ENOBUFS', ...), 'EINVAL_INPUT', 'EFILTER', 'ENOCALL'. */
  code: string;
  message: string;
  /** EINVAL_INPUT: which input fields were wrong. */
  issues?: Array<{ path: string; message: string }>;
  /** EFILTER: where in the expression. */
  filter?: FilterErrorData;
}

export class StudioError extends Error {
  readonly code: string;
  readonly issues?: StudioErrorData['issues'];
  readonly filter?: FilterErrorData;

  constructor(data: StudioErrorData) {
    super(data.message);
    this.name = 'StudioError';
    this.code = data.code;
    if (data.issues) this.issues = data.issues;
    if (data.filter) this.filter = data.filter;
  }

  toJSON(): StudioErrorData {
    return {
      code: this.code,
      message: this.message,
      ...(this.issues ? { issues: this.issues } : {}),
      ...(this.filter ? { filter: this.filter } : {}),
    };
  }
}

/** Validates a call's input; throws StudioError 'EINVAL_INPUT' naming each bad field (not the call: the message is for people). */
export function parseCallInput<K extends CallName>(name: K, input: unknown): CallParsed<K> {
  const spec = studioCalls[name] as CallSpec<z.ZodType, unknown>;
  const r = spec.input.safeParse(input ?? {});
  if (r.success) return r.data as CallParsed<K>;
  const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(input)', message: i.message }));
  throw new StudioError({
    code: 'EINVAL_INPUT',
    message: issues.map((i) => `${i.path}: ${i.message}`).join('; '),
    issues,
  });
}

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(studioCalls, name);
}

// ---------------------------------------------------------------- WebSocket frames

/** Client -> server. */
export const requestFrame = z.object({ id: z.number().int().min(0), call: z.string(), input: z.unknown() }).strict();
export type RequestFrame = z.infer<typeof requestFrame>;

/** Server -> client: a reply, or an event. */
export type ReplyFrame = { id: number; result: unknown } | { id: number; error: StudioErrorData };
export type EventFrame = { event: EventName; payload: unknown };
