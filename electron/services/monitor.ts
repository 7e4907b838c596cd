// A monitor target (`monitor:/dev/kucomms_NAME`, `monitor:/dev/kucomms`,
// `monitor:shm:NAME`) as the Studio uses it: the traffic of links it takes
// no part in, read through libkucomms's monitor (the addon's Monitor), as
// Messages that carry their origin (device, link, pid, process). Drops and
// link events come in order among them as notes (origin.note), so whoever
// shows or records the stream shows them where they happened.
//
//   const mon = await MonitorEndpoint.open('monitor:shm:demo');
//   mon.on('messages', (msgs) => { for (const m of msgs) console.log(m.origin?.process, m.id); });
//   await mon.close();
import { EventEmitter } from 'node:events';
import type { Direction, Message, MessageOrigin } from '../shared/message.ts';
import { parseTarget } from '../shared/target.ts';
import { Backlog } from './backlog.ts';
import { kucommsError, type KucommsError } from './endpoint.ts';
import { loadBinding, type Binding } from './native-binding.ts';

export type MonitorOptions = Binding.MonitorOptions;

/** The Studio's monitors keep whole messages, in a 4 MiB ring. */
const DEFAULT_CAPACITY = 4 << 20;

export interface MonitorEvents {
  /** Messages and notes in the order the monitor gave them. */
  messages: [messages: Message[]];
  /** The monitor ended: the publishing program closed the link, or the kernel stopped it. */
  down: [error: KucommsError];
  closed: [];
  newListener: [event: string | symbol, listener: unknown];
}

export interface MonitorCounters extends Binding.MonitorCounters {
  /** Messages seen, by direction, and messages lost to the monitor (the sum of its drop notes). */
  tx: bigint;
  rx: bigint;
  dropped: bigint;
}

// kucomms_mon_record (linux/kucomms.h); offsets as native/addon/kucomms.d.ts documents them.
const KIND_MESSAGE = 1;
const KIND_DROP = 2;
const DIR_TO_MODULE = 1;
const NO_LINK = 0xffff_ffff;
const EVENT_NAMES = [
  'unknown',
  'device-create',
  'device-remove',
  'module-up',
  'module-down',
  'link-open',
  'link-hangup',
  'link-close',
];

function cString(b: Buffer, at: number, size: number): string {
  const end = b.indexOf(0, at);
  return b.toString('utf8', at, end < 0 || end > at + size ? at + size : end);
}

/** Decodes a batch of monitor records (the addon's MonitorBatchCallback) into Messages with origins. */
export function decodeMonitorBatch(batch: Buffer, count: number, recordSize: number): Message[] {
  const out = new Array<Message>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + recordSize > batch.length)
      throw new Error(`monitor batch of ${count} records ends early, at record ${i} (byte ${at} of ${batch.length})`);
    const kind = batch.readUInt16LE(at + 8);
    const dir = batch.readUInt8(at + 10);
    const linkId = batch.readUInt32LE(at + 12);
    const caplen = batch.readUInt32LE(at + 20);
    const origin: MessageOrigin = {
      device: cString(batch, at + 48, 64),
      ...(linkId !== NO_LINK ? { link: linkId } : {}),
      pid: batch.readInt32LE(at + 16),
      process: cString(batch, at + 32, 16),
    };
    if (kind !== KIND_MESSAGE) {
      origin.note = kind === KIND_DROP ? 'drop' : (EVENT_NAMES[batch.readUInt8(at + 11)] ?? 'unknown');
      origin.value = batch.readBigUInt64LE(at + 24);
    }
    const data = Buffer.from(batch.subarray(at + recordSize, at + recordSize + caplen));
    const direction: Direction = dir === DIR_TO_MODULE ? 'tx' : 'rx';
    out[i] = {
      direction,
      timestampNs: batch.readBigUInt64LE(at),
      // The Studio keeps whole messages (snaplen 0), so the data is all there and the length is its own.
      length: BigInt(caplen),
      type: kind === KIND_MESSAGE ? batch.readBigUInt64LE(at + 120) : 0n,
      id: kind === KIND_MESSAGE ? batch.readBigUInt64LE(at + 128) : 0n,
      userValue: kind === KIND_MESSAGE ? batch.readBigUInt64LE(at + 136) : 0n,
      data,
      origin,
    };
    at += recordSize + ((caplen + 7) & ~7);
  }
  if (at !== batch.length)
    throw new Error(`monitor batch of ${count} records ends at byte ${at} but holds ${batch.length}`);
  return out;
}

export class MonitorEndpoint extends EventEmitter<MonitorEvents> {
  readonly target: string;
  #native: Binding.Monitor | undefined;
  readonly #backlog = new Backlog((messages) => this.emit('messages', messages));
  #tx = 0n;
  #rx = 0n;
  #dropped = 0n;

  private constructor(target: string) {
    super();
    this.target = target;
    this.on('newListener', (event) => {
      if (event === 'messages') this.#backlog.release();
    });
  }

  /**
   * Starts watching a monitor target. Rejects with a KucommsError whose
   * message names what is watched and the fix ('ENOENT' no such device or
   * no program publishes the shm link, 'EACCES' not allowed, ...).
   */
  static async open(target: string, options: MonitorOptions = {}): Promise<MonitorEndpoint> {
    const parsed = parseTarget(target);
    if (parsed.kind !== 'monitor') throw kucommsError('EINVAL', `${target} is not a monitor target`);
    const { Monitor, MONITOR_RECORD_SIZE } = loadBinding();
    const mon = new MonitorEndpoint(target);
    mon.#native = new Monitor(
      parsed.watched,
      { capacity: DEFAULT_CAPACITY, ...options },
      (batch, count) => mon.#onBatch(decodeMonitorBatch(batch, count, MONITOR_RECORD_SIZE)),
      (error) => mon.emit('down', error),
    );
    return mon;
  }

  #onBatch(messages: Message[]): void {
    for (const m of messages) {
      if (m.origin?.note === 'drop') this.#dropped += m.origin.value ?? 0n;
      else if (m.origin?.note === undefined) {
        if (m.direction === 'tx') this.#tx++;
        else this.#rx++;
      }
    }
    this.#backlog.push(messages);
  }

  get closed(): boolean {
    return this.#native === undefined;
  }

  counters(): MonitorCounters {
    if (!this.#native) throw kucommsError('ERR_ENDPOINT_CLOSED', `counters of ${this.target}: the monitor is closed`);
    return { ...this.#native.counters(), tx: this.#tx, rx: this.#rx, dropped: this.#dropped };
  }

  /** Stops watching; records already read are still emitted. */
  async close(): Promise<void> {
    const native = this.#native;
    this.#native = undefined;
    native?.close();
    if (native) this.emit('closed');
  }
}
