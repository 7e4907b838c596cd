// Compiled decoders and encoders: JavaScript generated per layout when it
// loads (as protobufjs and avsc do), in the backend only: the renderer's CSP
// forbids runtime code generation and keeps doing so. The interpreted codec
// (decode.ts, encode.ts) stays the reference: the compiled code takes the
// fast path and, for a message that does not fit (or a value it cannot
// encode), hands over to the reference, which says precisely what and where.
// The differential test holds the two to the same values and verdicts.
//
// Layouts come from files, git and remote Studios, so their text is hostile.
// Nothing from a layout is spliced into the generated source except names
// checked against the identifier pattern (and then quoted) and integers
// checked to be integers; every other datum (enum tables, kind names, text
// decoders) reaches the code through the constants array K.
import { decodeMessage as interpretMessage, latin1Text, readInt } from './decode.ts';
import { encodeData as interpretEncode } from './encode.ts';
import {
  HEADER_KEYS,
  fieldFixedSize,
  fixedSize,
  intIsBig,
  scalarSize,
  structFixedSize,
  type FieldDef,
  type FieldType,
  type IntType,
  type Layout,
  type HeaderKey,
  type Length,
  type StructDef,
  type ValueNames,
} from './layout.ts';
import type { DecodeError, HeaderValue, StructValue } from './values.ts';

/** What the compiled decoder gives: the codec's values and verdict, without the field tree. */
export interface CompiledDecoded {
  kind?: string;
  header: HeaderValue;
  data: StructValue;
  error?: DecodeError;
}

export interface CompiledCodec {
  /** The data of a message of @kind (its index in layout.messages); undefined when it does not fit. */
  decodeDataFast(kind: number, data: Uint8Array): StructValue | undefined;
  /** Whether data[from .. to] is a message of @kind the codec accepts: the verdict alone, fast (the reference says why not). */
  fits(kind: number, data: Uint8Array, from: number, to: number): boolean;
  /** A whole message, header included, with the reference codec's error where it does not fit. */
  decodeMessage(message: Uint8Array): CompiledDecoded;
  /** The data bytes of a kind's value; undefined where the compiled encoder cannot (the reference then says why). */
  encodeDataFast(kindName: string, value: StructValue): Uint8Array | undefined;
  /** The data bytes of a kind's value, or the reference encoder's EncodeError. */
  encodeData(kindName: string, value: StructValue): Uint8Array;
}

export class UnsafeLayoutError extends Error {}

const NAME = /^[a-z][a-z0-9_]*$/;

/** A layout name as a quoted property key, after checking it is one. */
function key(name: string): string {
  if (!NAME.test(name))
    throw new UnsafeLayoutError(`"${name}" is not a layout name ([a-z][a-z0-9_]*): refusing to compile it`);
  return JSON.stringify(name);
}

function int(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new UnsafeLayoutError(`${n} is not a size, count or bit number: refusing to compile it`);
  return String(n);
}

/** Fixed arrays up to this many elements are read element by element, without a loop. */
const UNROLL = 16;

/** Raised inside generated code when the bytes or value do not fit; never leaves this module. */
const STOP = Object.freeze({ stop: true });

/** Text decoding as the reference does it; STOP where it refuses. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
function text(b: Uint8Array, from: number, to: number, isUtf8: boolean): string {
  if (!isUtf8) return latin1Text(b.subarray(from, to));
  // ASCII (most text) without a TextDecoder call.
  let s = '';
  for (let i = from; i < to; i++) {
    const c = b[i] as number;
    if (c >= 0x80 || to - from > 64) {
      try {
        return utf8.decode(b.subarray(from, to));
      } catch {
        throw STOP;
      }
    }
    s += String.fromCharCode(c);
  }
  return s;
}

/** The constants generated code reads: K[i]. */
class Constants {
  readonly list: unknown[] = [];
  readonly #index = new Map<unknown, number>();
  ref(v: unknown): string {
    let i = this.#index.get(v);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(v);
      this.#index.set(v, i);
    }
    return `K[${i}]`;
  }
}

/** Enum value -> name, keyed as the field's values are (number, or bigint past 48 bits). */
function enumTable(e: ValueNames, big: boolean): Map<number | bigint, string> {
  return new Map(e.entries.map((x) => [big ? x.value : Number(x.value), x.name]));
}

