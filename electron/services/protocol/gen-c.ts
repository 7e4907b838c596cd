// `kucomms-studio gen c`: a C header from a layout, for kernel modules
// (guarded by __KERNEL__: only <linux/types.h>, <linux/errno.h> and
// <linux/stddef.h>) and userspace alike. For each struct and message kind:
//  - struct P_NAME, the decoded form in native types (variable-length parts
//    point into the buffer, with their length beside them: no allocation);
//  - P_NAME_unpack() and P_NAME_pack(), byte by byte, so alignment and the
//    host's byte order never matter; they return 0 or a negative errno
//    (-EBADMSG: the bytes do not fit the layout; -EMSGSIZE: the buffer is too
//    small; -EINVAL: a length field disagrees with what it measures);
//  - when its size never varies, struct P_NAME_wire, the packed wire image,
//    with static asserts that its size and every offset match the layout.
// Plus the enums, flag bits and the message-kind selector. The header is
// valid C11 and C++11 alike. Every name comes from c-names.ts: a layout name
// that is a keyword or a macro, or that would collide with another generated
// name, is qualified rather than passed through.
import {
  HEADER_KEYS,
  fieldFixedSize,
  fixedSize,
  structFixedSize,
  type FieldDef,
  type FieldType,
  type IntType,
  type Layout,
  type Length,
  type StructDef,
  type ValueNames,
} from './layout.ts';
import { NameScope, cIdent } from './c-names.ts';
import { protocolHash } from './protocol-hash.ts';

export class GenerateError extends Error {}

function nativeInt(bits: number, signed: boolean): string {
  const w = bits <= 8 ? 8 : bits <= 16 ? 16 : bits <= 32 ? 32 : 64;
  return `__${signed ? 's' : 'u'}${w}`;
}

const big = (t: { endian: string }): number => (t.endian === 'big' ? 1 : 0);

function u64Literal(v: bigint): string {
  return `0x${v.toString(16)}ULL`;
}

/** The helpers every generated header shares (guarded: headers can be combined). */
const HELPERS = `#ifndef KUCOMMS_GEN_HELPERS
#define KUCOMMS_GEN_HELPERS
#ifdef __cplusplus
#define KUCOMMS_GEN_STATIC_ASSERT static_assert
#else
#define KUCOMMS_GEN_STATIC_ASSERT _Static_assert
#endif

/* Reads an @n-byte unsigned integer, little- or big-endian. */
static inline __u64 kucomms_gen_get(const __u8 *p, unsigned int n, int big)
{
	__u64 v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (__u64)p[big ? n - 1 - i : i] << (8 * i);
	return v;
}

static inline void kucomms_gen_put(__u8 *p, unsigned int n, int big, __u64 v)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[big ? n - 1 - i : i] = (__u8)(v >> (8 * i));
}

/* Sign-extends the low @bits bits of @v. */
static inline __s64 kucomms_gen_sext(__u64 v, unsigned int bits)
{
	__u64 sign = 1ULL << (bits - 1);

	if (bits == 64)
		return (__s64)v;
	v &= (sign << 1) - 1;
	return (__s64)(v ^ sign) - (__s64)sign;
}

/*
 * Whether @n bytes are well-formed UTF-8 (no overlong forms, surrogates or
 * values past U+10FFFF): the codec refuses the same text.
 */
static inline int kucomms_gen_utf8_ok(const __u8 *p, size_t n)
{
	size_t i = 0, j, more;
	__u8 lo, hi;

	while (i < n) {
		lo = 0x80;
		hi = 0xbf;
		if (p[i] < 0x80) {
			i++;
			continue;
		} else if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			more = 1;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			more = 2;
			if (p[i] == 0xe0)
				lo = 0xa0;
			else if (p[i] == 0xed)
				hi = 0x9f;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			more = 3;
			if (p[i] == 0xf0)
				lo = 0x90;
			else if (p[i] == 0xf4)
				hi = 0x8f;
		} else {
			return 0;
		}
		if (n - i <= more)
			return 0;
		for (j = 1; j <= more; j++) {
			if (p[i + j] < lo || p[i + j] > hi)
				return 0;
			lo = 0x80;
			hi = 0xbf;
		}
		i += more + 1;
	}
	return 1;
}

#ifdef __KERNEL__
/* The kernel does not use floating point: floats stay IEEE 754 bits. */
typedef __u32 kucomms_gen_f32;
typedef __u64 kucomms_gen_f64;
static inline kucomms_gen_f32 kucomms_gen_f32_from_bits(__u32 b) { return b; }
static inline __u32 kucomms_gen_f32_to_bits(kucomms_gen_f32 f) { return f; }
static inline kucomms_gen_f64 kucomms_gen_f64_from_bits(__u64 b) { return b; }
static inline __u64 kucomms_gen_f64_to_bits(kucomms_gen_f64 f) { return f; }
#else
typedef float kucomms_gen_f32;
typedef double kucomms_gen_f64;
static inline kucomms_gen_f32 kucomms_gen_f32_from_bits(__u32 b)
{
	union { __u32 u; float f; } x;

	x.u = b;
	return x.f;
}

static inline __u32 kucomms_gen_f32_to_bits(kucomms_gen_f32 f)
{
	union { __u32 u; float f; } x;

	x.f = f;
	return x.u;
}

static inline kucomms_gen_f64 kucomms_gen_f64_from_bits(__u64 b)
{
	union { __u64 u; double f; } x;

	x.u = b;
	return x.f;
}

static inline __u64 kucomms_gen_f64_to_bits(kucomms_gen_f64 f)
{
	union { __u64 u; double f; } x;

	x.f = f;
	return x.u;
}
#endif
#endif /* KUCOMMS_GEN_HELPERS */
`;

