// Replays one direction of a capture into a live target and compares what
// comes back with what was captured: each reply is paired with its captured
// counterpart (by the layout's reply rule, e.g. the same id, else by order)
// and diffed field by field, volatile fields aside. Streams the capture, so
// memory holds only the replies still waiting for their partner.
import { setTimeout as sleep } from 'node:timers/promises';
import { isNote, linkName, type Direction, type Message, type SendHeader } from '../../../shared/message.ts';
import type { Layout } from '../../protocol/layout.ts';
import { VolatileFields, diffMessages, type FieldDiff } from '../../capture/diff.ts';
import { captureRecord, type CaptureRecord } from '../../capture/format.ts';
import type { CaptureWriter } from '../../capture/writer.ts';

/** What replay needs of a target (the Studio's Endpoint is one). */
export interface ReplayTarget {
  readonly target: string;
  /** Throws an Error with code 'ENOBUFS' when the send ring is full. */
  send(header: SendHeader, data?: Uint8Array): void;
  on(event: 'messages', listener: (messages: Message[]) => void): unknown;
  off(event: 'messages', listener: (messages: Message[]) => void): unknown;
}

/** Original timing scaled by @factor (2 = twice as fast), or as fast as possible. */
export type ReplaySpeed = { kind: 'timed'; factor: number } | { kind: 'max' };

export interface ReplayOptions {
  layout?: Layout;
  /** The captured target whose traffic is replayed; the capture's first when absent. */
  from?: string;
  /** Which captured direction is sent: 'tx' (default, what the Studio sent; of a monitored link, what its opener sent) or 'rx'. */
  direction?: Direction;
  /**
   * A monitored capture: the link whose side is replayed (linkName(), e.g.
   * kucomms_thermo#3, shm:demo#0), as a new opener; the first link of the
   * `from` target's records when absent. Drops and events are never sent.
   */
  link?: string;
  speed?: ReplaySpeed;
  /** Field paths to ignore, e.g. data.seconds, header.user_value. */
  volatile?: readonly string[];
  /** How long to wait for outstanding replies after the last send (ms). */
  waitMs?: number;
  /** Records everything sent and received during the replay. */
  record?: CaptureWriter;
  /** Called for each pairing as soon as it is known. */
  onResult?: (result: PairResult) => void;
  /** Called after each message sent. */
  onSent?: (sent: number) => void;
  /**
   * Stops the replay: nothing more is sent, nothing more is waited for, and
   * replies still unpaired are not reported (they were given no chance).
   */
  signal?: AbortSignal;
}

export type PairStatus = 'same' | 'different' | 'missing' | 'unexpected';

export interface PairResult {
  status: PairStatus;
  /** 1-based position among the captured replies ('unexpected': among the replayed) */
  index: number;
  captured?: CaptureRecord;
  replayed?: Message;
  diffs: FieldDiff[];
}

export interface ReplaySummary {
  from: string;
  sent: number;
  same: number;
  different: number;
  missing: number;
  unexpected: number;
}

const FULL_RETRY_MS = 1;
const DEFAULT_WAIT_MS = 1000;
const SETTLE_MS = 100;

