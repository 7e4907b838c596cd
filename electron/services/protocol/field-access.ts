// Reading one data field of stored messages without decoding them, for
// filters over captures of millions of messages: where a field sits at the
// same offset in every message of a kind (everything before it has a fixed
// size and cannot be refused), it is read in place from the bytes; elsewhere
// the compiled decoder (compiled.ts) decodes the message; where that refuses
// the message, the reference decoder gives the values as far as they go. In
// all three cases the value is the one the reference codec gives.
import { compileCodec, type CompiledCodec } from './compiled.ts';
import { decodeData, latin1Text } from './decode.ts';
import {
  HEADER_KEYS,
  fixedSize,
  intIsBig,
  selectKind,
  valueName,
  type FieldDef,
  type FieldType,
  type HeaderKey,
  type IntType,
  type Layout,
  type StructDef,
} from './layout.ts';
import type { FieldValue, HeaderValue, StructValue } from './values.ts';

/** A path below `data`: field names and array indices. */
export type DataPath = ReadonlyArray<string | number>;

/**
 * Reads the value at one path of a message of one kind from its data,
 * bytes[at .. at + length] (view: the same bytes); undefined where the
 * message has none. The header is asked for only where it is needed.
 */
export type KindReader = (
  bytes: Uint8Array,
  view: DataView,
  at: number,
  length: number,
  header: () => HeaderValue,
) => FieldValue | undefined;

/** Reads one field of data in place: bytes, view, the data's start and length. */
type PlaceReader = (b: Uint8Array, view: DataView, at: number, length: number) => FieldValue | undefined;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Where a path's field sits when its offset never varies. */
interface Fixed {
  offset: number;
  type: FieldType;
  /** a bit field of the integer at offset */
  bits?: { at: number; width: number; names: IntType['enum'] };
}

/** Whether bytes of this type's size could still be refused (so that what follows is not known to be reached). */
function refusable(t: FieldType): boolean {
  if (t.kind === 'bool') return true;
  if (t.kind === 'string') return t.encoding === 'utf8';
  if (t.kind === 'struct') return t.struct.fields.some((f) => refusable(f.type));
  return false;
}

/** The fixed place of @path in @struct, if it has one. */
function fixedPlace(struct: StructDef, path: DataPath): Fixed | undefined {
  let s: StructDef = struct;
  let offset = 0;
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    let field: FieldDef | undefined;
    for (const f of s.fields) {
      if (f.name === step) {
        field = f;
        break;
      }
      const size =
        f.count === undefined
          ? fixedSize(f.type)
          : f.count.kind === 'fixed'
            ? (fixedSize(f.type) ?? NaN) * f.count.n
            : undefined;
      if (size === undefined || Number.isNaN(size) || refusable(f.type)) return undefined;
      offset += size;
    }
    if (!field) return undefined;
    const type = field.type;
    if (field.count !== undefined) {
      const index = path[++i];
      const element = fixedSize(type);
      if (field.count.kind !== 'fixed' || typeof index !== 'number' || index >= field.count.n || element === undefined)
        return undefined;
      if (index > 0 && refusable(type)) return undefined;
      offset += index * element;
    }
    if (i === path.length - 1) return fixedSize(type) === undefined ? undefined : { offset, type };
    if (type.kind === 'struct') {
      s = type.struct;
      continue;
    }
    // A bit field: the last step names a part of this integer.
    if (type.kind === 'int' && type.subfields && i === path.length - 2) {
      const part = type.subfields.find((bf) => bf.name === path[i + 1]);
      return part ? { offset, type, bits: { at: part.at, width: part.width, names: part.enum } } : undefined;
    }
    return undefined;
  }
  return undefined;
}

