// Encodes a value object (as decode produces it) back to bytes; for any
// message that decodes without error, encode(decode(bytes)) === bytes.
// Length fields may be left out: they are computed from what they measure
// (and checked against it when given).
import {
  HEADER_KEYS,
  type FieldDef,
  type FieldType,
  type IntType,
  type Layout,
  type Length,
  type MessageKind,
  type StructDef,
} from './layout.ts';
import { HEADER_SIZE } from './decode.ts';
import type { FieldValue, HeaderValue, StructValue } from './values.ts';

export class EncodeError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'EncodeError';
  }
}

class Writer {
  buf = new Uint8Array(256);
  view = new DataView(this.buf.buffer);
  pos = 0;
  reserve(n: number): number {
    if (this.pos + n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
      bigger.set(this.buf.subarray(0, this.pos));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length); // may replace this.buf
    this.buf.set(b, at);
  }
  int(v: bigint, bytes: number, littleEndian: boolean): void {
    const at = this.reserve(bytes);
    let x = BigInt.asUintN(bytes * 8, v);
    for (let i = 0; i < bytes; i++) {
      this.buf[at + (littleEndian ? i : bytes - 1 - i)] = Number(x & 0xffn);
      x >>= 8n;
    }
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

const utf8 = new TextEncoder();

function stringBytes(text: string, encoding: 'utf8' | 'latin1', path: string): Uint8Array {
  if (encoding === 'utf8') return utf8.encode(text);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 255)
      throw new EncodeError(path, `character ${JSON.stringify(text[i])} is not latin1 (one byte per character)`);
    out[i] = c;
  }
  return out;
}

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'bigint') return `${v}n`;
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

/** A whole message, header included; header.length follows from the data. */
export function encodeMessage(
  layout: Layout,
  header: Omit<HeaderValue, 'length'>,
  data: StructValue,
  kindName?: string,
): Uint8Array {
  const kind =
    kindName === undefined
      ? layout.messages.find((m) => HEADER_KEYS.every((k) => m.when[k] === undefined || m.when[k] === header[k]))
      : layout.messages.find((m) => m.name === kindName);
  if (!kind)
    throw new EncodeError(
      'header',
      kindName === undefined
        ? `no message kind of ${layout.protocol} matches this header`
        : `no message kind "${kindName}" in ${layout.protocol}`,
    );
  const body = encodeData(kind, data);
  const out = new Uint8Array(HEADER_SIZE + body.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(body.length), true);
  view.setBigUint64(8, header.type, true);
  view.setBigUint64(16, header.id, true);
  view.setBigUint64(24, header.user_value, true);
  out.set(body, HEADER_SIZE);
  return out;
}

/** The data bytes of one message kind. */
export function encodeData(kind: MessageKind, data: StructValue): Uint8Array {
  const w = new Writer();
  writeStruct(kind.struct, data, w, 'data');
  return w.done();
}

/**
 * The element count or byte size a length-measured field has in @v;
 * undefined for the size of each element of an empty array, which any
 * value fits (decoding reads no element, so it never checks it).
 */
function measure(
  field: FieldDef,
  len: Length,
  key: 'count' | 'size',
  v: FieldValue | undefined,
  path: string,
): bigint | undefined {
  if (key === 'count') {
    if (!Array.isArray(v)) throw new EncodeError(path, `expected an array, got ${describe(v)}`);
    return BigInt(v.length);
  }
  const one = (x: FieldValue | undefined): number => {
    if (field.type.kind === 'string') {
      if (typeof x !== 'string') throw new EncodeError(path, `expected a string, got ${describe(x)}`);
      return stringBytes(x, field.type.encoding, path).length;
    }
    if (!(x instanceof Uint8Array)) throw new EncodeError(path, `expected bytes (Uint8Array), got ${describe(x)}`);
    return x.length;
  };
  void len;
  if (field.count === undefined) return BigInt(one(v));
  // An array whose elements all take their size from one field.
  if (!Array.isArray(v)) throw new EncodeError(path, `expected an array, got ${describe(v)}`);
  const sizes = new Set(v.map(one));
  if (sizes.size > 1)
    throw new EncodeError(
      path,
      `every element must have the same size (one size field), got sizes ${[...sizes].join(', ')}`,
    );
  const [size] = sizes;
  return size === undefined ? undefined : BigInt(size);
}

