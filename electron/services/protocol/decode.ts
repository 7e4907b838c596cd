// Decodes a message into a field tree and a value object. It never throws on
// bad input: a message that does not fit its layout gives the tree as far as
// it decoded plus one precise error (field, offset, what was expected).
import {
  HEADER_KEYS,
  intIsBig,
  selectKind,
  valueName,
  type FieldDef,
  type FieldType,
  type IntType,
  type Layout,
  type Length,
  type StructDef,
} from './layout.ts';
import type { Message } from '../../shared/message.ts';
import {
  toHex,
  type Decoded,
  type DecodeError,
  type FieldNode,
  type FieldValue,
  type HeaderValue,
  type StructValue,
} from './values.ts';

export const HEADER_SIZE = 32;

/** Thrown inside the decoder only, caught by decodeData(). */
class Stop {
  constructor(readonly error: DecodeError) {}
}

// ignoreBOM: a leading U+FEFF is text like any other, kept so that encoding gives back the same bytes.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * ISO 8859-1: each byte is the code point of the same number. (TextDecoder's
 * "latin1" is windows-1252, which maps 0x80..0x9f elsewhere, so that encoding
 * could not give those bytes back.)
 */
export function latin1Text(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

class Reader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    /** offset of bytes[0] within the message, for node offsets */
    readonly base: number,
    public pos = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get left(): number {
    return this.bytes.length - this.pos;
  }
  need(n: number, path: string, expected: string): void {
    if (n > this.left)
      throw new Stop({
        path,
        offset: this.base + this.pos,
        expected,
        message: `${path} at offset ${this.base + this.pos}: expected ${expected}, but only ${this.left} byte${this.left === 1 ? '' : 's'} left`,
      });
  }
  fail(path: string, at: number, expected: string, got: string): never {
    throw new Stop({
      path,
      offset: this.base + at,
      expected,
      message: `${path} at offset ${this.base + at}: expected ${expected}, got ${got}`,
    });
  }
}

export function readInt(view: DataView, at: number, bytes: number, littleEndian: boolean, signed: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < bytes; i++) {
    const b = view.getUint8(at + (littleEndian ? bytes - 1 - i : i));
    v = (v << 8n) | BigInt(b);
  }
  if (signed && v >= 1n << BigInt(bytes * 8 - 1)) v -= 1n << BigInt(bytes * 8);
  return v;
}

/**
 * The same value as readInt(), as the codec hands it out: a number up to 48
 * bits (read without BigInt, the common and fast case), else a BigInt.
 */
export function readIntValue(
  view: DataView,
  at: number,
  bytes: number,
  littleEndian: boolean,
  signed: boolean,
): number | bigint {
  if (bytes === 8) return signed ? view.getBigInt64(at, littleEndian) : view.getBigUint64(at, littleEndian);
  if (bytes > 6) return readInt(view, at, bytes, littleEndian, signed);
  let v = 0;
  for (let i = 0; i < bytes; i++) v = v * 256 + view.getUint8(at + (littleEndian ? bytes - 1 - i : i));
  const half = 2 ** (bytes * 8 - 1);
  return signed && v >= half ? v - 2 * half : v;
}

function intValue(t: IntType, raw: bigint): number | bigint {
  return intIsBig(t) ? raw : Number(raw);
}

export function intTypeName(t: IntType): string {
  return `${t.signed ? 's' : 'u'}${t.bits}${t.bits > 8 && t.endian === 'big' ? 'be' : ''}`;
}

/** The name the decoder gives a field of this type in its tree (the composer and layout diffs label it the same). */
export function typeName(t: FieldType): string {
  switch (t.kind) {
    case 'int':
      return intTypeName(t);
    case 'float':
      return `f${t.bits}`;
    case 'struct':
      return t.struct.name;
    default:
      return t.kind;
  }
}

function flagsText(names: IntType['flags'], raw: bigint): string {
  if (!names) return '';
  const set: string[] = [];
  let rest = raw;
  for (const e of names.entries) {
    const bit = 1n << e.value;
    if (raw & bit) {
      set.push(e.name);
      rest &= ~bit;
    }
  }
  if (rest) set.push(`0x${rest.toString(16)}`);
  return ` (${set.length ? set.join(' | ') : 'none'})`;
}

