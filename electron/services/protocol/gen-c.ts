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
//    with _Static_asserts that its size and every offset match the layout.
// Plus the enums, flag bits and the message-kind selector.
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

export class GenerateError extends Error {}

const C_KEYWORDS = new Set(
  ('auto break case char const continue default do double else enum extern float for goto if inline int long register ' +
    'restrict return short signed sizeof static struct switch typedef union unsigned void volatile while bool true false ' +
    'new delete class private public protected template this').split(' '),
);
const ident = (name: string): string => (C_KEYWORDS.has(name) ? `${name}_` : name);

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

class CWriter {
  lines: string[] = [];
  constructor(readonly layout: Layout) {}
  get p(): string {
    return this.layout.protocol;
  }
  get P(): string {
    return this.layout.protocol.toUpperCase();
  }
  out(s = ''): void {
    this.lines.push(s);
  }
}

function docComment(doc: string | undefined, indent = ''): string[] {
  if (!doc) return [];
  const words = doc.trim().split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + w.length + 1 > 72) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.length === 1 ? [`${indent}/* ${lines[0]} */`] : [`${indent}/*`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`];
}

function emitValueNames(w: CWriter, names: ValueNames, isFlags: boolean): void {
  const prefix = `${w.P}_${names.name.toUpperCase()}`;
  if (isFlags) {
    for (const e of names.entries) w.out(`#define ${prefix}_${e.name.toUpperCase()}\t(1ULL << ${e.value})`);
    w.out();
    return;
  }
  if (names.entries.every((e) => e.value <= 0x7fffffffn)) {
    w.out(`enum ${w.p}_${names.name} {`);
    for (const e of names.entries) w.out(`\t${prefix}_${e.name.toUpperCase()} = ${e.value},`);
    w.out('};');
  } else {
    // C enumerators are ints; wider values are plain constants.
    for (const e of names.entries) w.out(`#define ${prefix}_${e.name.toUpperCase()}\t${u64Literal(e.value)}`);
  }
  w.out();
}

/** The C struct name of a struct type or message kind. */
function structName(w: CWriter, s: StructDef): string {
  return w.layout.types.get(s.name) === s ? `${w.p}_${s.name}` : `${w.p}_msg_${s.name}`;
}

function isVariableLength(len: Length | undefined): boolean {
  return len !== undefined && len.kind !== 'fixed';
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
      return `struct ${structName(w, t.struct)}`;
  }
}

function checkSupported(w: CWriter, s: StructDef, f: FieldDef): void {
  if (f.count === undefined) return;
  const elementFixed = fixedSize(f.type) !== undefined;
  if (!elementFixed && f.type.kind !== 'struct')
    throw new GenerateError(`${structName(w, s)}.${f.name}: the C generator does not handle arrays of variable-size ${f.type.kind}; make the element a type (a struct with one field)`);
}

/** Members the generator adds beside a field (pointer lengths, counts). */
function extraMembers(f: FieldDef): string[] {
  if (f.count !== undefined && f.count.kind !== 'fixed') return [`${f.name}_wire`, `${f.name}_count`, `${f.name}_wire_size`];
  if ((f.type.kind === 'bytes' || f.type.kind === 'string') && f.type.size.kind !== 'fixed') return [`${f.name}_size`];
  return [];
}

