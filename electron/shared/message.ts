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

/** 'rx': received from the peer; 'tx': sent by this side. */
export type Direction = 'rx' | 'tx';

export interface Message extends MessageHeader {
  direction: Direction;
  /** Wall-clock time the endpoint saw it: nanoseconds since the Unix epoch. */
  timestampNs: bigint;
  /** The data (a Buffer on the Node side). */
  data: Uint8Array;
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

export const messageJsonSchema = z.object({
  direction: z.enum(['rx', 'tx']),
  timestampNs: u64String,
  length: u64String,
  type: u64String,
  id: u64String,
  userValue: u64String,
  /** The data, base64. */
  data: z.string().base64(),
});

export type MessageJson = z.infer<typeof messageJsonSchema>;

export function messageToJson(m: Message): MessageJson {
  return {
    direction: m.direction,
    timestampNs: m.timestampNs.toString(),
    length: m.length.toString(),
    type: m.type.toString(),
    id: m.id.toString(),
    userValue: m.userValue.toString(),
    data: bytesToBase64(m.data),
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
