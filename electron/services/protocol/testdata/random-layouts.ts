// Random layout documents for the differential test: every feature of the
// format (integers of every width, signedness and byte order, enums, flags,
// bit fields with unnamed bits, floats, booleans, bytes and strings of every
// size form and encoding, structs, arrays of every count form, `when` with
// numbers past 2^53 and enum names, reply matching, volatile fields) and
// names chosen to hurt: C and C++ keywords, macros, the generated code's own
// locals, JavaScript's special property names, Lua's keywords, and names that
// make the same generated name as another part. Built by construction so that
// the loader accepts every one (a refusal is a finding too).
import fc from 'fast-check';

/** Names that are keywords, macros, generated locals or special properties somewhere. */
export const NASTY_NAMES = [
  'raw', 'n', 'i', 'k', 'err', 'used', 'start', 'todo', 'p', 'at', 'len', 'out', 'in', 'buf', 'cap', 'used_out',
  'int', 'class', 'errno', 'current', 'linux', 'and', 'not', 'new', 'delete', 'this', 'template', 'bool', 'true',
  'rest', 'data', 'header', 'kind', 'type', 'id', 'user_value', 'length', 'msg', 'msg_kind', 'size', 'count', 'wire',
  'constructor', 'prototype', 'tostring', 'valueof', 'eval', 'arguments', 'function', 'return', 'var', 'let', 'await',
  'null', 'undefined', 'nan', 'infinity', 'end', 'local', 'nil', 'then', 'elseif', 'repeat', 'until', 'self', 'scope',
  'off', 'ctx', 'tree', 'path', 'fpath', 'item', 'v', 'b', 'x', 'x_size', 'x_wire', 'x_count', 'x_data', 'x_2',
  'view', 'bytes', 'pos', 'error', 'value', 'values', 'point', 'sample',
];

type Doc = Record<string, unknown>;
type Draw = <T>(arb: fc.Arbitrary<T>) => T;

const INT_BITS = [8, 16, 24, 32, 40, 48, 56, 64];
const U64_MAX = (1n << 64n) - 1n;

interface IntInfo {
  bits: number;
  signed: boolean;
}

interface Builder {
  draw: Draw;
  enums: Map<string, bigint[]>;
  flags: Map<string, number[]>;
  /** types defined so far, with whether they end in rest (then only last, never in arrays) and their fewest bytes */
  types: Map<string, { endsInRest: boolean; minSize: number }>;
}

function pickName(draw: Draw, taken: Set<string>): string {
  for (;;) {
    const name = draw(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...NASTY_NAMES) },
        { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/) },
      ),
    );
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
    // a taken name: derive one that is not
    const derived = `${name}_${taken.size}`;
    if (!taken.has(derived)) {
      taken.add(derived);
      return derived;
    }
  }
}

const doc = (draw: Draw): string | undefined =>
  draw(fc.option(fc.constantFrom('a */ comment ender', 'quotes " and \' and \\ too', '-- ]] lua ends', 'line one\nline two', 'ünïcödé → ok'), { freq: 4 })) ??
  undefined;

function intMax({ bits, signed }: IntInfo): bigint {
  return signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
}

/** An integer field: plain, or with an enum, flags or bits that fit it. */
function intField(b: Builder, name: string, plain: boolean): Doc {
  const { draw } = b;
  const bits = draw(fc.constantFrom(...INT_BITS));
  const signed = plain ? false : draw(fc.boolean());
  const f: Doc = { name, type: `${signed ? 's' : 'u'}${bits}` };
  if (draw(fc.integer({ min: 0, max: 3 })) === 0) f.endian = draw(fc.constantFrom('little', 'big'));
  if (plain) return f;
  const extra = draw(fc.integer({ min: 0, max: 5 }));
  const info = { bits, signed };
  if (extra === 1) {
    const fits = [...b.enums].filter(([, values]) => values.every((v) => v <= intMax(info)));
    if (fits.length) f.enum = draw(fc.constantFrom(...fits.map(([n]) => n)));
  } else if (extra === 2) {
    const fits = [...b.flags].filter(([, bitsUsed]) => bitsUsed.every((x) => x < bits));
    if (fits.length) f.flags = draw(fc.constantFrom(...fits.map(([n]) => n)));
  } else if (extra === 3) {
    // Parts from low to high with gaps, so that some bits are unnamed.
    const parts: Doc[] = [];
    const names = new Set<string>();
    let at = draw(fc.integer({ min: 0, max: 3 }));
    while (at < bits && parts.length < 4) {
      const width = draw(fc.integer({ min: 1, max: Math.min(bits - at, draw(fc.constantFrom(3, 8, 33, 64))) }));
      const part: Doc = { name: pickName(draw, names), at };
      if (width !== 1) part.width = width;
      const fits = [...b.enums].filter(([, values]) => values.every((v) => v < 1n << BigInt(width)));
      if (fits.length && draw(fc.integer({ min: 0, max: 3 })) === 0) part.enum = draw(fc.constantFrom(...fits.map(([n]) => n)));
      if (draw(fc.integer({ min: 0, max: 5 })) === 0) part.volatile = true;
      parts.push(part);
      at += width + draw(fc.integer({ min: 0, max: 4 }));
    }
    if (parts.length) f.bits = parts;
  }
  return f;
}