// ---- decoding

class DecoderSource {
  readonly k = new Constants();
  readonly fns = new Map<StructDef, string>();
  readonly code: string[] = [];
  #locals = 0;
  /** Bytes after p already checked to be there (one check for a run of fixed-size fields). */
  #checked = 0;

  local(): string {
    return `v${this.#locals++}`;
  }

  /** The check that @n more bytes are there, unless a run's check covered them. */
  need(n: number): string[] {
    if (this.#checked >= n) {
      this.#checked -= n;
      return [];
    }
    this.#checked = 0;
    return [`if (p + ${int(n)} > end) throw STOP;`];
  }

  struct(s: StructDef): string {
    let fn = this.fns.get(s);
    if (fn !== undefined) return fn;
    fn = `s${this.fns.size}`;
    this.fns.set(s, fn);
    const outerChecked = this.#checked;
    this.#checked = 0;
    const body: string[] = [];
    const locals = new Map<string, string>();
    s.fields.forEach((f, i) => {
      if (this.#checked === 0) body.push(...this.runCheck(s.fields.slice(i)));
      const v = this.local();
      locals.set(f.name, v);
      body.push(...this.field(f, v, locals));
    });
    this.#checked = outerChecked;
    const literal = s.fields.map((f) => `${key(f.name)}: ${locals.get(f.name)}`).join(', ');
    this.code.push(`function ${fn}() {`, ...body.map((l) => `\t${l}`), `\treturn { ${literal} };`, '}');
    return fn;
  }

  /**
   * One check for the run of fixed-size fields that starts @fields: the
   * message is refused where it is shorter all the same, and the fields of
   * the run then read without a check each.
   */
  runCheck(fields: FieldDef[]): string[] {
    let run = 0;
    for (const f of fields) {
      const size = fieldFixedSize(f);
      if (size === undefined) break;
      run += size;
    }
    if (run <= (fields[0] ? (scalarSize(fields[0].type) ?? 0) : 0)) return [];
    this.#checked = run;
    return [`if (p + ${int(run)} > end) throw STOP;`];
  }

  /** Lines setting @v to a field's value, advancing p. */
  field(f: FieldDef, v: string, locals: Map<string, string>): string[] {
    if (f.count === undefined) return this.value(f.type, v, locals);
    const elementSize = fixedSize(f.type);
    if (f.count.kind === 'fixed' && f.count.n <= UNROLL && elementSize !== undefined) {
      // A short fixed array: its elements one after the other, checked by the run.
      const lines: string[] = [];
      const elements = Array.from({ length: f.count.n }, () => this.local());
      for (const e of elements) lines.push(...this.value(f.type, e, locals));
      return [...lines, `const ${v} = [${elements.join(', ')}];`];
    }
    // The body of a loop runs many times: its reads are checked each time.
    this.#checked = 0;
    const lines: string[] = [];
    const n = this.local();
    const i = this.local();
    const e = this.local();
    lines.push(...this.length(f.count, n, locals, true));
    lines.push(`const ${v} = [];`);
    lines.push(f.count.kind === 'rest' ? 'while (p < end) {' : `for (let ${i} = 0; ${i} < ${n}; ${i}++) {`);
    lines.push(...this.value(f.type, e, locals).map((l) => `\t${l}`), `\t${v}.push(${e});`, '}');
    this.#checked = 0;
    return lines;
  }

  /** Lines setting @n to a count or size (a count never more than the bytes left, as the reference checks). */
  length(len: Length, n: string, locals: Map<string, string>, isCount: boolean): string[] {
    switch (len.kind) {
      case 'fixed':
        return [`const ${n} = ${int(len.n)};`];
      case 'rest':
        return [`const ${n} = end - p;`];
      case 'field': {
        const src = locals.get(len.field);
        if (src === undefined) throw new UnsafeLayoutError(`no length field ${len.field}`);
        return [`const ${n} = Number(${src});`, ...(isCount ? [`if (${n} > end - p) throw STOP;`] : [])];
      }
      case 'prefix': {
        const bytes = len.int.bits / 8;
        const lines = [
          ...this.need(bytes),
          `const ${n} = Number(${this.readInt({ ...len.int, signed: false })});`,
          `p += ${int(bytes)};`,
        ];
        if (isCount) lines.push(`if (${n} > end - p) throw STOP;`);
        return lines;
      }
    }
  }

