// What more than one area of the Studio API speaks: a message's header and
// body as a sender writes them, and a message's bytes and field tree as the
// Studio decodes them (composer, traffic, layouts, captures and replay all
// show one). Every area's api file imports these from here.
import { z } from 'zod';

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