function emitStruct(w: CWriter, s: StructDef): void {
  const name = structName(w, s);
  const names = new Set(s.fields.map((f) => f.name));
  for (const f of s.fields)
    for (const extra of extraMembers(f))
      if (names.has(extra))
        throw new GenerateError(`${name}: field "${extra}" has the name the C struct uses for ${f.name}'s ${extra.slice(f.name.length + 1).replace('_', ' ')}; rename one of them`);
  w.lines.push(...docComment(s.doc));
  w.out(`struct ${name} {`);
  for (const f of s.fields) {
    checkSupported(w, s, f);
    w.lines.push(...docComment(f.doc, '\t'));
    const id = ident(f.name);
    const t = f.type;
    if (f.count !== undefined && f.count.kind !== 'fixed') {
      w.out(`\tconst __u8 *${id}_wire;\t/* the elements as on the wire */`);
      w.out(`\t__u32 ${id}_count;\t/* elements */`);
      w.out(`\t__u32 ${id}_wire_size;\t/* bytes at ${id}_wire */`);
      continue;
    }
    const dims = f.count?.kind === 'fixed' ? `[${f.count.n}]` : '';
    if ((t.kind === 'bytes' || t.kind === 'string') && t.size.kind !== 'fixed') {
      w.out(`\tconst __u8 *${id}${dims};\t/* points into the buffer${t.kind === 'string' ? '; not NUL-terminated' : ''} */`);
      w.out(`\t__u32 ${id}_size${dims};`);
      continue;
    }
    if (t.kind === 'int' && t.subfields) {
      w.out('\tstruct {');
      for (const bf of t.subfields) w.out(`\t\t${nativeInt(bf.width, false)} ${ident(bf.name)};\t/* bits ${bf.at}..${bf.at + bf.width - 1} */`);
      w.out(`\t} ${id}${dims};`);
      continue;
    }
    const sizeDim = (t.kind === 'bytes' || t.kind === 'string') && t.size.kind === 'fixed' ? `[${t.size.n}]` : '';
    const note = t.kind === 'string' && t.pad !== undefined ? `\t/* padded with ${t.pad} */` : t.kind === 'int' && t.bits % 16 !== 0 && t.bits > 8 ? `\t/* ${t.signed ? 's' : 'u'}${t.bits} */` : '';
    w.out(`\t${elementType(w, t)} ${id}${dims}${sizeDim};${note}`);
  }
  if (s.fields.length === 0) w.out('\t__u8 empty_;\t/* C has no empty structs */');
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
      return { type: `struct ${structName(w, t.struct)}_wire`, dims: '' };
  }
}

function emitWire(w: CWriter, s: StructDef): void {
  const size = structFixedSize(s);
  if (size === undefined || s.fields.length === 0) return;
  const name = `${structName(w, s)}_wire`;
  w.out(`/* ${structName(w, s)} as it is on the wire (${size} bytes). */`);
  w.out(`struct ${name} {`);
  for (const f of s.fields) {
    const { type, dims } = wireMemberType(w, f.type);
    const count = f.count?.kind === 'fixed' ? `[${f.count.n}]` : '';
    w.out(`\t${type} ${ident(f.name)}${count}${dims};`);
  }
  w.out('} __attribute__((packed));');
  w.out(`_Static_assert(sizeof(struct ${name}) == ${size}, "${name} is ${size} bytes");`);
  let offset = 0;
  for (const f of s.fields) {
    w.out(`_Static_assert(offsetof(struct ${name}, ${ident(f.name)}) == ${offset}, "${name}.${f.name} is at offset ${offset}");`);
    offset += fieldFixedSize(f) ?? 0;
  }
  w.out();
}