  /** An expression reading an integer at p (a number up to 48 bits, else a BigInt), as the reference does. */
  readInt(t: IntType): string {
    const n = t.bits / 8;
    const le = t.endian === 'little';
    const at = (i: number): string => `b[p + ${int(le ? i : n - 1 - i)}]`;
    switch (n) {
      case 1:
        return t.signed ? '(b[p] << 24 >> 24)' : 'b[p]';
      case 2:
        return t.signed ? `((${at(0)} | ${at(1)} << 8) << 16 >> 16)` : `(${at(0)} | ${at(1)} << 8)`;
      case 3:
        return t.signed
          ? `((${at(0)} | ${at(1)} << 8 | ${at(2)} << 16) << 8 >> 8)`
          : `(${at(0)} | ${at(1)} << 8 | ${at(2)} << 16)`;
      case 4: {
        const word = `${at(0)} | ${at(1)} << 8 | ${at(2)} << 16 | ${at(3)} << 24`;
        return t.signed ? `(${word})` : `((${word}) >>> 0)`;
      }
      case 5:
      case 6: {
        // low 32 bits unsigned, the high byte(s) signed or not
        const low = `((${at(0)} | ${at(1)} << 8 | ${at(2)} << 16 | ${at(3)} << 24) >>> 0)`;
        const hiRaw = n === 5 ? at(4) : `(${at(4)} | ${at(5)} << 8)`;
        const shift = 32 - (n - 4) * 8;
        const hi = t.signed ? `(${hiRaw} << ${shift} >> ${shift})` : hiRaw;
        return `(${hi} * 4294967296 + ${low})`;
      }
      case 8:
        return scratchRead(8, at, t.signed ? 'I64' : 'U64');
      default:
        return `${this.k.ref(readInt)}(view(), p, ${int(n)}, ${le}, ${t.signed})`;
    }
  }

  /** An expression reading a float at p, through the scratch bytes (no DataView per buffer). */
  readFloat(bits: number, le: boolean): string {
    const n = bits / 8;
    return scratchRead(n, (i) => `b[p + ${int(le ? i : n - 1 - i)}]`, bits === 32 ? 'F32' : 'F64');
  }

  value(t: FieldType, v: string, locals: Map<string, string>): string[] {
    switch (t.kind) {
      case 'int': {
        const n = t.bits / 8;
        const lines = this.need(n);
        if (t.subfields) return [...lines, ...this.bits(t, v)];
        if (t.enum) {
          const raw = this.local();
          lines.push(
            `const ${raw} = ${this.readInt(t)};`,
            `const ${v} = ${this.k.ref(enumTable(t.enum, intIsBig(t)))}.get(${raw}) ?? ${raw};`,
          );
        } else lines.push(`const ${v} = ${this.readInt(t)};`);
        lines.push(`p += ${int(n)};`);
        return lines;
      }
      case 'float': {
        const n = t.bits / 8;
        return [...this.need(n), `const ${v} = ${this.readFloat(t.bits, t.endian === 'little')};`, `p += ${int(n)};`];
      }
      case 'bool':
        return [...this.need(1), 'if (b[p] > 1) throw STOP;', `const ${v} = b[p++] === 1;`];
      case 'bytes':
      case 'string': {
        const n = this.local();
        const lines = [...this.length(t.size, n, locals, false), `if (${n} > end - p) throw STOP;`];
        if (t.kind === 'bytes') return [...lines, `const ${v} = b.subarray(p, p + ${n});`, `p += ${n};`];
        const keep = this.local();
        lines.push(`let ${keep} = p + ${n};`);
        if (t.pad !== undefined) lines.push(`while (${keep} > p && b[${keep} - 1] === ${int(t.pad)}) ${keep}--;`);
        lines.push(`const ${v} = ${this.k.ref(text)}(b, p, ${keep}, ${t.encoding === 'utf8'});`, `p += ${n};`);
        return lines;
      }
      case 'struct': {
        // The struct's function checks its own reads; what it reads counts against the run.
        const size = structFixedSize(t.struct);
        this.#checked = size === undefined ? 0 : Math.max(0, this.#checked - size);
        return [`const ${v} = ${this.struct(t.struct)}();`];
      }
    }
  }