/** Reads an integer in place, as the codec hands it out (number up to 48 bits, else BigInt). */
function intAt(t: IntType, d: Uint8Array, view: DataView, at: number): number | bigint {
  const n = t.bits / 8;
  const le = t.endian === 'little';
  // The common sizes through the view, without a loop.
  if (n === 1) return t.signed ? view.getInt8(at) : (d[at] as number);
  if (n === 2) return t.signed ? view.getInt16(at, le) : view.getUint16(at, le);
  if (n === 4) return t.signed ? view.getInt32(at, le) : view.getUint32(at, le);
  if (n <= 6) {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + (d[at + (le ? n - 1 - i : i)] as number);
    const half = 2 ** (t.bits - 1);
    return t.signed && v >= half ? v - 2 * half : v;
  }
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(d[at + (le ? n - 1 - i : i)] as number);
  return t.signed ? BigInt.asIntN(t.bits, v) : v;
}

/** The in-place reader of a fixed place, or undefined where the value can only be had by decoding. */
function inPlace(place: Fixed): PlaceReader | undefined {
  const { offset, type } = place;
  const size = fixedSize(type) ?? 0;
  const end = offset + size;
  switch (type.kind) {
    case 'int': {
      if (place.bits) {
        const { at, width, names } = place.bits;
        return (b, view, from, length) => {
          if (length < end) return undefined;
          const raw = BigInt.asUintN(type.bits, BigInt(intAt(type, b, view, from + offset)));
          const v = (raw >> BigInt(at)) & ((1n << BigInt(width)) - 1n);
          return (names && valueName(names, v)) ?? (width > 48 ? v : Number(v));
        };
      }
      if (type.subfields) return undefined;
      const names = type.enum;
      if (names) {
        const table = new Map(names.entries.map((e) => [intIsBig(type) ? e.value : Number(e.value), e.name]));
        return (b, view, from, length) => {
          if (length < end) return undefined;
          const v = intAt(type, b, view, from + offset);
          return table.get(v) ?? v;
        };
      }
      return (b, view, from, length) => (length < end ? undefined : intAt(type, b, view, from + offset));
    }
    case 'float': {
      const le = type.endian === 'little';
      return type.bits === 32
        ? (_b, view, from, length) => (length < end ? undefined : view.getFloat32(from + offset, le))
        : (_b, view, from, length) => (length < end ? undefined : view.getFloat64(from + offset, le));
    }
    case 'bool':
      // A byte past 1 stops the codec here: no value.
      return (b, _view, from, length) =>
        length < end || (b[from + offset] as number) > 1 ? undefined : b[from + offset] === 1;
    case 'bytes':
      return (b, _view, from, length) => (length < end ? undefined : b.slice(from + offset, from + end));
    case 'string':
      return (b, _view, from, length) => {
        if (length < end) return undefined;
        let keep = from + end;
        if (type.pad !== undefined) while (keep > from + offset && b[keep - 1] === type.pad) keep--;
        const text = b.subarray(from + offset, keep);
        if (type.encoding === 'latin1') return latin1Text(text);
        try {
          return utf8.decode(text);
        } catch {
          return undefined;
        }
      };
    case 'struct':
      return undefined;
  }
}

function walk(v: FieldValue | undefined, path: DataPath): FieldValue | undefined {
  for (const step of path) {
    if (v === undefined || typeof v !== 'object' || v instanceof Uint8Array) return undefined;
    v = Array.isArray(v) ? (typeof step === 'number' ? v[step] : undefined) : (v as StructValue)[String(step)];
  }
  return v;
}

/** A kind's `when`, as the 32-bit halves of each header value it selects on. */
type WhenHalves = Record<HeaderKey, [number, number] | undefined>;

const halves = (v: bigint | undefined): [number, number] | undefined =>
  v === undefined ? undefined : [Number(v & 0xffffffffn), Number(v >> 32n)];