/** Code that unpacks one element of type @t at p + at into @dst. */
function unpackElement(w: CWriter, t: FieldType, dst: string, scopeVar: string): string[] {
  switch (t.kind) {
    case 'int': {
      const n = t.bits / 8;
      const read = `kucomms_gen_get(p + at, ${n}, ${big(t)})`;
      const lines = [`if (len - at < ${n})`, '\treturn -EBADMSG;'];
      if (t.subfields) {
        lines.push(`raw = ${read};`);
        for (const bf of t.subfields) {
          const mask = bf.width === 64 ? '~0ULL' : `0x${((1n << BigInt(bf.width)) - 1n).toString(16)}ULL`;
          lines.push(`${dst}.${ident(bf.name)} = (${nativeInt(bf.width, false)})((raw >> ${bf.at}) & ${mask});`);
        }
      } else if (t.signed) lines.push(`${dst} = (${nativeInt(t.bits, true)})kucomms_gen_sext(${read}, ${t.bits});`);
      else lines.push(`${dst} = (${nativeInt(t.bits, false)})${read};`);
      lines.push(`at += ${n};`);
      return lines;
    }
    case 'float': {
      const n = t.bits / 8;
      return [`if (len - at < ${n})`, '\treturn -EBADMSG;', `${dst} = kucomms_gen_f${t.bits}_from_bits((__u${t.bits})kucomms_gen_get(p + at, ${n}, ${big(t)}));`, `at += ${n};`];
    }
    case 'bool':
      return ['if (len - at < 1 || p[at] > 1)', '\treturn -EBADMSG;', `${dst} = p[at] == 1;`, 'at += 1;'];
    case 'bytes':
    case 'string': {
      if (t.size.kind === 'fixed') {
        const n = t.size.n;
        return [`if (len - at < ${n})`, '\treturn -EBADMSG;', `for (i = 0; i < ${n}; i++)`, `\t${dst}[i] = (${t.kind === 'string' ? 'char' : '__u8'})p[at + i];`, `at += ${n};`];
      }
      return [...lengthInto(t.size, scopeVar), 'if (n > len - at)', '\treturn -EBADMSG;', `${dst} = p + at;`, `${dst}_size = (__u32)n;`, 'at += (size_t)n;'];
    }
    case 'struct':
      return [`err = ${structName(w, t.struct)}_unpack(&${dst}, p + at, len - at, &used);`, 'if (err)', '\treturn err;', 'at += used;'];
  }
}

/** Code that sets n to a variable length (count or size). */
function lengthInto(len: Length, scopeVar: string): string[] {
  switch (len.kind) {
    case 'field':
      return [`n = ${scopeVar}->${ident(len.field)};`];
    case 'prefix': {
      const b = len.int.bits / 8;
      return [`if (len - at < ${b})`, '\treturn -EBADMSG;', `n = kucomms_gen_get(p + at, ${b}, ${big(len.int)});`, `at += ${b};`];
    }
    case 'rest':
      return ['n = len - at;'];
    case 'fixed':
      return [`n = ${len.n};`];
  }
}

function packElement(w: CWriter, t: FieldType, src: string): string[] {
  switch (t.kind) {
    case 'int': {
      const n = t.bits / 8;
      const lines = [`if (cap - at < ${n})`, '\treturn -EMSGSIZE;'];
      if (t.subfields) {
        lines.push('raw = 0;');
        for (const bf of t.subfields) {
          const mask = bf.width === 64 ? '~0ULL' : `0x${((1n << BigInt(bf.width)) - 1n).toString(16)}ULL`;
          lines.push(`raw |= ((__u64)${src}.${ident(bf.name)} & ${mask}) << ${bf.at};`);
        }
        lines.push(`kucomms_gen_put(p + at, ${n}, ${big(t)}, raw);`);
      } else lines.push(`kucomms_gen_put(p + at, ${n}, ${big(t)}, (__u64)${src});`);
      lines.push(`at += ${n};`);
      return lines;
    }
    case 'float': {
      const n = t.bits / 8;
      return [`if (cap - at < ${n})`, '\treturn -EMSGSIZE;', `kucomms_gen_put(p + at, ${n}, ${big(t)}, kucomms_gen_f${t.bits}_to_bits(${src}));`, `at += ${n};`];
    }
    case 'bool':
      return ['if (cap - at < 1)', '\treturn -EMSGSIZE;', `p[at] = ${src} ? 1 : 0;`, 'at += 1;'];
    case 'bytes':
    case 'string': {
      if (t.size.kind === 'fixed') {
        const n = t.size.n;
        return [`if (cap - at < ${n})`, '\treturn -EMSGSIZE;', `for (i = 0; i < ${n}; i++)`, `\tp[at + i] = (__u8)${src}[i];`, `at += ${n};`];
      }
      const lines: string[] = [];
      if (t.size.kind === 'prefix') {
        const b = t.size.int.bits / 8;
        lines.push(`if (cap - at < ${b})`, '\treturn -EMSGSIZE;', `kucomms_gen_put(p + at, ${b}, ${big(t.size.int)}, ${src}_size);`, `at += ${b};`);
      }
      lines.push(`if (cap - at < ${src}_size)`, '\treturn -EMSGSIZE;', `for (i = 0; i < ${src}_size; i++)`, `\tp[at + i] = ${src}[i];`, `at += ${src}_size;`);
      return lines;
    }
    case 'struct':
      return [`err = ${structName(w, t.struct)}_pack(&${src}, p + at, cap - at, &used);`, 'if (err)', '\treturn err;', 'at += used;'];
  }
}