  /** A bit-field integer: its parts (and the bits no part names, as $rest when not zero). */
  bits(t: IntType, v: string): string[] {
    const raw = this.local();
    const big = t.bits > 48;
    const lines = [
      `const ${raw} = ${big ? `BigInt.asUintN(${int(t.bits)}, BigInt(${this.readInt(t)}))` : `${this.readInt({ ...t, signed: false })}`};`,
      `p += ${int(t.bits / 8)};`,
    ];
    const parts: string[] = [];
    let covered = 0n;
    for (const bf of t.subfields ?? []) {
      covered |= ((1n << BigInt(bf.width)) - 1n) << BigInt(bf.at);
      const part = this.local();
      // Numbers are exact to 2^53: parts of a container up to 48 bits are read without BigInt.
      const expr = big
        ? `(${raw} >> ${int(bf.at)}n) & ${((1n << BigInt(bf.width)) - 1n).toString()}n`
        : `Math.floor(${raw} / ${int(2 ** bf.at)}) % ${int(2 ** bf.width)}`;
      const asValue = big && bf.width <= 48 ? `Number(${expr})` : expr;
      lines.push(`const ${part} = ${asValue};`);
      parts.push(
        `${key(bf.name)}: ${bf.enum ? `${this.k.ref(enumTable(bf.enum, bf.width > 48))}.get(${part}) ?? ${part}` : part}`,
      );
    }
    const unnamed = BigInt.asUintN(t.bits, ~covered);
    lines.push(`const ${v} = { ${parts.join(', ')} };`);
    if (unnamed !== 0n) {
      const rest = big ? `${raw} & ${unnamed.toString()}n` : `${this.k.ref(restBits)}(${raw}, ${int(Number(unnamed))})`;
      lines.push(`{ const r = ${rest}; if (r) ${v}.$rest = r; }`);
    }
    return lines;
  }
}

/**
 * Lines of `message(bytes)`: the header read without BigInt where it can be
 * (the 32-bit halves compared to each kind's `when`, in the layout's order,
 * as selectKind does), the kind's data decoded, and the result; undefined
 * where the header length disagrees or no kind matches (the reference then
 * says why). Header values a kind selects on are its own constants; small
 * values come from a table: most messages allocate no BigInt for them.
 */
function messageSource(layout: Layout, dec: DecoderSource): string[] {
  const keyAt: Record<HeaderKey, number> = { type: 8, id: 16, user_value: 24 };
  const read = (k: HeaderKey): string[] => [
    `const ${k}0 = u32(from + ${int(keyAt[k])}), ${k}1 = u32(from + ${int(keyAt[k] + 4)});`,
  ];
  const selected = HEADER_KEYS.filter((k) => layout.messages.some((m) => m.when[k] !== undefined));
  const lines = [
    `const SMALL = ${dec.k.ref(SMALL_BIGINTS)};`,
    `const NAMES = ${dec.k.ref(layout.messages.map((m) => m.name))};`,
    'function message(bytes, from, to) {',
    '\tif (to - from < 32) return undefined;',
    '\tif (bytes !== b) { b = bytes; dv = undefined; }',
    '\tconst length0 = u32(from), length1 = u32(from + 4);',
    `\tif (length1 !== 0 || length0 !== to - from - 32) return undefined;`,
    ...selected.flatMap(read).map((l) => `\t${l}`),
    '\tlet kind, type, id, user_value;',
  ];
  const half = (v: bigint): [string, string] => [int(Number(v & 0xffffffffn)), int(Number(v >> 32n))];
  layout.messages.forEach((m, i) => {
    const tests = HEADER_KEYS.filter((k) => m.when[k] !== undefined).map((k) => {
      const [lo, hi] = half(m.when[k] as bigint);
      return `${k}0 === ${lo} && ${k}1 === ${hi}`;
    });
    const known = HEADER_KEYS.filter((k) => m.when[k] !== undefined).map(
      (k) => `${k} = ${dec.k.ref(m.when[k] as bigint)};`,
    );
    lines.push(
      `\t${i === 0 ? '' : 'else '}if (${tests.length ? tests.join(' && ') : 'true'}) { kind = ${int(i)}; ${known.join(' ')} }`,
    );
  });
  lines.push('\telse return undefined;');
  for (const k of HEADER_KEYS) {
    const at = int(keyAt[k]);
    lines.push(`\t${k} ??= header(from + ${at});`);
  }
  lines.push(
    '\tp = from + 32; end = to;',
    '\tconst data = kinds[kind]();',
    '\tif (p !== end) throw STOP;',
    `\treturn { kind: NAMES[kind], header: { length: length0 < ${int(SMALL_BIGINTS.length)} ? SMALL[length0] : BigInt(length0), type, id, user_value }, data };`,
    '}',
    '/** A header value, from the table of small ones where it is one. */',
    'function header(at) {',
    '\tconst lo = u32(at);',
    `\treturn lo < ${int(SMALL_BIGINTS.length)} && u32(at + 4) === 0 ? SMALL[lo] : ${scratchRead(8, (i) => `b[at + ${i}]`, 'U64')};`,
    '}',
  );
  return lines;
}

/** Whether this machine keeps numbers little-endian (the scratch arrays' byte order). */
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * An expression reading @n bytes as one value of a scratch array (U64, I64,
 * F32, F64 over the same 8 bytes): @byteOf(i) gives the byte of significance
 * i, copied where this machine keeps it.
 */
function scratchRead(n: number, byteOf: (i: number) => string, array: string): string {
  const copies = Array.from({ length: n }, (_, i) => `S[${int(HOST_LE ? i : n - 1 - i)}] = ${byteOf(i)}`);
  return `(${copies.join(', ')}, ${array}[0])`;
}

/** BigInts 0..1023, so small header values need no allocation per message. */
const SMALL_BIGINTS: readonly bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

/** The bits of @raw in @mask, both numbers up to 48 bits (past 32, bit operators do not reach). */
function restBits(raw: number, mask: number): number {
  const lo = ((raw % 4294967296) & (mask % 4294967296)) >>> 0;
  const hi = (Math.floor(raw / 4294967296) & Math.floor(mask / 4294967296)) >>> 0;
  return hi * 4294967296 + lo;
}

// ---- encoding

class EncoderSource {
  readonly k = new Constants();
  readonly fns = new Map<StructDef, string>();
  readonly code: string[] = [];
  #locals = 0;

