// What a handler script sees. A script is a TypeScript or JavaScript module
// exporting any of onMessage, onWork, onTimer: the three callbacks of a
// kucomms endpoint, on the same schedule (work 100 times a second, timer once
// a second), all called from the script's own worker thread, one at a time.
//
//   import type { ScriptContext, ScriptMessage } from 'kucomms:script';
//   export function onMessage(msg: ScriptMessage, ctx: ScriptContext) {
//     if (msg.type === 1n) ctx.send({ type: 2n, id: msg.id }, msg.data);
//   }
//   export function onTimer(ctx: ScriptContext) { console.log('alive'); }
//
// A callback that throws, or that runs so long it blocks the schedule (a
// loop that never ends), stops the script and is reported with its stack;
// so is a script that runs out of memory. The endpoint keeps running.
//
// Run with a protocol layout (run-script --layout FILE), each message also
// carries `decoded` and the script can answer in the protocol's terms; the
// layout's generated types are imported from 'kucomms:layout/NAME' (the
// Studio's editor resolves both modules; at run time they are empty):
//
//   import type { PingMessage } from 'kucomms:layout/ping';
//   export function onMessage(msg: ScriptMessage<DecodedAs<PingMessage>>, ctx: ScriptContext) {
//     if (msg.decoded?.kind === 'ping') ctx.sendDecoded('pong', { seq: msg.decoded.data.seq }, { id: msg.id });
//   }
import type { DecodeError, HeaderValue, StructValue } from '../protocol/values.ts';

/**
 * What the script's layout makes of a message: the codec's value object.
 * Decoding never throws: a message that does not fit its layout comes with
 * `error` and the fields as far as they decoded.
 */
export interface ScriptDecoded {
  /** The message kind's name; absent when no kind of the layout matches the header. */
  kind?: string;
  header: HeaderValue;
  /** The kind's fields (integers up to 48 bits are numbers, wider ones BigInt, enum values their names). */
  data: StructValue;
  /** Why the message does not fit: the field, its offset and what was expected there. */
  error?: DecodeError;
}

/**
 * Types a script's `decoded` with the message union `kucomms-studio gen ts
 * LAYOUT` generates (e.g. `ScriptMessage<DecodedAs<EchoMessage>>`): the
 * generated type where the message fits, else the partial value and error.
 */
export type DecodedAs<M> = (M & { error?: undefined }) | (ScriptDecoded & { error: DecodeError });

/** A received message. Header fields are BigInt (u64). */
export interface ScriptMessage<D = ScriptDecoded> {
  length: bigint;
  type: bigint;
  id: bigint;
  userValue: bigint;
  /** Wall-clock nanoseconds since the Unix epoch when the endpoint received it. */
  timestampNs: bigint;
  data: Uint8Array;
  /** Present when the script runs with a layout. */
  decoded?: D;
}

/** Header fields of a message to send; missing ones are 0. */
export interface ScriptSendHeader {
  type?: bigint | number;
  id?: bigint | number;
  userValue?: bigint | number;
}

export interface ScriptContext {
  /** The target the script is attached to. */
  readonly target: string;
  /** Sends a message on the target (a string is sent as UTF-8). */
  send(header: ScriptSendHeader, data?: Uint8Array | string): void;
  /**
   * The data bytes of message kind @kind with these field values (as
   * `decoded.data` has them; length fields may be left out). Throws an
   * EncodeError naming the field when a value does not fit, or when the
   * script runs without a layout.
   */
  encode(kind: string, fields: StructValue): Uint8Array;
  /**
   * Encodes and sends message kind @kind. The header values that select the
   * kind in the layout are filled in; @header gives the rest (a value that
   * would select another kind is an error).
   */
  sendDecoded(kind: string, fields: StructValue, header?: ScriptSendHeader): void;
}

export interface HandlerScript {
  onMessage?(msg: ScriptMessage, ctx: ScriptContext): unknown;
  onWork?(ctx: ScriptContext): unknown;
  onTimer?(ctx: ScriptContext): unknown;
}

export type CallbackName = 'load' | 'onMessage' | 'onWork' | 'onTimer';
export const CALLBACK_NAMES: readonly CallbackName[] = ['load', 'onMessage', 'onWork', 'onTimer'];

/** Work and timer periods, as a kucomms endpoint's. */
export const WORK_PERIOD_MS = 10;
export const TIMER_PERIOD_MS = 1000;

// Shared between the worker and the host (a Float64Array over a
// SharedArrayBuffer), so the host can read it while the worker is busy.
export const Slot = {
  /** Date.now() when the running callback started; 0 when idle. */
  BusySince: 0,
  /** Index in CALLBACK_NAMES of the running callback. */
  BusyCallback: 1,
  Messages: 2,
  WorkCalls: 3,
  TimerCalls: 4,
  WorkSkipped: 5,
  TimerSkipped: 6,
  Count: 7,
} as const;

/** Worker -> host messages. */
export type WorkerReport =
  | { kind: 'ready' }
  | { kind: 'send'; type: bigint; id: bigint; userValue: bigint; data: Uint8Array }
  | { kind: 'error'; callback: CallbackName; message: string; stack: string }
  /** The layout file could not be read or has errors (every one of them in message). */
  | { kind: 'layout-error'; message: string };

/** Host -> worker messages. */
export type HostCommand = { kind: 'messages'; messages: ScriptMessage[] } | { kind: 'stop' };

export interface WorkerData {
  file: string;
  target: string;
  shared: SharedArrayBuffer;
  /** A layout file to decode and encode with, loaded by the worker. */
  layout?: string;
}
