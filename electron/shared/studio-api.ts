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
import { CAPTURE_EVENTS, captureCalls, type CaptureEvents } from './api/captures-api.ts';
import { call, empty, targetName, type CallSpec } from './api/call-spec.ts';
import { LAYOUT_EVENTS, layoutCalls, type LayoutEvents } from './api/layouts-api.ts';
import { REPLAY_EVENTS, replayCalls, type ReplayEvents } from './api/replay-api.ts';
import { SCRIPT_EVENTS, scriptCalls, type ScriptEvents } from './api/scripts-api.ts';
import { WORKSPACE_EVENTS, workspaceCalls, type WorkspaceEvents } from './api/workspace-api.ts';
import type { MessageJson } from './message.ts';
import type { TargetKind } from './target.ts';

// ---------------------------------------------------------------- inputs

/** A u64 as a user types it in the API: decimal or 0x hex, as a string. */
const u64Text = z
  .string()
  .trim()
  .regex(/^(0x[0-9a-fA-F]{1,16}|0|[1-9][0-9]{0,19})$/, 'expected a u64: decimal digits or 0x and up to 16 hex digits')
  .refine((s) => BigInt(s) < 1n << 64n, 'value exceeds 2^64-1');

const base64 = z.string().base64('expected base64 bytes');

/** Message header fields a sender chooses; the length follows from the data. */
export const sendHeaderInput = z.object({ type: u64Text, id: u64Text, userValue: u64Text }).strict();

/** The data of a message to send: raw bytes, or a layout's kind with field values. */
export const sendBodyInput = z.discriminatedUnion('format', [
  z.object({ format: z.literal('raw'), data: base64 }).strict(),
  z
    .object({
      format: z.literal('layout'),
      protocol: z.string().min(1),
      /** The message kind's name; omitted: the kind the header selects. */
      kind: z.string().min(1).optional(),
      /** Field values as decode returns them (u64 as decimal strings, bytes as hex). */
      fields: z.record(z.string(), z.unknown()),
    })
    .strict(),
]);

export const sendInput = z
  .object({
    target: targetName,
    header: sendHeaderInput,
    body: sendBodyInput,
    /** Copies to send, ids counting up from header.id. */
    count: z.number().int().min(1).max(10_000_000).default(1),
  })
  .strict();

export const periodicInput = sendInput
  .extend({ periodMs: z.number().int().min(1, 'the period is at least 1 ms').max(3_600_000) })
  .strict();

/** Where Traffic reads rows: 'live' (the traffic store, when absent) or the name of a capture opened with openCapture. */
export const trafficSource = z.string().min(1, 'expected "live" or an open capture\'s name').max(200).optional();

export const windowInput = z
  .object({
    source: trafficSource,
    /** The view to read (see setFilter); 'all' is every stored row. */
    view: z.string().min(1).default('all'),
    /** First row of the view, 0-based. */
    start: z.number().int().min(0),
    /** Rows wanted; fewer come back at the end of the view. */
    count: z.number().int().min(0).max(5000, 'at most 5000 rows per window'),
  })
  .strict();

export const collectionMessageInput = z
  .object({ name: z.string().min(1).max(200), header: sendHeaderInput, body: sendBodyInput })
  .strict();