  local(): string {
    return `w${this.#locals++}`;
  }

  struct(s: StructDef): string {
    let fn = this.fns.get(s);
    if (fn !== undefined) return fn;
    fn = `e${this.fns.size}`;
    this.fns.set(s, fn);
    const body: string[] = [
      "if (typeof o !== 'object' || o === null || Array.isArray(o) || o instanceof Uint8Array) throw STOP;",
    ];
    // Length fields take the value of what they measure (left out, or agreeing).
    const lengths = new Map<string, string>();
    for (const f of s.fields) {
      const size = f.type.kind === 'bytes' || f.type.kind === 'string' ? f.type.size : undefined;
      for (const [len, isCount] of [
        [f.count, true],
        [size, false],
      ] as const) {
        if (len?.kind !== 'field') continue;
        const m = this.local();
        body.push(
          `let ${m} = ${isCount ? `${this.k.ref(countOf)}(own(o, ${key(f.name)}))` : `${this.k.ref(sizeOf)}(own(o, ${key(f.name)}), ${f.count !== undefined}, ${f.type.kind === 'string' && f.type.encoding === 'utf8' ? 1 : f.type.kind === 'string' ? 2 : 0})`};`,
        );
        const prev = lengths.get(len.field);
        if (prev === undefined) lengths.set(len.field, m);
        else body.push(`${prev} = ${this.k.ref(bothLengths)}(${prev}, ${m});`);
      }
    }
    for (const f of s.fields) {
      const v = this.local();
      const measured = lengths.get(f.name);
      body.push(`let ${v} = own(o, ${key(f.name)});`);
      if (measured !== undefined)
        body.push(
          `if (${v} === undefined) ${v} = ${measured} < 0n ? 0n : ${measured}; else if (${measured} >= 0n && !${this.k.ref(agrees)}(${v}, ${measured})) throw STOP;`,
        );
      body.push(...this.field(f, v));
    }
    this.code.push(`function ${fn}(o) {`, ...body.map((l) => `\t${l}`), '}');
    return fn;
  }