/** A field of a value object: its own property only (a field called constructor is not Object's). */
export function own(o: StructValue, name: string): FieldValue | undefined {
  return Object.hasOwn(o, name) ? o[name] : undefined;
}

function writeStruct(struct: StructDef, value: StructValue, w: Writer, path: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array)
    throw new EncodeError(path, `expected an object with the fields of ${struct.name}, got ${describe(value)}`);
  // Length fields take the value of what they measure.
  const derived = new Map<string, { n: bigint | undefined; by: string }>();
  for (const f of struct.fields) {
    const lengths: Array<['count' | 'size', Length | undefined]> = [
      ['count', f.count],
      ['size', f.type.kind === 'bytes' || f.type.kind === 'string' ? f.type.size : undefined],
    ];
    for (const [key, len] of lengths) {
      if (len?.kind !== 'field') continue;
      const n = measure(f, len, key, own(value, f.name), `${path}.${f.name}`);
      const prev = derived.get(len.field);
      if (prev?.n !== undefined && n !== undefined && prev.n !== n)
        throw new EncodeError(
          `${path}.${len.field}`,
          `measures both ${prev.by} (${prev.n}) and ${f.name} (${n}); they must agree`,
        );
      if (prev?.n === undefined) derived.set(len.field, { n, by: f.name });
    }
  }
  for (const f of struct.fields) {
    const fpath = `${path}.${f.name}`;
    let v = own(value, f.name);
    const d = derived.get(f.name);
    if (d?.n === undefined) {
      // Measures only empty arrays: any value fits, 0 when left out.
      if (d) v ??= 0n;
    } else {
      if (v !== undefined && BigInt(v as number | bigint) !== d.n)
        throw new EncodeError(fpath, `is ${describe(v)}, but ${d.by} has ${d.n}; leave it out to have it computed`);
      v = d.n;
    }
    if (f.count === undefined) {
      writeValue(f.type, v, w, fpath);
      continue;
    }
    if (!Array.isArray(v)) throw new EncodeError(fpath, `expected an array, got ${describe(v)}`);
    if (f.count.kind === 'fixed' && v.length !== f.count.n)
      throw new EncodeError(fpath, `expected ${f.count.n} elements, got ${v.length}`);
    if (f.count.kind === 'prefix') writeInt(f.count.int, BigInt(v.length), w, `${fpath} (count prefix)`);
    v.forEach((x, i) => writeValue(f.type, x, w, `${fpath}[${i}]`));
  }
}

function intRange(t: { bits: number; signed: boolean }): [bigint, bigint] {
  return t.signed ? [-(1n << BigInt(t.bits - 1)), (1n << BigInt(t.bits - 1)) - 1n] : [0n, (1n << BigInt(t.bits)) - 1n];
}

function toInt(
  v: FieldValue | undefined,
  names: IntType['enum'],
  t: { bits: number; signed: boolean },
  path: string,
): bigint {
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && names) {
    const e = names.entries.find((x) => x.name === v);
    if (!e)
      throw new EncodeError(
        path,
        `"${v}" is not in enum ${names.name} (${names.entries.map((x) => x.name).join(', ')})`,
      );
    n = e.value;
  } else
    throw new EncodeError(
      path,
      `expected an integer${names ? ` or a name from enum ${names.name}` : ''}, got ${describe(v)}`,
    );
  const [min, max] = intRange(t);
  if (n < min || n > max)
    throw new EncodeError(path, `${n} does not fit ${t.signed ? 's' : 'u'}${t.bits} (${min}..${max})`);
  return n;
}