function indent(lines: string[], depth: number): string[] {
  return lines.map((l) => `${'\t'.repeat(depth)}${l}`);
}

/** Which locals a function body uses, declared only then (-Wunused). */
function locals(body: string[], all: Array<[string, string]>): string[] {
  const text = body.join('\n');
  return all.filter(([, name]) => new RegExp(`\\b${name}\\b`).test(text)).map(([type, name]) => `\t${type} ${name};`);
}

function emitFunctions(w: CWriter, s: StructDef, isMessage: boolean): void {
  const name = structName(w, s);
  const un: string[] = [];
  const pk: string[] = [];
  for (const f of s.fields) {
    const id = ident(f.name);
    const t = f.type;
    const count = f.count;
    if (count === undefined || count.kind === 'fixed') {
      const n = count?.n;
      const dst = n === undefined ? `out->${id}` : `out->${id}[k]`;
      const src = n === undefined ? `in->${id}` : `in->${id}[k]`;
      const ue = unpackElement(w, t, dst, 'out');
      const pe = packElement(w, t, src);
      // A length field must agree with what it measures.
      const measured = s.fields.filter(
        (g) =>
          (g.count?.kind === 'field' && g.count.field === f.name) ||
          ((g.type.kind === 'bytes' || g.type.kind === 'string') && g.type.size.kind === 'field' && g.type.size.field === f.name),
      );
      for (const g of measured) {
        const what = g.count?.kind === 'field' && g.count.field === f.name ? `${ident(g.name)}_count` : `${ident(g.name)}_size`;
        pk.push(`if ((__u64)in->${id} != (__u64)in->${what})`, '\treturn -EINVAL;');
      }
      if (n === undefined) {
        un.push(...ue);
        pk.push(...pe);
      } else {
        un.push(`for (k = 0; k < ${n}; k++) {`, ...indent(ue, 1), '}');
        pk.push(`for (k = 0; k < ${n}; k++) {`, ...indent(pe, 1), '}');
      }
      continue;
    }
    // Variable count: keep a pointer to the elements, checking they fit.
    const elem = fixedSize(t);
    un.push(...lengthInto(count, 'out'));
    if (elem !== undefined) {
      if (count.kind === 'rest') un.push(`if (n % ${elem})`, '\treturn -EBADMSG;', `n /= ${elem};`);
      un.push(`if (n > (len - at) / ${elem || 1})`, '\treturn -EBADMSG;');
      un.push(`out->${id}_wire = p + at;`, `out->${id}_count = (__u32)n;`, `out->${id}_wire_size = (__u32)(n * ${elem});`, `at += (size_t)(n * ${elem});`);
    } else {
      // Elements of varying size: walk them to find where the array ends.
      const sn = structName(w, (t as { struct: StructDef }).struct);
      un.push(`out->${id}_wire = p + at;`, 'start = at;');
      un.push(count.kind === 'rest' ? 'for (k = 0; at < len; k++) {' : 'for (k = 0; k < n; k++) {');
      un.push(`\terr = ${sn}_unpack(&elem_${f.name}, p + at, len - at, &used);`, '\tif (err)', '\t\treturn err;', '\tat += used;', '}');
      un.push(`out->${id}_count = (__u32)k;`, `out->${id}_wire_size = (__u32)(at - start);`);
    }
    if (count.kind === 'prefix') {
      const b = count.int.bits / 8;
      pk.push(`if (cap - at < ${b})`, '\treturn -EMSGSIZE;', `kucomms_gen_put(p + at, ${b}, ${big(count.int)}, in->${id}_count);`, `at += ${b};`);
    }
    pk.push(`if (cap - at < in->${id}_wire_size)`, '\treturn -EMSGSIZE;', `for (i = 0; i < in->${id}_wire_size; i++)`, `\tp[at + i] = in->${id}_wire[i];`, `at += in->${id}_wire_size;`);
  }
  const elemLocals: Array<[string, string]> = s.fields
    .filter((f) => f.count !== undefined && f.count.kind !== 'fixed' && fixedSize(f.type) === undefined)
    .map((f) => [elementType(w, f.type), `elem_${f.name}`]);
  const common: Array<[string, string]> = [['__u64', 'n'], ['__u64', 'raw'], ['size_t', 'i'], ['size_t', 'k'], ['size_t', 'used'], ['size_t', 'start'], ['int', 'err']];

  w.out(`/* Decodes ${name} from @buf; sets *@used to the bytes it took. */`);
  const unArgs = isMessage ? `struct ${name} *out, const void *buf, size_t len` : `struct ${name} *out, const void *buf, size_t len, size_t *used_out`;
  w.out(`static inline int ${name}_unpack(${unArgs})`);
  w.out('{');
  w.out('\tconst __u8 *p = (const __u8 *)buf;');
  w.out('\tsize_t at = 0;');
  w.lines.push(...locals(un, [...common, ...elemLocals]));
  w.out();
  if (s.fields.length === 0) w.out('\t(void)p;\n\t(void)out;');
  w.lines.push(...indent(un, 1));
  if (isMessage) w.out('\treturn at == len ? 0 : -EBADMSG;');
  else {
    if (s.fields.length === 0) w.out('\t(void)len;');
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
  if (s.fields.length === 0) w.out('\t(void)p;\n\t(void)in;\n\t(void)cap;');
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
  w.out(`/* The message kinds, as ${w.p}_kind_of() tells them apart. */`);
  w.out(`enum ${w.p}_msg_kind {`);
  for (const m of w.layout.messages) w.out(`\t${w.P}_MSG_KIND_${m.name.toUpperCase()},`);
  w.out('};');
  w.out();
  for (const m of w.layout.messages)
    for (const k of HEADER_KEYS) {
      const v = m.when[k];
      if (v !== undefined) w.out(`#define ${w.P}_MSG_${m.name.toUpperCase()}_${k.toUpperCase()}\t${u64Literal(v)}`);
    }
  w.out();
  w.out('/* The kind of a message with these header values, or -ENOENT. */');
  w.out(`static inline int ${w.p}_kind_of(__u64 type, __u64 id, __u64 user_value)`);
  w.out('{');
  const used = new Set<string>();
  for (const m of w.layout.messages) {
    const conds = HEADER_KEYS.filter((k) => m.when[k] !== undefined).map((k) => {
      used.add(k);
      return `${k} == ${w.P}_MSG_${m.name.toUpperCase()}_${k.toUpperCase()}`;
    });
    if (conds.length === 0) w.out(`\treturn ${w.P}_MSG_KIND_${m.name.toUpperCase()};`);
    else {
      w.out(`\tif (${conds.join(' && ')})`);
      w.out(`\t\treturn ${w.P}_MSG_KIND_${m.name.toUpperCase()};`);
    }
  }
  for (const k of HEADER_KEYS) if (!used.has(k)) w.out(`\t(void)${k};`);
  w.out('\treturn -ENOENT;');
  w.out('}');
  w.out();
}

export function generateC(layout: Layout, source: string): string {
  const w = new CWriter(layout);
  const guard = `KUCOMMS_GEN_${w.P}_H`;
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
  for (const e of layout.enums.values()) emitValueNames(w, e, false);
  for (const f of layout.flags.values()) emitValueNames(w, f, true);
  emitKinds(w);
  for (const s of structOrder(layout)) {
    emitStruct(w, s);
    emitWire(w, s);
    emitFunctions(w, s, false);
  }
  for (const m of layout.messages) {
    const withDoc: StructDef = m.doc === undefined ? m.struct : { ...m.struct, doc: m.doc };
    emitStruct(w, withDoc);
    emitWire(w, m.struct);
    emitFunctions(w, m.struct, true);
  }
  w.out(`#endif /* ${guard} */`);
  return `${w.lines.join('\n')}\n`;
}

export type { IntType };