  field(f: FieldDef, v: string): string[] {
    if (f.count === undefined) return this.value(f.type, v);
    const lines = [`if (!Array.isArray(${v})) throw STOP;`];
    if (f.count.kind === 'fixed') lines.push(`if (${v}.length !== ${int(f.count.n)}) throw STOP;`);
    if (f.count.kind === 'prefix') lines.push(...this.writeInt(f.count.int, `${v}.length`));
    const x = this.local();
    lines.push(`for (const ${x} of ${v}) {`, ...this.value(f.type, x).map((l) => `\t${l}`), '}');
    return lines;
  }

  /** Lines writing integer @v (number or bigint, checked to fit). */
  writeInt(t: IntType, v: string): string[] {
    const min = t.signed ? -(1n << BigInt(t.bits - 1)) : 0n;
    const max = t.signed ? (1n << BigInt(t.bits - 1)) - 1n : (1n << BigInt(t.bits)) - 1n;
    return [`${this.k.ref(putInt)}(${v}, ${int(t.bits / 8)}, ${t.endian === 'little'}, ${min}n, ${max}n);`];
  }

  value(t: FieldType, v: string): string[] {
    switch (t.kind) {
      case 'int': {
        if (t.subfields) {
          const raw = this.local();
          const lines = [
            `if (typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v}) || ${v} instanceof Uint8Array) throw STOP;`,
          ];
          lines.push(
            `let ${raw} = ${v}.$rest === undefined ? 0n : ${this.k.ref(toBig)}(${v}.$rest, undefined, 0n, ${((1n << BigInt(t.bits)) - 1n).toString()}n);`,
          );
          for (const bf of t.subfields)
            lines.push(
              `${raw} |= ${this.k.ref(toBig)}(own(${v}, ${key(bf.name)}) ?? 0, ${bf.enum ? this.k.ref(nameTable(bf.enum)) : 'undefined'}, 0n, ${((1n << BigInt(bf.width)) - 1n).toString()}n) << ${int(bf.at)}n;`,
            );
          lines.push(...this.writeInt({ ...t, signed: false, subfields: undefined as never }, raw));
          return lines;
        }
        const min = t.signed ? -(1n << BigInt(t.bits - 1)) : 0n;
        const max = t.signed ? (1n << BigInt(t.bits - 1)) - 1n : (1n << BigInt(t.bits)) - 1n;
        const names = t.enum ? nameTable(t.enum) : t.flags ? flagTable(t.flags) : undefined;
        return [
          `${this.k.ref(putInt)}(${names ? `${this.k.ref(toBig)}(${v}, ${this.k.ref(names)}, ${min}n, ${max}n)` : v}, ${int(t.bits / 8)}, ${t.endian === 'little'}, ${min}n, ${max}n);`,
        ];
      }
      case 'float':
        return [
          `if (typeof ${v} !== 'number') throw STOP;`,
          `${this.k.ref(putFloat)}(${v}, ${t.bits === 32 ? 4 : 8}, ${t.endian === 'little'});`,
        ];
      case 'bool':
        return [`if (typeof ${v} !== 'boolean') throw STOP;`, `${this.k.ref(putBytes)}(${v} ? ONE : ZERO);`];
      case 'bytes':
      case 'string': {
        const bytes = this.local();
        const lines =
          t.kind === 'bytes'
            ? [`if (!(${v} instanceof Uint8Array)) throw STOP;`, `let ${bytes} = ${v};`]
            : [`let ${bytes} = ${this.k.ref(stringBytes)}(${v}, ${t.encoding === 'utf8'});`];
        if (t.size.kind === 'prefix') lines.push(...this.writeInt(t.size.int, `${bytes}.length`));
        if (t.size.kind === 'fixed') {
          const pad = t.kind === 'string' && t.pad !== undefined ? int(t.pad) : '-1';
          lines.push(`${bytes} = ${this.k.ref(fixedBytes)}(${bytes}, ${int(t.size.n)}, ${pad});`);
        }
        lines.push(`${this.k.ref(putBytes)}(${bytes});`);
        return lines;
      }
      case 'struct':
        return [`${this.struct(t.struct)}(${v});`];
    }
  }
}

function nameTable(e: ValueNames): Map<string, bigint> {
  return new Map(e.entries.map((x) => [x.name, x.value]));
}

/** Flag names -> their bit's value; a list of names (and numbers) is or-ed together. */
function flagTable(e: ValueNames): Map<string, bigint> {
  return new Map(e.entries.map((x) => [x.name, 1n << x.value]));
}

// The writer the generated encoders share (one encode at a time: JavaScript is single-threaded here).
let out = new Uint8Array(256);
let outView = new DataView(out.buffer);
let at = 0;
const ZERO = Uint8Array.of(0);
const ONE = Uint8Array.of(1);

function reserve(n: number): number {
  if (at + n > out.length) {
    const bigger = new Uint8Array(Math.max(out.length * 2, at + n));
    bigger.set(out.subarray(0, at));
    out = bigger;
    outView = new DataView(bigger.buffer);
  }
  const from = at;
  at += n;
  return from;
}

/** An integer value as a BigInt within [min, max]: a number, a BigInt, an enum name, or flags (names and numbers). */
function toBig(v: unknown, names: Map<string, bigint> | undefined, min: bigint, max: bigint): bigint {
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && names?.has(v)) n = names.get(v) as bigint;
  else if (Array.isArray(v) && names) {
    n = 0n;
    for (const x of v) n |= toBig(x, names, 0n, max);
  } else throw STOP;
  if (n < min || n > max) throw STOP;
  return n;
}