/** Reading fields of one layout's messages, compiled once per layout and path. */
export class LayoutAccess {
  readonly codec: CompiledCodec;
  /** The header fields some kind's `when` reads (others need not be read per message). */
  readonly selects: ReadonlySet<HeaderKey>;
  readonly #paths = new Map<string, KindReader[]>();
  readonly #when: WhenHalves[];
  /** Whether only the type selects kinds, and the last type kindOfHalves() was asked about (-1: none yet). */
  readonly #byTypeOnly: boolean;
  #lastType0 = -1;
  #lastType1 = -1;
  #lastKind = -1;

  constructor(readonly layout: Layout) {
    this.codec = compileCodec(layout);
    this.selects = new Set(HEADER_KEYS.filter((k) => layout.messages.some((m) => m.when[k] !== undefined)));
    this.#byTypeOnly = !this.selects.has('id') && !this.selects.has('user_value');
    this.#when = layout.messages.map((m) => ({
      type: halves(m.when.type),
      id: halves(m.when.id),
      user_value: halves(m.when.user_value),
    }));
  }

  /** The index of the kind these header values select, or -1. */
  kindOf(header: Pick<HeaderValue, HeaderKey>): number {
    const kind = selectKind(this.layout, header);
    return kind ? this.layout.messages.indexOf(kind) : -1;
  }

  /**
   * kindOf() from the 32-bit halves of type and id (low, high) and, asked
   * only when some kind selects on it, user_value: no BigInt per message.
   */
  kindOfHalves(type0: number, type1: number, id0: number, id1: number, userValue: () => bigint): number {
    // Rows in a row are mostly of one kind: where only the type selects, the last answer is kept.
    if (this.#byTypeOnly && type0 === this.#lastType0 && type1 === this.#lastType1) return this.#lastKind;
    const kind = this.#kindOfHalves(type0, type1, id0, id1, userValue);
    if (this.#byTypeOnly) [this.#lastType0, this.#lastType1, this.#lastKind] = [type0, type1, kind];
    return kind;
  }

  #kindOfHalves(type0: number, type1: number, id0: number, id1: number, userValue: () => bigint): number {
    let uv: [number, number] | undefined;
    for (let i = 0; i < this.#when.length; i++) {
      const w = this.#when[i]!;
      if (w.type && (w.type[0] !== type0 || w.type[1] !== type1)) continue;
      if (w.id && (w.id[0] !== id0 || w.id[1] !== id1)) continue;
      if (w.user_value) {
        uv ??= halves(userValue())!;
        if (w.user_value[0] !== uv[0] || w.user_value[1] !== uv[1]) continue;
      }
      return i;
    }
    return -1;
  }

  /** The readers of @path, one per kind (made on first use). */
  readers(path: DataPath): KindReader[] {
    const key = path.join('\u0000');
    let readers = this.#paths.get(key);
    if (!readers) this.#paths.set(key, (readers = this.layout.messages.map((_, k) => this.#reader(k, path))));
    return readers;
  }

  /** The value at @path of a message of kind @kind (its data and header); undefined where it has none. */
  read(kind: number, path: DataPath, data: Uint8Array, header: HeaderValue): FieldValue | undefined {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return this.readers(path)[kind]?.(data, view, 0, data.length, () => header);
  }

  #reader(kind: number, path: DataPath): KindReader {
    const struct = this.layout.messages[kind]?.struct;
    const place = struct && fixedPlace(struct, path);
    const fast = place && inPlace(place);
    if (fast) return fast;
    return (b, _view, at, length, header) => {
      const data = b.subarray(at, at + length);
      const decoded = this.codec.decodeDataFast(kind, data);
      // Refused: the reference's values as far as they decoded.
      return walk(decoded ?? decodeData(this.layout, header(), data).data, path);
    };
  }
}

const access = new WeakMap<Layout, LayoutAccess>();

/** The compiled access to a layout (made on first use, kept while the layout lives). */
export function layoutAccess(layout: Layout): LayoutAccess {
  let a = access.get(layout);
  if (!a) access.set(layout, (a = new LayoutAccess(layout)));
  return a;
}