export async function replay(
  records: AsyncIterable<CaptureRecord>,
  target: ReplayTarget,
  options: ReplayOptions = {},
): Promise<ReplaySummary> {
  const sendDir = options.direction ?? 'tx';
  const speed = options.speed ?? { kind: 'timed', factor: 1 };
  const volatile = new VolatileFields(options.volatile ?? []);
  const match = options.layout?.reply?.match ?? [];
  const keyOf = (m: Message): string =>
    match.map((k) => (k === 'user_value' ? m.userValue : m[k]).toString()).join(',');
  const summary: ReplaySummary = {
    from: options.from ?? '',
    sent: 0,
    same: 0,
    different: 0,
    missing: 0,
    unexpected: 0,
  };
  const report = (r: PairResult): void => {
    summary[r.status]++;
    options.onResult?.(r);
  };

  // Replies on each side waiting for their partner, per pairing key.
  const expected = new Map<string, Array<{ record: CaptureRecord; index: number }>>();
  const actual = new Map<string, Array<{ message: Message; index: number }>>();
  let expectedCount = 0;
  let actualCount = 0;
  let pending = 0;
  let lastArrival = Date.now();
  let wake: (() => void) | undefined;

  const pair = (record: CaptureRecord, message: Message, index: number): void => {
    pending--;
    const diffs = diffMessages(options.layout, record, message, volatile);
    report({ status: diffs.length === 0 ? 'same' : 'different', index, captured: record, replayed: message, diffs });
  };
  const onMessages = (batch: Message[]): void => {
    for (const received of batch) {
      options.record?.write(captureRecord(received, target.target));
      if (received.direction !== 'rx') continue;
      // A received batch's data may be reused once this call returns: keep a copy.
      const m: Message = { ...captureRecord(received, target.target), data: Uint8Array.from(received.data) };
      const key = keyOf(m);
      const waiting = expected.get(key)?.shift();
      if (waiting) {
        // Only awaited replies extend the wait: a peer that streams messages
        // of its own (longtest's sequence) must not keep replay waiting forever.
        lastArrival = Date.now();
        pair(waiting.record, m, waiting.index);
      } else {
        const list = actual.get(key) ?? [];
        list.push({ message: m, index: ++actualCount });
        actual.set(key, list);
      }
    }
    wake?.();
  };
  target.on('messages', onMessages);
  try {
    let firstTs: bigint | undefined;
    let start = 0;
    const signal = options.signal;
    signal?.addEventListener('abort', () => wake?.(), { once: true });
    for await (const r of records) {
      if (signal?.aborted) break;
      if (options.from === undefined) options = { ...options, from: r.target };
      summary.from = options.from ?? r.target;
      if (r.target !== summary.from) continue;
      if (r.origin) {
        if (isNote(r)) continue;
        if (options.link === undefined) options = { ...options, link: linkName(r.origin) };
        if (linkName(r.origin) !== options.link) continue;
      }
      if (r.direction !== sendDir) {
        // A captured reply: pair it now if its replayed partner came already.
        const index = ++expectedCount;
        const key = keyOf(r);
        pending++;
        const arrived = actual.get(key)?.shift();
        if (arrived) pair(r, arrived.message, index);
        else {
          const list = expected.get(key) ?? [];
          list.push({ record: r, index });
          expected.set(key, list);
        }
        continue;
      }
      if (speed.kind === 'timed') {
        if (firstTs === undefined) {
          firstTs = r.timestampNs;
          start = performance.now();
        }
        const due = start + Number(r.timestampNs - firstTs) / 1e6 / speed.factor;
        const delay = due - performance.now();
        if (delay > 0) await sleep(delay, undefined, signal ? { signal } : {}).catch(() => undefined);
        if (signal?.aborted) break;
      }
      await sendRetrying(target, r);
      summary.sent++;
      options.onSent?.(summary.sent);
    }
    // Wait for outstanding replies while they keep coming; once none is
    // outstanding, a short quiet spell more catches replies nobody expected.
    lastArrival = Date.now();
    const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
    const quietMs = (): number => (pending > 0 ? waitMs : Math.min(waitMs, SETTLE_MS));
    while (!signal?.aborted && Date.now() - lastArrival < quietMs()) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, Math.max(1, quietMs() - (Date.now() - lastArrival)));
      });
      wake = undefined;
    }
  } finally {
    target.off('messages', onMessages);
  }
  if (options.signal?.aborted) return summary;
  for (const list of expected.values())
    for (const { record, index } of list) report({ status: 'missing', index, captured: record, diffs: [] });
  for (const list of actual.values())
    for (const { message, index } of list) report({ status: 'unexpected', index, replayed: message, diffs: [] });
  return summary;
}

async function sendRetrying(target: ReplayTarget, r: CaptureRecord): Promise<void> {
  for (;;) {
    try {
      target.send({ type: r.type, id: r.id, userValue: r.userValue }, r.data);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOBUFS') throw err;
      await sleep(FULL_RETRY_MS);
    }
  }
}

export function isDifferent(s: ReplaySummary): boolean {
  return s.different + s.missing + s.unexpected > 0;
}