/** A length: fixed, an earlier plain unsigned field (@lengths, used once each), a prefix, or rest. */
function length(b: Builder, lengths: string[], allowRest: boolean, fixedMax: number): unknown {
  const { draw } = b;
  const forms = ['fixed', 'prefix', ...(lengths.length ? ['field'] : []), ...(allowRest ? ['rest'] : [])];
  switch (draw(fc.constantFrom(...forms))) {
    case 'fixed':
      return draw(fc.integer({ min: 0, max: fixedMax }));
    case 'prefix': {
      const prefix: Doc = { prefix: `u${draw(fc.constantFrom(8, 16, 24, 32, 64))}` };
      if (draw(fc.boolean())) prefix.endian = draw(fc.constantFrom('little', 'big'));
      return prefix;
    }
    case 'field':
      return lengths.splice(draw(fc.integer({ min: 0, max: lengths.length - 1 })), 1)[0];
    default:
      return 'rest';
  }
}

/** The fields of a struct; @fixedOnly keeps every field of fixed size (for wire structs). */
function fields(b: Builder): Doc[] {
  const { draw } = b;
  const n = draw(fc.integer({ min: 0, max: 6 }));
  const names = new Set<string>();
  const out: Doc[] = [];
  const lengths: string[] = [];
  for (let i = 0; i < n; i++) {
    const last = i === n - 1;
    const name = pickName(draw, names);
    const kind = draw(fc.constantFrom('int', 'int', 'length', 'float', 'bool', 'bytes', 'string', 'string', 'struct'));
    let f: Doc;
    let elementMin = 1;
    let endsInRest = false;
    switch (kind) {
      case 'length':
        f = intField(b, name, true);
        break;
      case 'int':
        f = intField(b, name, false);
        break;
      case 'float':
        f = { name, type: draw(fc.constantFrom('f32', 'f64')) };
        if (draw(fc.boolean())) f.endian = draw(fc.constantFrom('little', 'big'));
        break;
      case 'bool':
        f = { name, type: 'bool' };
        break;
      case 'struct': {
        const usable = [...b.types].filter(([, t]) => !t.endsInRest || last);
        if (!usable.length) {
          f = { name, type: 'bool' };
          break;
        }
        const [type, info] = draw(fc.constantFrom(...usable));
        f = { name, type };
        elementMin = info.minSize;
        endsInRest = info.endsInRest;
        break;
      }
      default: {
        f = { name, type: kind };
        const size = length(b, lengths, last, 6);
        f.size = size;
        elementMin = typeof size === 'number' ? size : typeof size === 'object' ? 1 : 0;
        endsInRest = size === 'rest';
        if (kind === 'string') {
          if (draw(fc.boolean())) f.encoding = draw(fc.constantFrom('utf8', 'latin1'));
          if (typeof size === 'number' && draw(fc.boolean())) f.pad = draw(fc.constantFrom(0, 32, 255));
        }
      }
    }
    // Arrays: not of something that reads to the end; to the end only last and of elements that take a byte.
    if (kind !== 'length' && !endsInRest && draw(fc.integer({ min: 0, max: 3 })) === 0) f.count = length(b, lengths, last && elementMin > 0, 3);
    // A length field measures what comes after it, once (one called rest could not be named: `rest` means to the end).
    if (kind === 'length' && name !== 'rest') lengths.push(name);
    if (draw(fc.integer({ min: 0, max: 6 })) === 0) f.volatile = true;
    const d = doc(draw);
    if (d !== undefined) f.doc = d;
    out.push(f);
  }
  return out;
}

/** The fewest bytes of a struct's fields, and whether it ends in rest. */
function describe(b: Builder, list: Doc[]): { endsInRest: boolean; minSize: number } {
  let minSize = 0;
  let endsInRest = false;
  for (const f of list) {
    endsInRest = false;
    const type = String(f.type);
    const int = /^[us](\d+)$/.exec(type);
    let one = int ? Number(int[1]) / 8 : type === 'f32' ? 4 : type === 'f64' ? 8 : type === 'bool' ? 1 : 0;
    if (type === 'bytes' || type === 'string') {
      one = typeof f.size === 'number' ? f.size : typeof f.size === 'object' ? Number(/\d+/.exec(String((f.size as Doc).prefix))?.[0]) / 8 : 0;
      if (f.size === 'rest') endsInRest = true;
    }
    const t = b.types.get(type);
    if (t) {
      one = t.minSize;
      endsInRest = t.endsInRest;
    }
    if (f.count === 'rest') endsInRest = true;
    minSize += f.count === undefined ? one : typeof f.count === 'number' ? f.count * one : typeof f.count === 'object' ? Number(/\d+/.exec(String((f.count as Doc).prefix))?.[0]) / 8 : 0;
  }
  return { endsInRest, minSize };
}

