// What the codec produces and consumes: a field tree for people (offsets and
// sizes for hex highlighting, display text) and a value object for code
// (handler scripts, the encoder, the diff).

/**
 * A field's value. Integers up to 48 bits are numbers and wider ones BigInt;
 * an enum value is its name when the enum has one; bytes are Uint8Array;
 * arrays are arrays; structs and bit fields are objects (a bit-field integer
 * whose undeclared bits are not all zero keeps them in `$rest`).
 */
export type FieldValue = number | bigint | boolean | string | Uint8Array | FieldValue[] | StructValue;
export interface StructValue {
  [name: string]: FieldValue;
}

export interface HeaderValue {
  length: bigint;
  type: bigint;
  id: bigint;
  user_value: bigint;
}

export interface FieldNode {
  /** the field's name, or [i] for an array element */
  name: string;
  /** from the message's root, e.g. data.points[1].x or header.id */
  path: string;
  /** bytes from the start of the message (header included) */
  offset: number;
  size: number;
  /** u16, f32, bytes, string, the struct's name, array, header, ... */
  type: string;
  /** leaves only */
  value?: FieldValue;
  /** leaves only: what a person reads (enum and flag names, hex) */
  display?: string;
  /** bit fields: the bits of the integer they occupy */
  bits?: { at: number; width: number };
  /** the header field's name in this protocol, where it has one */
  alias?: string;
  volatile?: boolean;
  children?: FieldNode[];
}

export interface DecodeError {
  /** the field that did not fit */
  path: string;
  /** where in the message (header included) it starts */
  offset: number;
  /** what the layout expected there */
  expected: string;
  /** one line for people, naming all of the above */
  message: string;
}

export interface Decoded {
  /** the message kind, when one matched */
  kind?: string;
  header: HeaderValue;
  /** the decoded data fields (as far as they decoded) */
  data: StructValue;
  /** [header node, data node] */
  tree: FieldNode[];
  error?: DecodeError;
}

// Buffer where there is one (Node: much faster), else by hand (the renderer).
const NodeBuffer = (
  globalThis as {
    Buffer?: { from(b: ArrayBufferLike, offset: number, length: number): { toString(enc: 'hex'): string } };
  }
).Buffer;

export function toHex(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** A value in JSON: BigInt as a decimal string, bytes as hex. */
export function valueToJson(v: FieldValue): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(valueToJson);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, valueToJson(x)]));
  return v;
}

/** Short text of a value, the same for every caller (tree, diff, CLI). */
export function formatValue(v: FieldValue): string {
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return v.length === 0 ? '(0 bytes)' : `${toHex(v)} (${v.length} bytes)`;
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${k}: ${formatValue(x)}`)
    .join(', ')}}`;
}