/** Decodes a whole message: the 32-byte header, then its data. */
export function decodeMessage(layout: Layout, message: Uint8Array): Decoded {
  if (message.length < HEADER_SIZE) {
    const header: HeaderValue = { length: 0n, type: 0n, id: 0n, user_value: 0n };
    const msg = `header at offset 0: expected the 32-byte message header, but the message has ${message.length} byte${message.length === 1 ? '' : 's'}`;
    return {
      header,
      data: {},
      tree: [],
      error: { path: 'header', offset: 0, expected: '32-byte message header', message: msg },
    };
  }
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const header: HeaderValue = {
    length: view.getBigUint64(0, true),
    type: view.getBigUint64(8, true),
    id: view.getBigUint64(16, true),
    user_value: view.getBigUint64(24, true),
  };
  const decoded = decodeData(layout, header, message.subarray(HEADER_SIZE));
  if (!decoded.error && header.length !== BigInt(message.length - HEADER_SIZE)) {
    const got = message.length - HEADER_SIZE;
    decoded.error = {
      path: 'header.length',
      offset: 0,
      expected: `${header.length} data bytes`,
      message: `header.length at offset 0: says ${header.length} data bytes, but ${got} follow the header`,
    };
  }
  return decoded;
}

/** Decodes a message given as its header values and its data bytes. */
/** Decodes a message as targets deliver it and captures and the traffic store keep it (header fields and data). */
export function decodeReceived(
  layout: Layout,
  m: Pick<Message, 'length' | 'type' | 'id' | 'userValue' | 'data'>,
): Decoded {
  return decodeData(layout, { length: m.length, type: m.type, id: m.id, user_value: m.userValue }, m.data);
}

