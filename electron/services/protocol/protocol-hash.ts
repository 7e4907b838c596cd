// The protocol hash: 64 bits that two programs compare to know they were
// built from layouts that put the same bytes on the wire. It is SHA-256 over
// the layout's canonical form, truncated to its first 8 bytes (big-endian).
// protocols/README.md ("The protocol hash") defines the canonical form; this
// file is that definition in code, and the test vectors in
// testdata/hash/vectors.json pin it.
//
// The canonical form keeps what decides the bytes of a message and how a
// message is told apart: the default byte order, the message kinds in order
// with their `when` values, every field's type, size, count and byte order,
// bit field positions, and the values (not the names) of enums and flags.
// Names, docs, comments, key order, `volatile`, `reply` and `version` do
// not change a byte on the wire, so they do not change the hash.
import { createHash } from 'node:crypto';
import type { FieldDef, FieldType, IntType, Layout, Length, StructDef, ValueNames } from './layout.ts';
import { HEADER_KEYS } from './layout.ts';

type Canonical = string | number | boolean | Canonical[] | { [key: string]: Canonical };

const values = (names: ValueNames | undefined): string[] | undefined =>
  names && [...new Set(names.entries.map((e) => e.value))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);

/** Drops the keys whose value is undefined, so optional parts are simply absent. */
function object(entries: Record<string, Canonical | undefined>): { [key: string]: Canonical } {
  return Object.fromEntries(Object.entries(entries).filter((e): e is [string, Canonical] => e[1] !== undefined));
}

function intType(t: IntType): Canonical {
  return object({
    kind: 'int',
    bits: t.bits,
    signed: t.signed,
    // One byte has no byte order.
    endian: t.bits > 8 ? t.endian : undefined,
    enum: values(t.enum),
    flags: values(t.flags),
    bitfields: t.subfields?.map((bf) => object({ at: bf.at, width: bf.width, enum: values(bf.enum) })),
  });
}

function length(l: Length, struct: StructDef): Canonical {
  switch (l.kind) {
    case 'fixed':
      return { fixed: l.n };
    case 'rest':
      return { rest: true };
    case 'field':
      // The position of the field it reads, not its name.
      return { field: struct.fields.findIndex((f) => f.name === l.field) };
    case 'prefix':
      return { prefix: intType(l.int) };
  }
}

function fieldType(t: FieldType, owner: StructDef): Canonical {
  switch (t.kind) {
    case 'int':
      return intType(t);
    case 'float':
      return { kind: 'float', bits: t.bits, endian: t.endian };
    case 'bool':
      return { kind: 'bool' };
    case 'bytes':
      return { kind: 'bytes', size: length(t.size, owner) };
    case 'string':
      return object({ kind: 'string', size: length(t.size, owner), encoding: t.encoding, pad: t.pad });
    case 'struct':
      return { kind: 'struct', fields: fields(t.struct) };
  }
}

function fields(struct: StructDef): Canonical[] {
  return struct.fields.map((f: FieldDef) =>
    object({ type: fieldType(f.type, struct), count: f.count && length(f.count, struct) }),
  );
}

/** The canonical form as a value (protocols/README.md, "The protocol hash"). */
function canonicalValue(layout: Layout): Canonical {
  return {
    endian: layout.endian,
    header: Object.fromEntries(HEADER_KEYS.map((k) => [k, object({ enum: values(layout.header[k].enum) })])),
    messages: layout.messages.map((m) => ({
      when: object(Object.fromEntries(HEADER_KEYS.map((k) => [k, m.when[k]?.toString()]))),
      fields: fields(m.struct),
    })),
  };
}

/** JSON with object keys in code-point order and no white space. */
function serialize(v: Canonical): string {
  if (Array.isArray(v)) return `[${v.map(serialize).join(',')}]`;
  if (typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${serialize(v[k] as Canonical)}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** The text the protocol hash is the SHA-256 of. */
export function canonicalForm(layout: Layout): string {
  return serialize(canonicalValue(layout));
}

/** The protocol hash: the first 8 bytes of SHA-256(canonical form), big-endian. */
export function protocolHash(layout: Layout): bigint {
  return createHash('sha256').update(canonicalForm(layout), 'utf8').digest().readBigUInt64BE(0);
}

/** As programs print and sysfs shows it: 0x and 16 lower-case hex digits. */
export function formatHash(hash: bigint): string {
  return `0x${hash.toString(16).padStart(16, '0')}`;
}