/** A random layout document (plain data, as the YAML would hold it). */
export const layoutDocument: fc.Arbitrary<Doc> = fc.gen().map((g) => {
  const draw: Draw = (arb) => g(() => arb);
  const b: Builder = { draw, enums: new Map(), flags: new Map(), types: new Map() };
  const top = new Set<string>();
  const layout: Doc = { protocol: pickName(draw, new Set()) };
  if (draw(fc.boolean())) layout.endian = draw(fc.constantFrom('little', 'big'));
  const d = doc(draw);
  if (d !== undefined) layout.doc = d;

  const enums: Doc = {};
  for (let i = draw(fc.integer({ min: 0, max: 3 })); i > 0; i--) {
    const name = pickName(draw, top);
    const values = draw(fc.uniqueArray(fc.oneof(fc.bigInt({ min: 0n, max: 20n }), fc.constantFrom(127n, 255n, 2n ** 53n + 1n, U64_MAX >> 1n)), { minLength: 1, maxLength: 4 }));
    const entryNames = new Set<string>();
    enums[name] = Object.fromEntries(values.map((v) => [draw(fc.boolean()) ? `0x${v.toString(16)}` : v.toString(), pickName(draw, entryNames)]));
    b.enums.set(name, values);
  }
  if (Object.keys(enums).length) layout.enums = enums;
  const flags: Doc = {};
  for (let i = draw(fc.integer({ min: 0, max: 2 })); i > 0; i--) {
    const name = pickName(draw, top);
    const bits = draw(fc.uniqueArray(fc.integer({ min: 0, max: 63 }), { minLength: 1, maxLength: 4 }));
    const entryNames = new Set<string>();
    flags[name] = Object.fromEntries(bits.map((x) => [String(x), pickName(draw, entryNames)]));
    b.flags.set(name, bits);
  }
  if (Object.keys(flags).length) layout.flags = flags;

  const header: Doc = {};
  const typeEnum = [...b.enums].find(([, values]) => values.length > 1);
  if (typeEnum && draw(fc.boolean())) header.type = { name: pickName(draw, new Set()), enum: typeEnum[0] };
  if (draw(fc.boolean())) header.user_value = { volatile: true };
  if (Object.keys(header).length) layout.header = header;
  if (draw(fc.boolean())) layout.reply = { match: draw(fc.subarray(['type', 'id', 'user_value'], { minLength: 1 })) };

  const types: Doc = {};
  for (let i = draw(fc.integer({ min: 0, max: 3 })); i > 0; i--) {
    const name = pickName(draw, new Set(['u8', 'bool', ...b.types.keys()]));
    if (/^([us](8|16|24|32|40|48|56|64)|f32|f64|bool|bytes|string)$/.test(name)) continue;
    const list = fields(b);
    types[name] = { fields: list };
    b.types.set(name, describe(b, list));
  }
  if (Object.keys(types).length) layout.types = types;

  // Kinds select on distinct type values (some past 2^53, some by enum
  // name); the last may have no `when` and take everything else.
  const messages: Doc[] = [];
  const kindNames = new Set<string>();
  const kinds = draw(fc.integer({ min: 1, max: 4 }));
  const typeValues = draw(fc.uniqueArray(fc.oneof(fc.bigInt({ min: 0n, max: 9n }), fc.constantFrom(2n ** 53n + 1n, U64_MAX)), { minLength: kinds, maxLength: kinds }));
  typeValues.forEach((value, i) => {
    const m: Doc = { name: pickName(draw, kindNames) };
    const last = i === typeValues.length - 1;
    if (!(last && draw(fc.integer({ min: 0, max: 3 })) === 0)) {
      const enumValues = typeEnum && header.type ? typeEnum[1] : [];
      const named = enumValues.indexOf(value);
      const enumTable = typeEnum ? (enums[typeEnum[0]] as Record<string, string>) : {};
      const entryName = named >= 0 ? Object.entries(enumTable).find(([k]) => BigInt(k) === value)?.[1] : undefined;
      const when: Doc = { type: entryName ?? (value > BigInt(Number.MAX_SAFE_INTEGER) ? value : Number(value)) };
      if (draw(fc.integer({ min: 0, max: 4 })) === 0) when.user_value = U64_MAX;
      m.when = when;
    }
    const md = doc(draw);
    if (md !== undefined) m.doc = md;
    const list = fields(b);
    if (list.length || draw(fc.boolean())) m.fields = list;
    messages.push(m);
  });
  layout.messages = messages;
  return layout;
});