/** The C names of one struct's members. */
interface Members {
  /** the field's member (and its wire struct member) */
  id: string;
  /** variable-size bytes and strings: the byte count beside the pointer */
  size?: string;
  /** arrays of variable count: pointer to the wire image, element count, its bytes */
  wire?: string;
  count?: string;
  wireSize?: string;
  /** bit fields: each part's member, and the member keeping the bits no part names */
  bits?: string[];
  rest?: string;
}

/** Every name the header uses, given out once (c-names.ts). */
export class CNames {
  /** struct tag, also the prefix of its _unpack, _pack and _wire */
  readonly structs = new Map<StructDef, string>();
  readonly members = new Map<FieldDef, Members>();
  readonly enumTags = new Map<ValueNames, string>();
  /** enum and flags entries: their constant's name */
  readonly constants = new Map<ValueNames, string[]>();
  readonly kindConstants: string[];
  readonly whenConstants: Array<Partial<Record<(typeof HEADER_KEYS)[number], string>>>;
  readonly kindEnum: string;
  readonly kindOf: string;
  readonly guard: string;
  /** the protocol's name, version, hash, and the three as one argument list */
  readonly identity: { name: string; version: string; hash: string; all: string };

  constructor(layout: Layout) {
    const p = layout.protocol;
    const P = p.toUpperCase();
    const lower = new NameScope();
    const upper = new NameScope();
    for (const helper of HELPER_NAMES) lower.claim(helper);
    for (const macro of ['KUCOMMS_GEN_HELPERS', 'KUCOMMS_GEN_STATIC_ASSERT']) upper.claim(macro);
    this.guard = upper.claim(`KUCOMMS_GEN_${P}_H`);
    const all = upper.claimGroup(`${P}_PROTOCOL`, ['', '_NAME', '_VERSION', '_HASH']);
    this.identity = { name: `${all}_NAME`, version: `${all}_VERSION`, hash: `${all}_HASH`, all };
    this.kindEnum = lower.claim(`${p}_msg_kind`);
    this.kindOf = lower.claim(`${p}_kind_of`);
    const parts = ['', '_unpack', '_pack', '_wire'];
    for (const m of layout.messages) this.structs.set(m.struct, lower.claimGroup(`${p}_msg_${m.name}`, parts));
    for (const s of layout.types.values()) this.structs.set(s, lower.claimGroup(`${p}_${s.name}`, parts));
    for (const e of layout.enums.values()) this.enumTags.set(e, lower.claim(`${p}_${e.name}`));
    this.kindConstants = layout.messages.map((m) => upper.claim(`${P}_MSG_KIND_${m.name.toUpperCase()}`));
    this.whenConstants = layout.messages.map((m) => {
      const out: Partial<Record<(typeof HEADER_KEYS)[number], string>> = {};
      for (const k of HEADER_KEYS)
        if (m.when[k] !== undefined) out[k] = upper.claim(`${P}_MSG_${m.name.toUpperCase()}_${k.toUpperCase()}`);
      return out;
    });
    for (const set of [...layout.enums.values(), ...layout.flags.values()])
      this.constants.set(
        set,
        set.entries.map((e) => upper.claim(`${P}_${set.name.toUpperCase()}_${e.name.toUpperCase()}`)),
      );
    for (const s of this.structs.keys()) this.#claimMembers(s);
  }

  /** The user's fields keep their names; what the generator adds beside them gives way. */
  #claimMembers(s: StructDef): void {
    const scope = new NameScope();
    const ids = s.fields.map((f) => scope.claim(cIdent(f.name)));
    s.fields.forEach((f, i) => {
      const m: Members = { id: ids[i] ?? f.name };
      if (f.count !== undefined && f.count.kind !== 'fixed') {
        m.wire = scope.claim(`${m.id}_wire`);
        m.count = scope.claim(`${m.id}_count`);
        m.wireSize = scope.claim(`${m.id}_wire_size`);
      } else if ((f.type.kind === 'bytes' || f.type.kind === 'string') && f.type.size.kind !== 'fixed')
        m.size = scope.claim(`${m.id}_size`);
      if (f.type.kind === 'int' && f.type.subfields) {
        const bitScope = new NameScope();
        m.bits = f.type.subfields.map((bf) => bitScope.claim(cIdent(bf.name)));
        if (unnamedBits(f.type) !== 0n) m.rest = bitScope.claim('rest');
      }
      this.members.set(f, m);
    });
  }

  member(f: FieldDef): Members {
    const m = this.members.get(f);
    if (!m) throw new GenerateError(`internal: no C name for field ${f.name}`);
    return m;
  }

  struct(s: StructDef): string {
    const name = this.structs.get(s);
    if (name === undefined) throw new GenerateError(`internal: no C name for struct ${s.name}`);
    return name;
  }
}