/** Flags: a number, one flag's name, or a list of names and numbers (or-ed together), as decoding shows them. */
function flagsToInt(
  v: FieldValue | undefined,
  flags: NonNullable<IntType['flags']>,
  t: { bits: number; signed: boolean },
  path: string,
): bigint {
  const one = (x: FieldValue | undefined): bigint => {
    if (typeof x !== 'string') return toInt(x, undefined, { bits: t.bits, signed: false }, path);
    const e = flags.entries.find((f) => f.name === x);
    if (!e)
      throw new EncodeError(
        path,
        `"${x}" is not in flags ${flags.name} (${flags.entries.map((f) => f.name).join(', ')})`,
      );
    return 1n << e.value;
  };
  if (Array.isArray(v)) return v.reduce<bigint>((n, x) => n | one(x), 0n);
  return typeof v === 'string' ? one(v) : toInt(v, undefined, t, path);
}

function writeInt(t: IntType, v: bigint, w: Writer, path: string): void {
  const [min, max] = intRange(t);
  if (v < min || v > max)
    throw new EncodeError(path, `${v} does not fit ${t.signed ? 's' : 'u'}${t.bits} (${min}..${max})`);
  w.int(v, t.bits / 8, t.endian === 'little');
}

function writeValue(type: FieldType, v: FieldValue | undefined, w: Writer, path: string): void {
  switch (type.kind) {
    case 'int': {
      if (!type.subfields)
        return writeInt(
          type,
          type.flags ? flagsToInt(v, type.flags, type, path) : toInt(v, type.enum, type, path),
          w,
          path,
        );
      if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array)
        throw new EncodeError(path, `expected an object of bit fields, got ${describe(v)}`);
      let raw =
        v.$rest === undefined ? 0n : toInt(v.$rest, undefined, { bits: type.bits, signed: false }, `${path}.$rest`);
      for (const bf of type.subfields) {
        const x = toInt(own(v, bf.name) ?? 0, bf.enum, { bits: bf.width, signed: false }, `${path}.${bf.name}`);
        raw |= x << BigInt(bf.at);
      }
      return w.int(raw, type.bits / 8, type.endian === 'little');
    }
    case 'float': {
      if (typeof v !== 'number') throw new EncodeError(path, `expected a number, got ${describe(v)}`);
      const at = w.reserve(type.bits / 8);
      if (type.bits === 32) w.view.setFloat32(at, v, type.endian === 'little');
      else w.view.setFloat64(at, v, type.endian === 'little');
      return;
    }
    case 'bool':
      if (typeof v !== 'boolean') throw new EncodeError(path, `expected true or false, got ${describe(v)}`);
      return w.int(v ? 1n : 0n, 1, true);
    case 'bytes':
    case 'string': {
      let bytes: Uint8Array;
      if (type.kind === 'bytes') {
        if (!(v instanceof Uint8Array)) throw new EncodeError(path, `expected bytes (Uint8Array), got ${describe(v)}`);
        bytes = v;
      } else {
        if (typeof v !== 'string') throw new EncodeError(path, `expected a string, got ${describe(v)}`);
        bytes = stringBytes(v, type.encoding, path);
      }
      const size = type.size;
      if (size.kind === 'prefix') writeInt(size.int, BigInt(bytes.length), w, `${path} (size prefix)`);
      if (size.kind === 'fixed' && bytes.length !== size.n) {
        if (type.kind === 'string' && type.pad !== undefined && bytes.length < size.n) {
          const padded = new Uint8Array(size.n).fill(type.pad);
          padded.set(bytes);
          bytes = padded;
        } else throw new EncodeError(path, `is ${bytes.length} bytes; the field is ${size.n}`);
      }
      return w.bytes(bytes);
    }
    case 'struct':
      return writeStruct(type.struct, v as StructValue, w, path);
  }
}