function putInt(v: unknown, bytes: number, le: boolean, min: bigint, max: bigint): void {
  if (typeof v === 'number' && bytes <= 6 && Number.isInteger(v) && v >= Number(min) && v <= Number(max)) {
    const from = reserve(bytes);
    let x = v < 0 ? v + 2 ** (bytes * 8) : v;
    for (let i = 0; i < bytes; i++) {
      out[from + (le ? i : bytes - 1 - i)] = x % 256;
      x = Math.floor(x / 256);
    }
    return;
  }
  let x = BigInt.asUintN(bytes * 8, toBig(v, undefined, min, max));
  const from = reserve(bytes);
  for (let i = 0; i < bytes; i++) {
    out[from + (le ? i : bytes - 1 - i)] = Number(x & 0xffn);
    x >>= 8n;
  }
}

function putFloat(v: number, bytes: 4 | 8, le: boolean): void {
  const from = reserve(bytes);
  if (bytes === 4) outView.setFloat32(from, v, le);
  else outView.setFloat64(from, v, le);
}

function putBytes(b: Uint8Array): void {
  const from = reserve(b.length);
  out.set(b, from);
}

function stringBytes(v: unknown, isUtf8: boolean): Uint8Array {
  if (typeof v !== 'string') throw STOP;
  if (isUtf8) return utf8Encoder.encode(v);
  const b = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c > 255) throw STOP;
    b[i] = c;
  }
  return b;
}

function fixedBytes(b: Uint8Array, n: number, pad: number): Uint8Array {
  if (b.length === n) return b;
  if (pad < 0 || b.length > n) throw STOP;
  const padded = new Uint8Array(n).fill(pad);
  padded.set(b);
  return padded;
}

/** Whether a length field's given value is the length it measures. */
function agrees(v: unknown, n: bigint): boolean {
  return (typeof v === 'number' && Number.isInteger(v) && BigInt(v) === n) || v === n;
}

function countOf(v: unknown): bigint {
  if (!Array.isArray(v)) throw STOP;
  return BigInt(v.length);
}

/** The byte size of a value (of every element, which must agree, for an array; -1n for none); encoding 1 utf8, 2 latin1, 0 bytes. */
function sizeOf(v: unknown, isArray: boolean, encoding: number): bigint {
  const one = (x: unknown): number => {
    if (encoding === 0) {
      if (!(x instanceof Uint8Array)) throw STOP;
      return x.length;
    }
    return stringBytes(x, encoding === 1).length;
  };
  if (!isArray) return BigInt(one(v));
  if (!Array.isArray(v)) throw STOP;
  const sizes = new Set(v.map(one));
  if (sizes.size > 1) throw STOP;
  const [size] = sizes;
  return size === undefined ? -1n : BigInt(size);
}

/** Two measures of one length field (-1n: an empty array's, which any value fits): the one they agree on. */
function bothLengths(a: bigint, b: bigint): bigint {
  if (a < 0n) return b;
  if (b >= 0n && a !== b) throw STOP;
  return a;
}

// ---- putting it together

