// Messages as the Studio sees them, shared by the Node side and the renderer.
//
// The four header fields are u64 on the wire. In JavaScript they are BigInt
// everywhere (a number loses precision above 2^53); wherever JSON carries
// them (IPC, WebSocket, capture files, CLI output) they are decimal strings.
// That is the one rule: `Message` holds BigInt, `MessageJson` holds strings,
// and messageToJson()/messageFromJson() are the only conversions.
import { z } from 'zod';

export const U64_MAX = (1n << 64n) - 1n;

/** The 32-byte kucomms message header; `length` is the data's byte count. */
export interface MessageHeader {
  length: bigint;
  type: bigint;
  id: bigint;
  userValue: bigint;
}

/** The header fields a sender chooses (`length` follows from the data). */
export type SendHeader = Omit<MessageHeader, 'length'>;

/**
 * 'rx': received from the peer; 'tx': sent by this side. Of a monitored
 * link: 'tx' what its opener (a shm link's attacher) sent to the module (the
 * shm link's creator), 'rx' what it received, so a replay of 'tx' plays the
 * opener's part.
 */
export type Direction = 'rx' | 'tx';

/**
 * Where a monitored message was seen: the link it crossed and the process
 * behind it (a device's opener; on a shm link, the sender).
 */
export interface MessageOrigin {
  /** The device (`kucomms_NAME`) or shared-memory link (`shm:NAME`). */
  device: string;
  /** The link's id on its device, one per opener; absent for device and module events. */
  link?: number;
  pid: number;
  /** The process's command name (at most 15 characters, as the kernel keeps it). */
  process: string;
  /**
   * Set when this is not a message but what the monitor says besides:
   * 'drop' (`value` messages of this link and direction were lost to the
   * monitor, never to the link), or an event ('link-open', 'link-close',
   * 'link-hangup', 'device-create', 'device-remove', 'module-up',
   * 'module-down') with its `value`. Such a row has no header and no data.
   */
  note?: string;
  value?: bigint;
}

export interface Message extends MessageHeader {
  direction: Direction;
  /** Wall-clock time the endpoint saw it: nanoseconds since the Unix epoch. */
  timestampNs: bigint;
  /** The data (a Buffer on the Node side). */
  data: Uint8Array;
  /** Monitored messages: the link and process they belong to. */
  origin?: MessageOrigin;
}

/** The link as the CLI and the UI name it: `kucomms_NAME#3` (link 3 of a device), `shm:NAME#0`, or the device alone. */
export function linkName(o: MessageOrigin): string {
  return o.link === undefined ? o.device : `${o.device}#${o.link}`;
}

/** What a note says, e.g. "37 messages dropped", "link-open (value 1)". */
export function noteText(o: MessageOrigin): string {
  if (o.note === 'drop') return `${o.value ?? 0n} message${o.value === 1n ? '' : 's'} dropped by the monitor`;
  // A link's close carries the exit status of a process that died holding it, else all ones (closed).
  if (o.note === 'link-close' && o.value === U64_MAX) return 'link-close';
  return `${o.note ?? ''} (value ${o.value ?? 0n})`;
}

/** Is this row a monitor's drop or event rather than a message? */
export function isNote(m: { origin?: MessageOrigin }): boolean {
  return m.origin?.note !== undefined;
}

/** A u64 carried in JSON: a decimal string of 0 .. 2^64-1. */
export const u64String = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,19})$/, 'expected a decimal u64 (digits only, no sign or leading zeros)')
  .refine((s) => BigInt(s) <= U64_MAX, 'value exceeds 2^64-1');

/** A u64 as a user types it: decimal or 0x hexadecimal. */
export const u64Input = z
  .string()
  .trim()
  .regex(/^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/, 'expected a u64 in decimal or 0x hexadecimal')
  .transform((s) => BigInt(s))
  .refine((v) => v <= U64_MAX, 'value exceeds 2^64-1');

export const originJsonSchema = z
  .object({
    device: z.string().max(80),
    link: z.number().int().min(0).max(0xffff_fffe).optional(),
    pid: z.number().int(),
    process: z.string().max(64),
    note: z.string().max(32).optional(),
    value: u64String.optional(),
  })
  .strict();

export type MessageOriginJson = z.infer<typeof originJsonSchema>;

export const messageJsonSchema = z.object({
  direction: z.enum(['rx', 'tx']),
  timestampNs: u64String,
  length: u64String,
  type: u64String,
  id: u64String,
  userValue: u64String,
  /** The data, base64. */
  data: z.string().base64(),
  origin: originJsonSchema.optional(),
});

export type MessageJson = z.infer<typeof messageJsonSchema>;

export function originToJson(o: MessageOrigin): MessageOriginJson {
  const { value, ...rest } = o;
  return { ...rest, ...(value !== undefined ? { value: value.toString() } : {}) };
}

export function originFromJson(j: MessageOriginJson): MessageOrigin {
  return {
    device: j.device,
    pid: j.pid,
    process: j.process,
    ...(j.link !== undefined ? { link: j.link } : {}),
    ...(j.note !== undefined ? { note: j.note } : {}),
    ...(j.value !== undefined ? { value: BigInt(j.value) } : {}),
  };
}

export function messageToJson(m: Message): MessageJson {
  return {
    direction: m.direction,
    timestampNs: m.timestampNs.toString(),
    length: m.length.toString(),
    type: m.type.toString(),
    id: m.id.toString(),
    userValue: m.userValue.toString(),
    data: bytesToBase64(m.data),
    ...(m.origin ? { origin: originToJson(m.origin) } : {}),
  };
}

/** Parses untrusted JSON; throws a ZodError naming the bad field. */
export function messageFromJson(input: unknown): Message {
  const j = messageJsonSchema.parse(input);
  const data = base64ToBytes(j.data);
  if (BigInt(data.length) !== BigInt(j.length))
    throw new Error(`message length ${j.length} does not match its ${data.length} data bytes`);
  return {
    direction: j.direction,
    timestampNs: BigInt(j.timestampNs),
    length: BigInt(j.length),
    type: BigInt(j.type),
    id: BigInt(j.id),
    userValue: BigInt(j.userValue),
    data,
    ...(j.origin ? { origin: originFromJson(j.origin) } : {}),
  };
}

// Portable base64 (Node and the renderer): Buffer where it exists, else atob/btoa.
interface BufferLike {
  from(data: Uint8Array | string, encoding?: 'base64'): Uint8Array & { toString(encoding: 'base64'): string };
}
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

export function bytesToBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes).toString('base64');
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function base64ToBytes(text: string): Uint8Array {
  if (NodeBuffer) return NodeBuffer.from(text, 'base64');
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