export const agentInput = z
  .object({
    /** ws://HOST:PORT or wss://HOST:PORT */
    url: z.string().regex(/^wss?:\/\/[^/\s?#]+:[0-9]{1,5}\/?$/, 'expected ws://HOST:PORT or wss://HOST:PORT'),
    token: z.string().min(16, 'the token is the one the agent printed (at least 16 characters)').max(256),
    /** wss only: the SHA-256 fingerprint the agent printed (AA:BB:...). */
    fingerprint: z
      .string()
      .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, 'expected a SHA-256 fingerprint: 32 hex bytes separated by colons')
      .optional(),
  })
  .strict();

// ---------------------------------------------------------------- results

export type TargetState = 'closed' | 'opening' | 'open' | 'down';

export interface TargetCounters {
  sent: string;
  received: string;
  bytesSent: string;
  bytesReceived: string;
  /** Sends refused because the ring was full. */
  fullEvents: string;
  /** Share of the send ring in use, 0..1. */
  txFill: number;
  /** Share of the receive ring waiting to be read, 0..1. */
  rxFill: number;
  /** Sends the peer says it had refused because its ring (our receive ring) was full. */
  peerFullEvents: string;
}

export interface TargetView {
  /** The name to pass to connect/send: /dev/kucomms_X, demo:echo, ws://H:P/demo:echo ... */
  target: string;
  kind: TargetKind;
  description: string;
  state: TargetState;
  /** The agent this target lives behind (remote targets only). */
  agent?: string;
  /** The layout messages of this target are decoded with. */
  protocol?: string;
  counters?: TargetCounters;
  /** Why the last open failed or the link went down. */
  error?: string;
}

export interface AgentView {
  url: string;
  state: 'connected' | 'down';
  /** The pinned certificate fingerprint (wss). */
  fingerprint?: string;
  error?: string;
}

/** One row of the traffic table. u64s as decimal strings. */
export interface TrafficRow {
  /** Position in the store (not in the view): stable, use it for details. */
  row: number;
  timestampNs: string;
  direction: 'rx' | 'tx';
  target: string;
  type: string;
  id: string;
  userValue: string;
  length: number;
  /** The layout's message kind, when the target has a layout and one matched. */
  kind?: string;
  /** One line of decoded fields (cut to about 160 characters). */
  summary: string;
}

export interface TrafficWindow {
  view: string;
  /** Rows in the view (paused: as of the pause). */
  total: number;
  start: number;
  rows: TrafficRow[];
}

/** The field tree of a message, offsets counted from the header's first byte. */
export interface FieldNodeJson {
  name: string;
  path: string;
  offset: number;
  size: number;
  type: string;
  /** Leaves: the value as JSON (u64 as decimal string, bytes as hex). */
  value?: unknown;
  display?: string;
  bits?: { at: number; width: number };
  alias?: string;
  volatile?: boolean;
  children?: FieldNodeJson[];
}

export interface DecodedJson {
  kind?: string;
  tree: FieldNodeJson[];
  /** Where decoding stopped, if it did: field path, byte offset, message. */
  error?: { path: string; offset: number; message: string };
}

export interface TrafficDetail {
  row: TrafficRow;
  message: MessageJson;
  /** The whole message, header included, base64: what the hex dump shows. */
  bytes: string;
  /** Absent when the target has no layout. */
  decoded?: DecodedJson;
}

export interface FilterResult {
  /** The view id to pass to window(). */
  view: string;
  /** Rows matching so far; grows as messages arrive. */
  total: number;
  /** How long filtering the stored rows took. */
  ms: number;
}

/** A located filter error: `position` is the 0-based character offset. */
export interface FilterErrorData {
  expression: string;
  position: number;
  message: string;
}

export interface EncodedJson {
  /** The whole message, header included, base64. */
  bytes: string;
  decoded: DecodedJson;
}

/** Names of an enum's values or of a flags set's bits (value: decimal string). */
export type ValueNamesJson = Array<{ value: string; name: string }>;

/** How many bytes (size) or elements (count) a field has. */
export type LengthJson = { fixed: number } | { rest: true } | { field: string } | { prefix: true };

/** A layout field as the composer's form needs it (protocols/README.md has the format). */
export interface FieldSchemaJson {
  name: string;
  doc?: string;
  kind: 'int' | 'float' | 'bool' | 'bytes' | 'string' | 'struct';
  /** The type's name as a decoded message's field tree shows it: u16, s24, u48be, f32, bytes, or the struct's name. */
  type: string;
  /** int, float: width in bits */
  bits?: number;
  signed?: boolean;
  enum?: ValueNamesJson;
  flags?: ValueNamesJson;
  /** An int split in bit fields: each edited on its own. */
  subfields?: Array<{ name: string; at: number; width: number; enum?: ValueNamesJson }>;
  /** bytes, string */
  size?: LengthJson;
  /** Present: an array of this many elements. */
  count?: LengthJson;
  /** struct */
  fields?: FieldSchemaJson[];
}

export interface LayoutSummary {
  protocol: string;
  file: string;
  doc?: string;
  /** What the protocol calls each header field, and its enum if it has one. */
  header: Record<'type' | 'id' | 'user_value', { name: string; doc?: string; enum?: ValueNamesJson }>;
  kinds: Array<{
    name: string;
    doc?: string;
    when: Partial<Record<'type' | 'id' | 'user_value', string>>;
    /** The kind's data fields, in order. */
    fields: FieldSchemaJson[];
  }>;
}

export interface CollectionMessage {
  name: string;
  header: z.infer<typeof sendHeaderInput>;
  body: z.infer<typeof sendBodyInput>;
}

export interface Collection {
  name: string;
  messages: CollectionMessage[];
}

export interface RatePoint {
  /** Start of the second, ms since the Unix epoch. */
  t: number;
  rx: number;
  tx: number;
}

export interface Hello {
  /** 'electron' | 'serve' (a browser) | 'agent' (a target board) */
  mode: 'electron' | 'serve' | 'agent';
  version: string;
  /** The target the Studio opens on start-up (demo:echo unless told otherwise). */
  defaultTarget?: string;
}

// ---------------------------------------------------------------- the table

/** Targets, sending, collections and traffic; the other areas' calls are in ./api/. */
const coreCalls = {
  hello: call<Hello>()(empty, 'who is answering, and how it was started'),

  // targets
  listTargets: call<TargetView[]>()(empty, 'devices, demo peers and remote agents\' targets, with state and counters'),
  connect: call<TargetView>()(
    z.object({ target: targetName, protocol: z.string().min(1).optional() }).strict(),
    'opens a target; its messages then flow into the traffic store, decoded with `protocol` if given',
  ),
  disconnect: call<TargetView>()(z.object({ target: targetName }).strict(), 'closes a target'),
  setProtocol: call<TargetView>()(
    z.object({ target: targetName, protocol: z.string().min(1).nullable() }).strict(),
    'decodes a target\'s messages with this layout (null: none) from now on, in the table and filters',
  ),
  createDevice: call<TargetView[]>()(z.object({ name: z.string().min(1).max(63) }).strict(), 'creates /dev/NAME (root only)'),
  removeDevice: call<TargetView[]>()(z.object({ name: z.string().min(1).max(63) }).strict(), 'removes /dev/NAME (root only)'),

  // remote agents
  addAgent: call<AgentView>()(agentInput, 'connects to a kucomms-studio agent; its targets join listTargets'),
  removeAgent: call<AgentView[]>()(z.object({ url: agentInput.shape.url }).strict(), 'disconnects from an agent'),
  listAgents: call<AgentView[]>()(empty, 'the agents added'),

  // composer
  listProtocols: call<LayoutSummary[]>()(empty, 'the layouts in protocols/ (and those opened)'),
  encode: call<EncodedJson>()(
    z.object({ header: sendHeaderInput, body: sendBodyInput }).strict(),
    'the bytes and field tree a message would have, without sending it (the composer\'s hex view)',
  ),
  send: call<{ sent: number }>()(sendInput, 'sends a message, or `count` copies with ids counting up'),
  startPeriodic: call<{ periodic: string }>()(periodicInput, 'sends the message every periodMs until stopPeriodic'),
  stopPeriodic: call<{ sent: number }>()(z.object({ periodic: z.string().min(1) }).strict(), 'stops a periodic send'),

  // collections
  listCollections: call<Collection[]>()(empty, 'named collections of saved messages'),
  saveMessage: call<Collection>()(
    z.object({ collection: z.string().min(1).max(200), message: collectionMessageInput }).strict(),
    'adds (or replaces, by name) a message in a collection, creating the collection',
  ),
  removeMessage: call<Collection[]>()(
    z.object({ collection: z.string().min(1), name: z.string().min(1) }).strict(),
    'removes a message from a collection (an emptied collection goes too)',
  ),

  // traffic
  window: call<TrafficWindow>()(windowInput, 'rows start .. start+count of a view'),
  setFilter: call<FilterResult>()(
    z.object({ source: trafficSource, expression: z.string().max(4000) }).strict(),
    'filters the store (or an open capture) by an expression (docs in electron/services/studio/traffic/filter-grammar.md); an empty one shows all',
  ),
  detail: call<TrafficDetail>()(z.object({ source: trafficSource, row: z.number().int().min(0) }).strict(), 'one stored row (live or of an open capture): message, bytes, field tree'),
  pause: call<{ total: number }>()(empty, 'freezes the views at their current length; messages keep being stored'),
  resume: call<{ total: number }>()(empty, 'lets the views catch up with everything stored while paused'),
  clear: call<{ total: number }>()(empty, 'forgets every stored row'),
  rate: call<RatePoint[]>()(
    z.object({ seconds: z.number().int().min(1).max(3600).default(60) }).strict(),
    'messages per second over the last `seconds` seconds, one point per second',
  ),
} as const;

export const studioCalls = { ...coreCalls, ...workspaceCalls, ...layoutCalls, ...captureCalls, ...replayCalls, ...scriptCalls } as const;

/** Events the backend pushes; at most a few per second each (batched). */
interface CoreEvents {
  /** The target list or a target's state or counters changed. */
  targets: TargetView[];
  /** The store grew (or was cleared). Fetch the rows you show with window(). */
  traffic: { total: number; views: Record<string, number>; paused: boolean };
  /** The last second's message counts, once a second while there is traffic. */
  rate: RatePoint;
  /** Something failed in the background (a periodic send, an agent link). */
  notice: { level: 'info' | 'warning' | 'error'; message: string };
  /** Messages of one target, as they arrive (agents send these to the Studio). */
  messages: { target: string; messages: MessageJson[] };
}

export interface StudioEvents extends CoreEvents, WorkspaceEvents, LayoutEvents, CaptureEvents, ReplayEvents, ScriptEvents {}

export type StudioCalls = typeof studioCalls;
export type CallName = keyof StudioCalls;
export type EventName = keyof StudioEvents;
export type CallInput<K extends CallName> = z.input<StudioCalls[K]['input']>;
export type CallParsed<K extends CallName> = z.output<StudioCalls[K]['input']>;
export type CallResult<K extends CallName> = NonNullable<StudioCalls[K]['result']>;

export const CALL_NAMES = Object.keys(studioCalls) as CallName[];
export const EVENT_NAMES: readonly EventName[] = [
  'targets',
  'traffic',
  'rate',
  'notice',
  'messages',
  ...WORKSPACE_EVENTS,
  ...LAYOUT_EVENTS,
  ...CAPTURE_EVENTS,
  ...REPLAY_EVENTS,
  ...SCRIPT_EVENTS,
];

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

/** Validates a call's input; throws StudioError 'EINVAL_INPUT' naming each bad field. */
export function parseCallInput<K extends CallName>(name: K, input: unknown): CallParsed<K> {
  const spec = studioCalls[name] as CallSpec<z.ZodType, unknown>;
  const r = spec.input.safeParse(input ?? {});
  if (r.success) return r.data as CallParsed<K>;
  const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(input)', message: i.message }));
  throw new StudioError({
    code: 'EINVAL_INPUT',
    message: `${name}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
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