export function decodeData(layout: Layout, header: HeaderValue, data: Uint8Array): Decoded {
  const headerNode: FieldNode = {
    name: 'header',
    path: 'header',
    offset: 0,
    size: HEADER_SIZE,
    type: 'header',
    children: [],
  };
  headerNode.children = (['length', ...HEADER_KEYS] as const).map((key, i) => {
    const def = key === 'length' ? undefined : layout.header[key];
    const value = header[key];
    const name = def?.enum ? valueName(def.enum, value) : undefined;
    const node: FieldNode = {
      name: key,
      path: `header.${key}`,
      offset: i * 8,
      size: 8,
      type: 'u64',
      value,
      display: name === undefined ? value.toString() : `${name} (${value})`,
    };
    if (def && def.name !== key) node.alias = def.name;
    if (def?.volatile) node.volatile = true;
    return node;
  });

  const kind = selectKind(layout, header);
  const dataNode: FieldNode = {
    name: 'data',
    path: 'data',
    offset: HEADER_SIZE,
    size: data.length,
    type: kind?.name ?? 'bytes',
    children: [],
  };
  const result: Decoded = { header, data: {}, tree: [headerNode, dataNode] };
  if (!kind) {
    dataNode.value = data;
    dataNode.display = toHex(data);
    delete dataNode.children;
    const hv = HEADER_KEYS.map((k) => `${k}=${header[k]}`).join(' ');
    result.error = {
      path: 'data',
      offset: HEADER_SIZE,
      expected: 'a message kind of the layout',
      message: `data at offset ${HEADER_SIZE}: no message kind of ${layout.protocol} matches ${hv}`,
    };
    return result;
  }
  result.kind = kind.name;
  const reader = new Reader(data, HEADER_SIZE);
  try {
    readStruct(kind.struct, reader, 'data', dataNode, result.data);
    if (reader.left > 0) {
      const at = reader.pos;
      throw new Stop({
        path: 'data',
        offset: HEADER_SIZE + at,
        expected: `the end of ${kind.name} (${at} data bytes)`,
        message: `data at offset ${HEADER_SIZE + at}: expected the end of ${kind.name}, but ${reader.left} more byte${reader.left === 1 ? '' : 's'} follow`,
      });
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    result.error = e.error;
  }
  return result;
}

/** Fills @node's children and @out as it goes, so a Stop leaves both partial. */
function readStruct(struct: StructDef, r: Reader, path: string, node: FieldNode, out: StructValue): void {
  const children = (node.children ??= []);
  for (const field of struct.fields) {
    const fpath = `${path}.${field.name}`;
    const start = r.pos;
    if (field.count === undefined) {
      const child = readValue(field, field.type, r, fpath, field.name, out, children);
      out[field.name] = child;
      continue;
    }
    const arrayNode: FieldNode = {
      name: field.name,
      path: fpath,
      offset: r.base + start,
      size: 0,
      type: 'array',
      children: [],
    };
    if (field.volatile) arrayNode.volatile = true;
    children.push(arrayNode);
    const items: FieldValue[] = [];
    out[field.name] = items;
    try {
      const n = readLength(field.count, r, fpath, 'count', out, struct);
      for (let i = 0; n === undefined ? r.left > 0 : i < n; i++)
        items.push(readValue(field, field.type, r, `${fpath}[${i}]`, `[${i}]`, out, arrayNode.children ?? []));
    } finally {
      arrayNode.size = r.pos - start;
    }
  }
}

/** A length's value; undefined for rest. Prefixes are read (and shown) here. */
function readLength(
  len: Length,
  r: Reader,
  path: string,
  what: string,
  scope: StructValue,
  struct: StructDef,
): number | undefined {
  switch (len.kind) {
    case 'fixed':
      return len.n;
    case 'rest':
      return undefined;
    case 'field': {
      const v = scope[len.field];
      const n = typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : -1n;
      if (n < 0n) r.fail(path, r.pos, `the ${what} in field ${len.field} of ${struct.name}`, 'no such value');
      // A count is never more than the bytes left (so that empty elements
      // cannot make it loop for long): the generated C, Lua and compiled
      // decoders check the same. A size is checked by the caller.
      if (what === 'count' && n > BigInt(r.left))
        r.fail(path, r.pos, `a count of at most ${r.left} (the bytes left)`, `${len.field} = ${n}`);
      return Number(n);
    }
    case 'prefix': {
      const bytes = len.int.bits / 8;
      r.need(bytes, `${path} (${what} prefix)`, `a ${bytes}-byte ${what} prefix (${intTypeName(len.int)})`);
      const n = readInt(r.view, r.pos, bytes, len.int.endian === 'little', false);
      if (what === 'count' && n > BigInt(r.left - bytes))
        r.fail(`${path} (count prefix)`, r.pos, `a count of at most ${r.left - bytes} (the bytes left)`, String(n));
      r.pos += bytes;
      return Number(n);
    }
  }
}

interface LeafPlace {
  field: FieldDef;
  r: Reader;
  path: string;
  name: string;
  siblings: FieldNode[];
  start: number;
}

/** Adds the node of a value that was just read (from p.start to the reader's position). */
function leaf(p: LeafPlace, typeName: string, value: FieldValue, display: string): FieldValue {
  const node: FieldNode = {
    name: p.name,
    path: p.path,
    offset: p.r.base + p.start,
    size: p.r.pos - p.start,
    type: typeName,
    value,
    display,
  };
  if (p.field.volatile) node.volatile = true;
  p.siblings.push(node);
  return value;
}

function readValue(
  field: FieldDef,
  type: FieldType,
  r: Reader,
  path: string,
  name: string,
  scope: StructValue,
  siblings: FieldNode[],
): FieldValue {
  const start = r.pos;
  // (No closures in here: the build names every function it creates, which costs per call.)
  const at: LeafPlace = { field, r, path, name, siblings, start };
  switch (type.kind) {
    case 'int': {
      const bytes = type.bits / 8;
      r.need(bytes, path, `${intTypeName(type)} (${bytes} byte${bytes === 1 ? '' : 's'})`);
      const num = readIntValue(r.view, r.pos, bytes, type.endian === 'little', type.signed);
      r.pos += bytes;
      if (!type.subfields && !type.enum && !type.flags) return leaf(at, intTypeName(type), num, String(num));
      const raw = BigInt(num);
      if (type.subfields) return readBits(field, type, raw, r, start, path, name, siblings);
      const enumName = type.enum ? valueName(type.enum, raw) : undefined;
      const value = enumName ?? num;
      const display =
        enumName !== undefined
          ? `${enumName} (${raw})`
          : `0x${BigInt.asUintN(type.bits, raw).toString(16)}${flagsText(type.flags, raw)}`;
      return leaf(at, intTypeName(type), value, display);
    }
    case 'float': {
      const bytes = type.bits / 8;
      r.need(bytes, path, `f${type.bits} (${bytes} bytes)`);
      const v =
        type.bits === 32
          ? r.view.getFloat32(r.pos, type.endian === 'little')
          : r.view.getFloat64(r.pos, type.endian === 'little');
      r.pos += bytes;
      return leaf(at, `f${type.bits}`, v, String(v));
    }
    case 'bool': {
      r.need(1, path, 'bool (1 byte)');
      const b = r.bytes[r.pos] ?? 0;
      if (b > 1) r.fail(path, r.pos, 'bool 0 or 1', String(b));
      r.pos += 1;
      return leaf(at, 'bool', b === 1, b === 1 ? 'true' : 'false');
    }
    case 'bytes':
    case 'string': {
      const n = readLength(type.size, r, path, 'size', scope, { name: path, fields: [] }) ?? r.left;
      const from =
        type.size.kind === 'field' ? ` (${type.size.field})` : type.size.kind === 'prefix' ? ' (its prefix)' : '';
      r.need(n, path, `${type.kind} of ${n} byte${n === 1 ? '' : 's'}${from}`);
      const bytes = r.bytes.subarray(r.pos, r.pos + n);
      if (type.kind === 'bytes') {
        r.pos += n;
        return leaf(at, 'bytes', bytes, toHex(bytes));
      }
      let end = n;
      if (type.pad !== undefined) while (end > 0 && bytes[end - 1] === type.pad) end--;
      let text: string;
      try {
        text = type.encoding === 'utf8' ? utf8.decode(bytes.subarray(0, end)) : latin1Text(bytes.subarray(0, end));
      } catch {
        r.fail(
          path,
          r.pos,
          'UTF-8 text',
          `the bytes ${toHex(bytes.subarray(0, Math.min(end, 16)))}${end > 16 ? '...' : ''}`,
        );
      }
      r.pos += n;
      return leaf(at, 'string', text, JSON.stringify(text));
    }
    case 'struct': {
      const node: FieldNode = { name, path, offset: r.base + start, size: 0, type: type.struct.name, children: [] };
      if (field.volatile) node.volatile = true;
      siblings.push(node);
      const value: StructValue = {};
      try {
        readStruct(type.struct, r, path, node, value);
      } finally {
        node.size = r.pos - start;
      }
      return value;
    }
  }
}

function readBits(
  field: FieldDef,
  type: IntType,
  raw: bigint,
  r: Reader,
  start: number,
  path: string,
  name: string,
  siblings: FieldNode[],
): FieldValue {
  const unsigned = type.signed ? BigInt.asUintN(type.bits, raw) : raw;
  const node: FieldNode = {
    name,
    path,
    offset: r.base + start,
    size: type.bits / 8,
    type: intTypeName(type),
    value: intValue(type, raw),
    display: `0x${unsigned.toString(16)}`,
    children: [],
  };
  if (field.volatile) node.volatile = true;
  siblings.push(node);
  const value: StructValue = {};
  let covered = 0n;
  for (const bf of type.subfields ?? []) {
    const mask = (1n << BigInt(bf.width)) - 1n;
    const v = (unsigned >> BigInt(bf.at)) & mask;
    covered |= mask << BigInt(bf.at);
    const enumName = bf.enum ? valueName(bf.enum, v) : undefined;
    value[bf.name] = enumName ?? (bf.width > 48 ? v : Number(v));
    const child: FieldNode = {
      name: bf.name,
      path: `${path}.${bf.name}`,
      offset: node.offset,
      size: node.size,
      type: bf.width === 1 ? 'bit' : `bits${bf.width}`,
      value: value[bf.name] as FieldValue,
      display: enumName !== undefined ? `${enumName} (${v})` : v.toString(),
      bits: { at: bf.at, width: bf.width },
    };
    if (bf.volatile || field.volatile) child.volatile = true;
    node.children?.push(child);
  }
  const rest = unsigned & ~covered;
  if (rest !== 0n) value.$rest = intValue(type, rest);
  return value;
}