const HELPER_NAMES = [
  'kucomms_gen_get',
  'kucomms_gen_put',
  'kucomms_gen_sext',
  'kucomms_gen_utf8_ok',
  'kucomms_gen_f32',
  'kucomms_gen_f64',
  'kucomms_gen_f32_from_bits',
  'kucomms_gen_f32_to_bits',
  'kucomms_gen_f64_from_bits',
  'kucomms_gen_f64_to_bits',
];

/** The bits of a bit-field integer that no part names. */
function unnamedBits(t: IntType): bigint {
  let covered = 0n;
  for (const bf of t.subfields ?? []) covered |= ((1n << BigInt(bf.width)) - 1n) << BigInt(bf.at);
  return BigInt.asUintN(t.bits, ~covered);
}

const hexMask = (v: bigint): string => `0x${v.toString(16)}ULL`;
const widthMask = (width: number): string => hexMask((1n << BigInt(width)) - 1n);

class CWriter {
  lines: string[] = [];
  readonly names: CNames;
  constructor(readonly layout: Layout) {
    this.names = new CNames(layout);
  }
  get p(): string {
    return this.layout.protocol;
  }
  out(s = ''): void {
    this.lines.push(s);
  }
}

function docComment(doc: string | undefined, indent = ''): string[] {
  if (!doc) return [];
  // A */ in the text would end the comment early.
  const words = doc.replace(/\*\//g, '* /').trim().split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + w.length + 1 > 72) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.length === 1
    ? [`${indent}/* ${lines[0]} */`]
    : [`${indent}/*`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`];
}

function emitValueNames(w: CWriter, names: ValueNames, isFlags: boolean): void {
  const constants = w.names.constants.get(names) ?? [];
  if (isFlags) {
    names.entries.forEach((e, i) => w.out(`#define ${constants[i]}\t(1ULL << ${e.value})`));
    w.out();
    return;
  }
  if (names.entries.every((e) => e.value <= 0x7fffffffn)) {
    w.out(`enum ${w.names.enumTags.get(names)} {`);
    names.entries.forEach((e, i) => w.out(`\t${constants[i]} = ${e.value},`));
    w.out('};');
  } else {
    // C enumerators are ints; wider values are plain constants.
    names.entries.forEach((e, i) => w.out(`#define ${constants[i]}\t${u64Literal(e.value)}`));
  }
  w.out();
}

/** The member type of one element (no array). */
function elementType(w: CWriter, t: FieldType): string {
  switch (t.kind) {
    case 'int':
      return nativeInt(t.bits, t.signed);
    case 'float':
      return `kucomms_gen_f${t.bits}`;
    case 'bool':
      return 'bool';
    case 'bytes':
      return '__u8';
    case 'string':
      return 'char';
    case 'struct':
      return `struct ${w.names.struct(t.struct)}`;
  }
}

const isVarSized = (t: FieldType): boolean => (t.kind === 'bytes' || t.kind === 'string') && t.size.kind !== 'fixed';

/**
 * A field that always takes no bytes (a fixed count of 0, or bytes of fixed
 * size 0): C has no zero-size members, so it has none, and nothing to unpack.
 */
export function alwaysEmpty(f: FieldDef): boolean {
  if (f.count?.kind === 'fixed' && f.count.n === 0) return true;
  const t = f.type;
  return (
    (t.kind === 'bytes' || t.kind === 'string') &&
    t.size.kind === 'fixed' &&
    t.size.n === 0 &&
    f.count?.kind !== 'field' &&
    f.count?.kind !== 'prefix' &&
    f.count?.kind !== 'rest'
  );
}

function emitStruct(w: CWriter, s: StructDef, doc: string | undefined): void {
  const name = w.names.struct(s);
  w.lines.push(...docComment(doc));
  w.out(`struct ${name} {`);
  let members = 0;
  for (const f of s.fields) {
    w.lines.push(...docComment(f.doc, '\t'));
    if (alwaysEmpty(f)) {
      w.out(`\t/* ${f.name}: always empty (no bytes), so no member */`);
      continue;
    }
    members++;
    const m = w.names.member(f);
    const t = f.type;
    if (f.count !== undefined && f.count.kind !== 'fixed') {
      w.out(`\tconst __u8 *${m.wire};\t/* the elements as on the wire */`);
      w.out(`\t__u32 ${m.count};\t/* elements */`);
      w.out(`\t__u32 ${m.wireSize};\t/* bytes at ${m.wire} */`);
      continue;
    }
    const dims = f.count?.kind === 'fixed' ? `[${f.count.n}]` : '';
    if (isVarSized(t)) {
      w.out(
        `\tconst __u8 *${m.id}${dims};\t/* points into the buffer${t.kind === 'string' ? '; not NUL-terminated' : ''} */`,
      );
      w.out(`\t__u32 ${m.size}${dims};`);
      continue;
    }
    if (t.kind === 'int' && t.subfields) {
      w.out('\tstruct {');
      t.subfields.forEach((bf, i) =>
        w.out(`\t\t${nativeInt(bf.width, false)} ${m.bits?.[i]};\t/* bits ${bf.at}..${bf.at + bf.width - 1} */`),
      );
      if (m.rest)
        w.out(
          `\t\t${nativeInt(t.bits, false)} ${m.rest};\t/* the bits no part names (mask ${hexMask(unnamedBits(t))}), kept as they were */`,
        );
      w.out(`\t} ${m.id}${dims};`);
      continue;
    }
    const sizeDim = (t.kind === 'bytes' || t.kind === 'string') && t.size.kind === 'fixed' ? `[${t.size.n}]` : '';
    const note =
      t.kind === 'string' && t.pad !== undefined
        ? `\t/* padded with ${t.pad} */`
        : t.kind === 'int' && t.bits % 16 !== 0 && t.bits > 8
          ? `\t/* ${t.signed ? 's' : 'u'}${t.bits} */`
          : '';
    w.out(`\t${elementType(w, t)} ${m.id}${dims}${sizeDim};${note}`);
  }
  if (members === 0) w.out('\t__u8 empty_;\t/* C has no empty structs */');
  w.out('};');
  w.out();
}

function wireMemberType(w: CWriter, t: FieldType): { type: string; dims: string } {
  switch (t.kind) {
    case 'int':
      if (t.bits === 8) return { type: t.signed ? '__s8' : '__u8', dims: '' };
      if ([16, 32, 64].includes(t.bits)) return { type: `__${t.endian === 'big' ? 'be' : 'le'}${t.bits}`, dims: '' };
      return { type: '__u8', dims: `[${t.bits / 8}]` };
    case 'float':
      return { type: `__${t.endian === 'big' ? 'be' : 'le'}${t.bits}`, dims: '' };
    case 'bool':
      return { type: '__u8', dims: '' };
    case 'bytes':
    case 'string':
      return { type: '__u8', dims: `[${(t.size as { n: number }).n}]` };
    case 'struct':
      return { type: `struct ${w.names.struct(t.struct)}_wire`, dims: '' };
  }
}

/** Wire images: for structs of a fixed, non-zero size whose nested structs have one too. */
function hasWire(s: StructDef): boolean {
  const size = structFixedSize(s);
  return size !== undefined && size > 0 && s.fields.every((f) => f.type.kind !== 'struct' || hasWire(f.type.struct));
}

function emitWire(w: CWriter, s: StructDef): void {
  if (!hasWire(s)) return;
  const size = structFixedSize(s) ?? 0;
  const name = `${w.names.struct(s)}_wire`;
  // Zero-size members (bytes of size 0, empty arrays) are not ISO C: left out.
  const present = s.fields.filter((f) => (fieldFixedSize(f) ?? 0) > 0);
  w.out(`/* ${w.names.struct(s)} as it is on the wire (${size} bytes). */`);
  w.out(`struct ${name} {`);
  for (const f of present) {
    const { type, dims } = wireMemberType(w, f.type);
    const count = f.count?.kind === 'fixed' ? `[${f.count.n}]` : '';
    w.out(`\t${type} ${w.names.member(f).id}${count}${dims};`);
  }
  w.out('} __attribute__((packed));');
  w.out(`KUCOMMS_GEN_STATIC_ASSERT(sizeof(struct ${name}) == ${size}, "${name} is ${size} bytes");`);
  let offset = 0;
  for (const f of s.fields) {
    if (present.includes(f))
      w.out(
        `KUCOMMS_GEN_STATIC_ASSERT(offsetof(struct ${name}, ${w.names.member(f).id}) == ${offset}, "${name}.${f.name} is at offset ${offset}");`,
      );
    offset += fieldFixedSize(f) ?? 0;
  }
  w.out();
}

/** Where an element goes (unpack) or comes from (pack): the value, and for variable-size bytes its byte count. */
interface Place {
  value: string;
  size: string;
  /** bit fields: the parts' and the unnamed bits' members */
  bits?: string[] | undefined;
  rest?: string | undefined;
}

function place(base: string, m: Members, index: string): Place {
  return { value: `${base}->${m.id}${index}`, size: `${base}->${m.size}${index}`, bits: m.bits, rest: m.rest };
}

/** Code that unpacks one element of type @t at p + at into @dst. */
function unpackElement(w: CWriter, s: StructDef, t: FieldType, dst: Place): string[] {
  switch (t.kind) {
    case 'int': {
      const n = t.bits / 8;
      const read = `kucomms_gen_get(p + at, ${n}, ${big(t)})`;
      const lines = [`if (len - at < ${n})`, '\treturn -EBADMSG;'];
      if (t.subfields) {
        lines.push(`raw = ${read};`);
        t.subfields.forEach((bf, i) =>
          lines.push(
            `${dst.value}.${dst.bits?.[i]} = (${nativeInt(bf.width, false)})((raw >> ${bf.at}) & ${widthMask(bf.width)});`,
          ),
        );
        if (dst.rest)
          lines.push(`${dst.value}.${dst.rest} = (${nativeInt(t.bits, false)})(raw & ${hexMask(unnamedBits(t))});`);
      } else if (t.signed)
        lines.push(`${dst.value} = (${nativeInt(t.bits, true)})kucomms_gen_sext(${read}, ${t.bits});`);
      else lines.push(`${dst.value} = (${nativeInt(t.bits, false)})${read};`);
      lines.push(`at += ${n};`);
      return lines;
    }
    case 'float': {
      const n = t.bits / 8;
      return [
        `if (len - at < ${n})`,
        '\treturn -EBADMSG;',
        `${dst.value} = kucomms_gen_f${t.bits}_from_bits((__u${t.bits})kucomms_gen_get(p + at, ${n}, ${big(t)}));`,
        `at += ${n};`,
      ];
    }
    case 'bool':
      return ['if (len - at < 1 || p[at] > 1)', '\treturn -EBADMSG;', `${dst.value} = p[at] == 1;`, 'at += 1;'];
    case 'bytes':
    case 'string': {
      if (t.size.kind === 'fixed') {
        const n = t.size.n;
        if (n === 0) return [];
        return [
          `if (len - at < ${n})`,
          '\treturn -EBADMSG;',
          ...utf8Check(t, `${n}`),
          `for (i = 0; i < ${n}; i++)`,
          `\t${dst.value}[i] = (${t.kind === 'string' ? 'char' : '__u8'})p[at + i];`,
          `at += ${n};`,
        ];
      }
      return [
        ...lengthInto(w, s, t.size),
        'if (n > len - at)',
        '\treturn -EBADMSG;',
        ...utf8Check(t, 'n'),
        `${dst.value} = p + at;`,
        `${dst.size} = (__u32)n;`,
        'at += (size_t)n;',
      ];
    }
    case 'struct':
      return [
        `err = ${w.names.struct(t.struct)}_unpack(&${dst.value}, p + at, len - at, &used);`,
        'if (err)',
        '\treturn err;',
        'at += used;',
      ];
  }
}

/** Whether bytes of this type's size can still be refused (a bool past 1, text that is not UTF-8). */
function needsChecking(t: FieldType): boolean {
  if (t.kind === 'bool') return true;
  if (t.kind === 'string') return t.encoding === 'utf8';
  if (t.kind === 'struct') return t.struct.fields.some((f) => needsChecking(f.type));
  return false;
}

/** UTF-8 strings: code refusing @n bytes at p + at that are not UTF-8 (fixed-size ones without their padding). */
function utf8Check(t: FieldType, n: string): string[] {
  if (t.kind !== 'string' || t.encoding !== 'utf8') return [];
  if (t.pad === undefined) return [`if (!kucomms_gen_utf8_ok(p + at, ${n}))`, '\treturn -EBADMSG;'];
  return [
    `for (i = ${n}; i > 0 && p[at + i - 1] == ${t.pad}; i--)`,
    '\t;',
    'if (!kucomms_gen_utf8_ok(p + at, i))',
    '\treturn -EBADMSG;',
  ];
}

/** Code that sets n to a variable length (count or size) of a field of *out. */
function lengthInto(w: CWriter, s: StructDef, len: Length): string[] {
  switch (len.kind) {
    case 'field':
      return [`n = out->${w.names.member(lengthField(s, len.field)).id};`];
    case 'prefix': {
      const b = len.int.bits / 8;
      return [
        `if (len - at < ${b})`,
        '\treturn -EBADMSG;',
        `n = kucomms_gen_get(p + at, ${b}, ${big(len.int)});`,
        `at += ${b};`,
      ];
    }
    case 'rest':
      return ['n = len - at;'];
    case 'fixed':
      return [`n = ${len.n};`];
  }
}

/** The field a length names, in the struct being generated. */
function lengthField(s: StructDef, name: string): FieldDef {
  const f = s.fields.find((x) => x.name === name);
  if (!f) throw new GenerateError(`internal: no length field ${name} in ${s.name}`);
  return f;
}

function packElement(w: CWriter, t: FieldType, src: Place): string[] {
  switch (t.kind) {
    case 'int': {
      const n = t.bits / 8;
      const lines = [`if (cap - at < ${n})`, '\treturn -EMSGSIZE;'];
      if (t.subfields) {
        lines.push(src.rest ? `raw = (__u64)${src.value}.${src.rest} & ${hexMask(unnamedBits(t))};` : 'raw = 0;');
        t.subfields.forEach((bf, i) =>
          lines.push(`raw |= ((__u64)${src.value}.${src.bits?.[i]} & ${widthMask(bf.width)}) << ${bf.at};`),
        );
        lines.push(`kucomms_gen_put(p + at, ${n}, ${big(t)}, raw);`);
      } else lines.push(`kucomms_gen_put(p + at, ${n}, ${big(t)}, (__u64)${src.value});`);
      lines.push(`at += ${n};`);
      return lines;
    }
    case 'float': {
      const n = t.bits / 8;
      return [
        `if (cap - at < ${n})`,
        '\treturn -EMSGSIZE;',
        `kucomms_gen_put(p + at, ${n}, ${big(t)}, kucomms_gen_f${t.bits}_to_bits(${src.value}));`,
        `at += ${n};`,
      ];
    }
    case 'bool':
      return ['if (cap - at < 1)', '\treturn -EMSGSIZE;', `p[at] = ${src.value} ? 1 : 0;`, 'at += 1;'];
    case 'bytes':
    case 'string': {
      if (t.size.kind === 'fixed') {
        const n = t.size.n;
        if (n === 0) return [];
        return [
          `if (cap - at < ${n})`,
          '\treturn -EMSGSIZE;',
          `for (i = 0; i < ${n}; i++)`,
          `\tp[at + i] = (__u8)${src.value}[i];`,
          `at += ${n};`,
        ];
      }
      const lines: string[] = [];
      if (t.size.kind === 'prefix') {
        const b = t.size.int.bits / 8;
        lines.push(
          `if (cap - at < ${b})`,
          '\treturn -EMSGSIZE;',
          `kucomms_gen_put(p + at, ${b}, ${big(t.size.int)}, ${src.size});`,
          `at += ${b};`,
        );
      }
      lines.push(
        `if (cap - at < ${src.size})`,
        '\treturn -EMSGSIZE;',
        `for (i = 0; i < ${src.size}; i++)`,
        `\tp[at + i] = ${src.value}[i];`,
        `at += ${src.size};`,
      );
      return lines;
    }
    case 'struct':
      return [
        `err = ${w.names.struct(t.struct)}_pack(&${src.value}, p + at, cap - at, &used);`,
        'if (err)',
        '\treturn err;',
        'at += used;',
      ];
  }
}

function indent(lines: string[], depth: number): string[] {
  return lines.map((l) => `${'\t'.repeat(depth)}${l}`);
}

/**
 * Which locals a function body uses, declared only then (-Wunused). A
 * member access (->name, .name) is not a use: a field may be called raw.
 */
function locals(body: string[], all: Array<[string, string]>): string[] {
  const text = body.join('\n');
  return all
    .filter(([, name]) => new RegExp(`(?<!->|\\.)\\b${name}\\b`).test(text))
    .map(([type, name]) => `\t${type} ${name};`);
}

/** Fields that measure another: pack checks that they agree with it. */
function measuredBy(s: StructDef, f: FieldDef): Array<{ field: FieldDef; what: 'count' | 'size' }> {
  const out: Array<{ field: FieldDef; what: 'count' | 'size' }> = [];
  for (const g of s.fields) {
    if (g.count?.kind === 'field' && g.count.field === f.name) out.push({ field: g, what: 'count' });
    else if (
      (g.type.kind === 'bytes' || g.type.kind === 'string') &&
      g.type.size.kind === 'field' &&
      g.type.size.field === f.name
    )
      out.push({ field: g, what: 'size' });
  }
  return out;
}

function emitFunctions(w: CWriter, s: StructDef, isMessage: boolean): void {
  const name = w.names.struct(s);
  const un: string[] = [];
  const pk: string[] = [];
  const elemLocals: Array<[string, string]> = [];
  for (const f of s.fields) {
    const m = w.names.member(f);
    const t = f.type;
    const count = f.count;
    if (alwaysEmpty(f)) continue;
    if (count === undefined || count.kind === 'fixed') {
      const index = count === undefined ? '' : '[k]';
      const ue = unpackElement(w, s, t, place('out', m, index));
      const pe = packElement(w, t, place('in', m, index));
      // A length field must agree with what it measures; with an array of
      // variable-size elements measured by one size field, each element.
      for (const g of measuredBy(s, f)) {
        const gm = w.names.member(g.field);
        if (g.what === 'count') pk.push(`if ((__u64)in->${m.id} != (__u64)in->${gm.count})`, '\treturn -EINVAL;');
        else if (g.field.count?.kind === 'fixed')
          pk.push(
            `for (k = 0; k < ${g.field.count.n}; k++)`,
            `\tif ((__u64)in->${m.id} != (__u64)in->${gm.size}[k])`,
            '\t\treturn -EINVAL;',
          );
        else if (g.field.count === undefined)
          pk.push(`if ((__u64)in->${m.id} != (__u64)in->${gm.size})`, '\treturn -EINVAL;');
      }
      if (count === undefined) {
        un.push(...ue);
        pk.push(...pe);
      } else if (ue.length > 0) {
        un.push(`for (k = 0; k < ${count.n}; k++) {`, ...indent(ue, 1), '}');
        pk.push(`for (k = 0; k < ${count.n}; k++) {`, ...indent(pe, 1), '}');
      }
      continue;
    }
    // Variable count: keep a pointer to the elements, checking they fit. A
    // count can never be more than the bytes left (so that empty elements
    // cannot make it loop for long); the codec refuses the same.
    const elem = fixedSize(t);
    const byDivision = elem !== undefined && elem > 0 && !needsChecking(t);
    // (Elements walked to the end need no count.)
    if (count.kind !== 'rest' || byDivision) un.push(...lengthInto(w, s, count));
    if (count.kind !== 'rest') un.push('if (n > len - at)', '\treturn -EBADMSG;');
    if (byDivision) {
      if (count.kind === 'rest') un.push(`if (n % ${elem})`, '\treturn -EBADMSG;', `n /= ${elem};`);
      else un.push(`if (n > (len - at) / ${elem})`, '\treturn -EBADMSG;');
      un.push(
        `out->${m.wire} = p + at;`,
        `out->${m.count} = (__u32)n;`,
        `out->${m.wireSize} = (__u32)(n * ${elem});`,
        `at += (size_t)(n * ${elem});`,
      );
    } else {
      // Elements of varying size, or that can be refused: unpack each (to find where the array ends, and check it).
      let walk: string[];
      if (t.kind === 'bytes' || t.kind === 'string')
        walk = [
          ...lengthInto(w, s, t.size),
          'if (n > len - at)',
          '\treturn -EBADMSG;',
          ...utf8Check(t, 'n'),
          'at += (size_t)n;',
        ];
      else if (t.kind === 'bool') walk = ['if (len - at < 1 || p[at] > 1)', '\treturn -EBADMSG;', 'at += 1;'];
      else {
        const local = `elem_${m.id}`;
        elemLocals.push([elementType(w, t), local]);
        walk = unpackElement(w, s, t, { value: local, size: '' });
      }
      un.push(`out->${m.wire} = p + at;`, 'start = at;');
      if (count.kind === 'rest') un.push('for (k = 0; at < len; k++) {');
      else un.push('todo = n;', 'for (k = 0; k < todo; k++) {');
      un.push(...indent(walk.length > 0 ? walk : ['/* empty elements */'], 1), '}');
      un.push(`out->${m.count} = (__u32)k;`, `out->${m.wireSize} = (__u32)(at - start);`);
    }
    if (count.kind === 'prefix') {
      const b = count.int.bits / 8;
      pk.push(
        `if (cap - at < ${b})`,
        '\treturn -EMSGSIZE;',
        `kucomms_gen_put(p + at, ${b}, ${big(count.int)}, in->${m.count});`,
        `at += ${b};`,
      );
    }
    pk.push(
      `if (cap - at < in->${m.wireSize})`,
      '\treturn -EMSGSIZE;',
      `for (i = 0; i < in->${m.wireSize}; i++)`,
      `\tp[at + i] = in->${m.wire}[i];`,
      `at += in->${m.wireSize};`,
    );
  }
  const common: Array<[string, string]> = [
    ['__u64', 'n'],
    ['__u64', 'todo'],
    ['__u64', 'raw'],
    ['size_t', 'i'],
    ['size_t', 'k'],
    ['size_t', 'used'],
    ['size_t', 'start'],
    ['int', 'err'],
  ];

  w.out(`/* Decodes ${name} from @buf; sets *@used to the bytes it took. */`);
  const unArgs = isMessage
    ? `struct ${name} *out, const void *buf, size_t len`
    : `struct ${name} *out, const void *buf, size_t len, size_t *used_out`;
  w.out(`static inline int ${name}_unpack(${unArgs})`);
  w.out('{');
  w.out('\tconst __u8 *p = (const __u8 *)buf;');
  w.out('\tsize_t at = 0;');
  w.lines.push(...locals(un, [...common, ...elemLocals]));
  w.out();
  if (un.length === 0) w.out('\t(void)p;\n\t(void)out;');
  w.lines.push(...indent(un, 1));
  if (isMessage) w.out('\treturn at == len ? 0 : -EBADMSG;');
  else {
    if (!/\blen\b/.test(un.join('\n'))) w.out('\t(void)len;');
    w.out('\t*used_out = at;');
    w.out('\treturn 0;');
  }
  w.out('}');
  w.out();
  w.out(`/* Encodes @in into @buf (@cap bytes); sets *@used to the bytes written. */`);
  w.out(`static inline int ${name}_pack(const struct ${name} *in, void *buf, size_t cap, size_t *used_out)`);
  w.out('{');
  w.out('\t__u8 *p = (__u8 *)buf;');
  w.out('\tsize_t at = 0;');
  w.lines.push(...locals(pk, common));
  w.out();
  if (pk.length === 0) w.out('\t(void)p;\n\t(void)in;\n\t(void)cap;');
  w.lines.push(...indent(pk, 1));
  w.out('\t*used_out = at;');
  w.out('\treturn 0;');
  w.out('}');
  w.out();
}

/** Structs in an order where each comes after the structs it contains. */
function structOrder(layout: Layout): StructDef[] {
  const done = new Set<StructDef>();
  const order: StructDef[] = [];
  const visit = (s: StructDef): void => {
    if (done.has(s)) return;
    done.add(s);
    for (const f of s.fields) if (f.type.kind === 'struct') visit(f.type.struct);
    order.push(s);
  };
  for (const s of layout.types.values()) visit(s);
  return order;
}

function emitKinds(w: CWriter): void {
  w.out(`/* The message kinds, as ${w.names.kindOf}() tells them apart. */`);
  w.out(`enum ${w.names.kindEnum} {`);
  for (const c of w.names.kindConstants) w.out(`\t${c},`);
  w.out('};');
  w.out();
  w.layout.messages.forEach((m, i) => {
    for (const k of HEADER_KEYS) {
      const v = m.when[k];
      if (v !== undefined) w.out(`#define ${w.names.whenConstants[i]?.[k]}\t${u64Literal(v)}`);
    }
  });
  w.out();
  w.out('/* The kind of a message with these header values, or -ENOENT. */');
  w.out(`static inline int ${w.names.kindOf}(__u64 type, __u64 id, __u64 user_value)`);
  w.out('{');
  const used = new Set<string>();
  w.layout.messages.forEach((m, i) => {
    const conds = HEADER_KEYS.filter((k) => m.when[k] !== undefined).map((k) => {
      used.add(k);
      return `${k} == ${w.names.whenConstants[i]?.[k]}`;
    });
    if (conds.length === 0) w.out(`\treturn ${w.names.kindConstants[i]};`);
    else {
      w.out(`\tif (${conds.join(' && ')})`);
      w.out(`\t\treturn ${w.names.kindConstants[i]};`);
    }
  });
  for (const k of HEADER_KEYS) if (!used.has(k)) w.out(`\t(void)${k};`);
  w.out('\treturn -ENOENT;');
  w.out('}');
  w.out();
}

/** The protocol's name, version and hash, as both sides register and check them. */
function emitIdentity(w: CWriter): void {
  const { name, version, hash, all } = w.names.identity;
  w.out('/*');
  w.out(' * The protocol: its name, its version ("" when the layout has none) and its');
  w.out(' * hash, which changes with every change to the bytes on the wire');
  w.out(' * (protocols/README.md, "The protocol hash"). A module registers them with');
  w.out(` * kucomms_set_protocol(ep, ${all}); a program checks a device`);
  w.out(` * with kucomms_protocol_check(path, ${all}).`);
  w.out(' */');
  w.out(`#define ${name}\t${JSON.stringify(w.layout.protocol)}`);
  w.out(`#define ${version}\t${JSON.stringify(w.layout.version ?? '')}`);
  w.out(`#define ${hash}\t${u64Literal(protocolHash(w.layout))}`);
  w.out(`#define ${all}\t${name}, ${version}, ${hash}`);
  w.out();
}

export function generateC(layout: Layout, source: string): string {
  const w = new CWriter(layout);
  const guard = w.names.guard;
  w.out(`/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */`);
  w.out(`/*`);
  w.out(` * The ${layout.protocol} protocol: generated by \`kucomms-studio gen c ${source}\`.`);
  w.out(' * Do not edit; change the layout and generate again.');
  w.out(' */');
  w.lines.push(...docComment(layout.doc));
  w.out(`#ifndef ${guard}`);
  w.out(`#define ${guard}`);
  w.out();
  w.out('#include <linux/types.h>');
  w.out('#ifdef __KERNEL__');
  w.out('#include <linux/errno.h>');
  w.out('#include <linux/stddef.h>');
  w.out('#else');
  w.out('#include <errno.h>');
  w.out('#include <stdbool.h>');
  w.out('#include <stddef.h>');
  w.out('#endif');
  w.out();
  w.lines.push(...HELPERS.split('\n'));
  emitIdentity(w);
  for (const e of layout.enums.values()) emitValueNames(w, e, false);
  for (const f of layout.flags.values()) emitValueNames(w, f, true);
  emitKinds(w);
  for (const s of structOrder(layout)) {
    emitStruct(w, s, s.doc);
    emitWire(w, s);
    emitFunctions(w, s, false);
  }
  for (const m of layout.messages) {
    emitStruct(w, m.struct, m.doc);
    emitWire(w, m.struct);
    emitFunctions(w, m.struct, true);
  }
  w.out(`#endif /* ${guard} */`);
  return `${w.lines.join('\n')}\n`;
}
