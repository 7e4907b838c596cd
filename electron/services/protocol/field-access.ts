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

/** Reads the value at one path of a message of one kind; undefined where the message has none. */
type KindReader = (data: Uint8Array, header: HeaderValue) => FieldValue | undefined;

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
function intAt(t: IntType, d: Uint8Array, at: number): number | bigint {
  const n = t.bits / 8;
  const le = t.endian === 'little';
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
function inPlace(place: Fixed): ((d: Uint8Array) => FieldValue | undefined) | undefined {
  const { offset, type } = place;
  const size = fixedSize(type) ?? 0;
  const end = offset + size;
  switch (type.kind) {
    case 'int': {
      if (place.bits) {
        const { at, width, names } = place.bits;
        return (d) => {
          if (d.length < end) return undefined;
          const raw = BigInt.asUintN(type.bits, BigInt(intAt(type, d, offset)));
          const v = (raw >> BigInt(at)) & ((1n << BigInt(width)) - 1n);
          return (names && valueName(names, v)) ?? (width > 48 ? v : Number(v));
        };
      }
      if (type.subfields) return undefined;
      const names = type.enum;
      if (names) {
        const table = new Map(names.entries.map((e) => [intIsBig(type) ? e.value : Number(e.value), e.name]));
        return (d) => {
          if (d.length < end) return undefined;
          const v = intAt(type, d, offset);
          return table.get(v) ?? v;
        };
      }
      return (d) => (d.length < end ? undefined : intAt(type, d, offset));
    }
    case 'float':
      return (d) =>
        d.length < end
          ? undefined
          : new DataView(d.buffer, d.byteOffset + offset, size)[type.bits === 32 ? 'getFloat32' : 'getFloat64'](
              0,
              type.endian === 'little',
            );
    case 'bool':
      // A byte past 1 stops the codec here: no value.
      return (d) => (d.length < end || (d[offset] as number) > 1 ? undefined : d[offset] === 1);
    case 'bytes':
      return (d) => (d.length < end ? undefined : d.slice(offset, end));
    case 'string':
      return (d) => {
        if (d.length < end) return undefined;
        let keep = end;
        if (type.pad !== undefined) while (keep > offset && d[keep - 1] === type.pad) keep--;
        if (type.encoding === 'latin1') return latin1Text(d.subarray(offset, keep));
        try {
          return utf8.decode(d.subarray(offset, keep));
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

/** Reading fields of one layout's messages, compiled once per layout and path. */
export class LayoutAccess {
  readonly codec: CompiledCodec;
  /** The header fields some kind's `when` reads (others need not be read per message). */
  readonly selects: ReadonlySet<HeaderKey>;
  readonly #paths = new Map<string, KindReader[]>();

  constructor(readonly layout: Layout) {
    this.codec = compileCodec(layout);
    this.selects = new Set(HEADER_KEYS.filter((k) => layout.messages.some((m) => m.when[k] !== undefined)));
  }

  /** The index of the kind these header values select, or -1. */
  kindOf(header: Pick<HeaderValue, HeaderKey>): number {
    const kind = selectKind(this.layout, header);
    return kind ? this.layout.messages.indexOf(kind) : -1;
  }

  /** The value at @path of a message of kind @kind (its data and header); undefined where it has none. */
  read(kind: number, path: DataPath, data: Uint8Array, header: HeaderValue): FieldValue | undefined {
    const key = path.join('\u0000');
    let readers = this.#paths.get(key);
    if (!readers) this.#paths.set(key, (readers = this.layout.messages.map((_, k) => this.#reader(k, path))));
    return readers[kind]?.(data, header);
  }

  #reader(kind: number, path: DataPath): KindReader {
    const struct = this.layout.messages[kind]?.struct;
    const place = struct && fixedPlace(struct, path);
    const fast = place && inPlace(place);
    if (fast) return (data) => fast(data);
    return (data, header) => {
      const decoded = this.codec.decodeDataFast(kind, data);
      // Refused: the reference's values as far as they decoded.
      return walk(decoded ?? decodeData(this.layout, header, data).data, path);
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