function build<T>(source: string, k: unknown[], what: string): T {
  // The one place code is generated at run time: backend only, from the checked source above.
  const factory = new Function('K', 'STOP', 'ONE', 'ZERO', `'use strict';\n${source}`) as (
    k: unknown[],
    stop: unknown,
    one: Uint8Array,
    zero: Uint8Array,
  ) => T;
  try {
    return factory(k, STOP, ONE, ZERO);
  } catch (err) {
    throw new Error(`compiling the ${what} failed: ${(err as Error).message}`);
  }
}

/** Generates the decoder and encoder of every message kind of @layout. */
export function compileCodec(layout: Layout): CompiledCodec {
  const dec = new DecoderSource();
  const kindFns = layout.messages.map((m) => dec.struct(m.struct));
  const decodeSource = [
    'let b, dv, p = 0, end = 0;',
    // Numbers past 32 bits and floats go through these 8 bytes: no DataView is made per message.
    `const S = new Uint8Array(8), U64 = new BigUint64Array(S.buffer), I64 = new BigInt64Array(S.buffer);`,
    'const F32 = new Float32Array(S.buffer), F64 = new Float64Array(S.buffer);',
    '/** The little-endian u32 at @at. */',
    'function u32(at) { return (b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24) >>> 0; }',
    '/** A DataView of b, made only for the rare integer sizes read through one. */',
    'function view() { return (dv ??= new DataView(b.buffer, b.byteOffset, b.byteLength)); }',
    ...dec.code,
    `const kinds = [${kindFns.join(', ')}];`,
    ...messageSource(layout, dec),
    'function decode(kind, bytes, from, to) {',
    '\tif (bytes !== b) { b = bytes; dv = undefined; }',
    '\tp = from; end = to;',
    '\tconst v = kinds[kind]();',
    '\tif (p !== end) throw STOP;',
    '\treturn v;',
    '}',
    'return { decode, message };',
  ].join('\n');
  const decoder = build<{
    decode: (kind: number, bytes: Uint8Array, from: number, to: number) => StructValue;
    message: (bytes: Uint8Array, from: number, to: number) => CompiledDecoded | undefined;
  }>(decodeSource, dec.k.list, `decoder of ${layout.protocol}`);

  const enc = new EncoderSource();
  const encodeFns = layout.messages.map((m) => enc.struct(m.struct));
  const encodeSource = [
    'const own = (o, k) => (Object.hasOwn(o, k) ? o[k] : undefined);',
    ...enc.code,
    `return [${encodeFns.join(', ')}];`,
  ].join('\n');
  const encoders = build<Array<(o: StructValue) => void>>(encodeSource, enc.k.list, `encoder of ${layout.protocol}`);
  const kindIndex = new Map(layout.messages.map((m, i) => [m.name, i]));

  const decodeDataFast = (kind: number, data: Uint8Array, from = 0, to = data.length): StructValue | undefined => {
    try {
      return decoder.decode(kind, data, from, to);
    } catch (err) {
      if (err === STOP) return undefined;
      throw err;
    }
  };
  const encodeDataFast = (kindName: string, value: StructValue): Uint8Array | undefined => {
    const i = kindIndex.get(kindName);
    const fn = i === undefined ? undefined : encoders[i];
    if (!fn) return undefined;
    at = 0;
    try {
      fn(value);
    } catch (err) {
      if (err === STOP) return undefined;
      throw err;
    }
    return out.slice(0, at);
  };

  return {
    decodeDataFast: (kind, data) => decodeDataFast(kind, data),
    fits: (kind, data, from, to) => decodeDataFast(kind, data, from, to) !== undefined,
    decodeMessage(message) {
      try {
        const fast = decoder.message(message, 0, message.length);
        if (fast) return fast;
      } catch (err) {
        if (err !== STOP) throw err;
      }
      // It does not fit: the reference says where and why.
      const d = interpretMessage(layout, message);
      const result: CompiledDecoded = { header: d.header, data: d.data };
      if (d.kind !== undefined) result.kind = d.kind;
      if (d.error) result.error = d.error;
      return result;
    },
    encodeDataFast,
    encodeData(kindName, value) {
      const fast = encodeDataFast(kindName, value);
      if (fast) return fast;
      const kind = layout.messages.find((m) => m.name === kindName);
      if (!kind) throw new Error(`no message kind "${kindName}" in ${layout.protocol}`);
      return interpretEncode(kind, value);
    },
  };
}
