// The differential test's machinery: random messages for a layout (valid,
// and broken in the ways real bytes break), what the reference codec makes of
// each, and the same asked of every other implementation generated from the
// layout: the C header (gcc, clang, g++), the TypeScript types (tsc), the Lua
// dissector (tshark) and the compiled decoder and encoder. Each runner takes
// a batch of layouts, so a compiler or tshark starts once per batch, and
// returns one list of disagreements, each naming the layout and message.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { CaptureWriter } from '../../capture/writer.ts';
import { readCapture } from '../../capture/reader.ts';
import { LINKTYPE_USER0, exportPcapng } from '../../capture/pcapng.ts';
import { compileCodec } from '../compiled.ts';
import { LayoutAccess } from '../field-access.ts';
import { HEADER_SIZE, decodeMessage } from '../decode.ts';
import { encodeData, encodeMessage } from '../encode.ts';
import { CNames, alwaysEmpty, generateC } from '../gen-c.ts';
import { generateLuaDissector } from '../gen-lua.ts';
import { generateTs } from '../gen-ts.ts';
import { HEADER_KEYS, type FieldDef, type FieldType, type Layout, type MessageKind, type StructDef } from '../layout.ts';
import { loadLayoutText } from '../loader.ts';
import { toHex, type DecodeError, type FieldNode, type FieldValue, type StructValue } from '../values.ts';
import { Rng, randomMessage } from './random-values.ts';

export interface Case {
  /** the layout's YAML, as a user would write it */
  yaml: string;
  layout: Layout;
  /** whole messages (header included), valid and broken */
  messages: Uint8Array[];
}

export interface Disagreement {
  implementation: string;
  /** index in the batch */
  layout: number;
  /** index in the case's messages, or -1 for the layout as a whole */
  message: number;
  what: string;
}

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** Loads a layout document (the loader must accept every generated one) and makes its messages. */
export function makeCase(doc: Record<string, unknown>, messageSeed: number): Case {
  const yaml = stringify(doc);
  const layout = loadLayoutText(yaml, `${String(doc.protocol)}.yaml`);
  return { yaml, layout, messages: makeMessages(layout, messageSeed) };
}

function headerFor(layout: Layout, kind: MessageKind, rng: Rng): { type: bigint; id: bigint; user_value: bigint } {
  const header = { type: 0n, id: BigInt(rng.below(1000)), user_value: rng.bits(64) };
  for (const k of HEADER_KEYS) {
    const v = kind.when[k];
    if (v !== undefined) header[k] = v;
  }
  // A kind without `when` takes what no kind before it does.
  if (kind.when.type === undefined) while (layout.messages.some((m) => m !== kind && m.when.type === header.type)) header.type++;
  return header;
}

function withData(message: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + data.length);
  out.set(message.subarray(0, HEADER_SIZE));
  out.set(data, HEADER_SIZE);
  new DataView(out.buffer).setBigUint64(0, BigInt(data.length), true);
  return out;
}

/** Valid messages of every kind, then each broken: cut short, one byte changed, one byte too many, no kind. */
export function makeMessages(layout: Layout, seed: number): Uint8Array[] {
  const rng = new Rng(seed >>> 0 || 1);
  const valid: Uint8Array[] = [];
  for (const kind of layout.messages)
    for (let i = 0; i < 3; i++) valid.push(encodeMessage(layout, headerFor(layout, kind, rng), randomMessage(kind, rng), kind.name));
  const broken: Uint8Array[] = [];
  for (const m of valid) {
    const data = m.subarray(HEADER_SIZE);
    if (data.length > 0) {
      broken.push(withData(m, data.subarray(0, rng.below(data.length))));
      const flipped = data.slice();
      flipped[rng.below(data.length)] = rng.below(4) === 0 ? 0xff : rng.below(256);
      broken.push(withData(m, flipped));
    }
    broken.push(withData(m, Uint8Array.from([...data, rng.below(256)])));
  }
  if (layout.messages.every((m) => m.when.type !== undefined)) {
    const none = valid[0]?.slice();
    if (none) {
      new DataView(none.buffer).setBigUint64(8, 0xdeadn, true);
      if (!layout.messages.some((m) => m.when.type === 0xdeadn)) broken.push(none);
    }
  }
  return [...valid, ...broken];
}

// ---- what the reference codec makes of a message, in each implementation's terms

/** An error as every implementation can say it: the field and the offset. */
const where = (d: { error?: DecodeError | undefined }): string | undefined => (d.error ? `${d.error.path} @${d.error.offset}` : undefined);

function hasNaN(v: FieldValue): boolean {
  if (typeof v === 'number') return Number.isNaN(v);
  if (Array.isArray(v)) return v.some(hasNaN);
  if (typeof v === 'object' && !(v instanceof Uint8Array)) return Object.values(v).some(hasNaN);
  return false;
}

/** The number behind an integer value (an enum name's value). */
function intOf(v: FieldValue | undefined, names: { entries: Array<{ value: bigint; name: string }> } | undefined): bigint {
  if (typeof v === 'string') {
    const e = names?.entries.find((x) => x.name === v);
    if (!e) throw new Error(`no value for name ${v}`);
    return e.value;
  }
  return BigInt(v as number | bigint);
}

function floatText(bits: 32 | 64, v: number): string {
  if (Number.isNaN(v)) return 'nan';
  const dv = new DataView(new ArrayBuffer(8));
  if (bits === 32) {
    dv.setFloat32(0, v);
    return dv.getUint32(0).toString(16).padStart(8, '0');
  }
  dv.setFloat64(0, v);
  return dv.getBigUint64(0).toString(16).padStart(16, '0');
}

function stringBytes(t: FieldType, v: FieldValue | undefined): Uint8Array {
  return t.kind === 'string' && t.encoding === 'latin1' ? Buffer.from(String(v), 'latin1') : Buffer.from(String(v), 'utf8');
}

const prefixBytes = (f: FieldDef): number => (f.count?.kind === 'prefix' ? f.count.int.bits / 8 : 0);

/**
 * "path=value" lines for a decoded struct, as the C dumper prints them:
 * integers in decimal, floats as IEEE 754 bits, bytes and strings as hex,
 * arrays of variable count as their element count and wire bytes.
 */
export function valueLines(s: StructDef, v: StructValue, node: FieldNode, message: Uint8Array, prefix: string, out: string[]): string[] {
  s.fields.forEach((f, i) => {
    const child = node.children?.[i];
    if (alwaysEmpty(f)) return;
    const p = `${prefix}.${f.name}`;
    const value = v[f.name];
    if (f.count === undefined) elementLines(f.type, value, child, message, p, out);
    else if (f.count.kind === 'fixed') (value as FieldValue[]).forEach((x, k) => elementLines(f.type, x, child?.children?.[k], message, `${p}[${k}]`, out));
    else {
      out.push(`${p}.count=${(value as FieldValue[]).length}`);
      const from = (child?.offset ?? 0) + prefixBytes(f);
      out.push(`${p}.wire=${toHex(message.subarray(from, (child?.offset ?? 0) + (child?.size ?? 0)))}`);
    }
  });
  return out;
}

function elementLines(t: FieldType, v: FieldValue | undefined, node: FieldNode | undefined, message: Uint8Array, p: string, out: string[]): void {
  switch (t.kind) {
    case 'int':
      if (t.subfields) {
        const o = v as StructValue;
        for (const bf of t.subfields) out.push(`${p}.${bf.name}=${intOf(o[bf.name], bf.enum)}`);
        if (unnamed(t) !== 0n) out.push(`${p}.$rest=${o.$rest === undefined ? 0n : BigInt(o.$rest as number)}`);
      } else out.push(`${p}=${intOf(v, t.enum)}`);
      return;
    case 'float':
      out.push(`${p}=${floatText(t.bits, v as number)}`);
      return;
    case 'bool':
      out.push(`${p}=${String(v)}`);
      return;
    case 'bytes':
      out.push(`${p}=${toHex(v as Uint8Array)}`);
      return;
    case 'string':
      out.push(`${p}=${toHex(stringBytes(t, v))}`);
      return;
    case 'struct':
      if (node) valueLines(t.struct, v as StructValue, node, message, p, out);
  }
}

function unnamed(t: FieldType & { kind: 'int' }): bigint {
  let covered = 0n;
  for (const bf of t.subfields ?? []) covered |= ((1n << BigInt(bf.width)) - 1n) << BigInt(bf.at);
  return BigInt.asUintN(t.bits, ~covered);
}

/** What the C dumper must print for a message: its kind, then its fields or "error", then whether pack gave the bytes back. */
export function expectedCLines(layout: Layout, message: Uint8Array): string[] {
  const d = decodeMessage(layout, message);
  const kind = layout.messages.find((m) => m.name === d.kind);
  if (!kind) return ['kind=none'];
  if (d.error) return [`kind=${kind.name}`, 'error'];
  const dataNode = d.tree[1];
  if (!dataNode) throw new Error('no data node');
  return [`kind=${kind.name}`, ...valueLines(kind.struct, d.data, dataNode, message, 'data', []), 'roundtrip=ok'];
}

// ---- the codec itself: pack(unpack(x)) == x

export function checkCodecRoundTrip(cases: Case[]): Disagreement[] {
  const out: Disagreement[] = [];
  cases.forEach((c, li) =>
    c.messages.forEach((m, mi) => {
      const d = decodeMessage(c.layout, m);
      const kind = c.layout.messages.find((k) => k.name === d.kind);
      if (d.error || !kind || hasNaN(d.data)) return;
      const again = toHex(encodeData(kind, d.data));
      if (again !== toHex(m.subarray(HEADER_SIZE)))
        out.push({ implementation: 'codec', layout: li, message: mi, what: `encode(decode(x)) gave ${again}, not ${toHex(m.subarray(HEADER_SIZE))}` });
    }),
  );
  return out;
}

// ---- the compiled decoder and encoder

/** Everything a value holds, as text, so that two decodes compare exactly (NaN, -0, bigint, bytes). */
export function valueKey(v: FieldValue | undefined): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (v instanceof Uint8Array) return `<${toHex(v)}>`;
  if (Array.isArray(v)) return `[${v.map(valueKey).join(',')}]`;
  if (typeof v === 'object') return `{${Object.keys(v).map((k) => `${JSON.stringify(k)}:${valueKey(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

export function checkCompiled(cases: Case[]): Disagreement[] {
  const out: Disagreement[] = [];
  cases.forEach((c, li) => {
    const codec = compileCodec(c.layout);
    c.messages.forEach((m, mi) => {
      const say = (what: string): void => void out.push({ implementation: 'compiled', layout: li, message: mi, what });
      const want = decodeMessage(c.layout, m);
      const whole = codec.decodeMessage(m);
      if (whole.kind !== want.kind || where(whole) !== where(want)) return say(`decodeMessage: kind ${String(whole.kind)}, error ${String(where(whole))}; codec ${String(want.kind)}, ${String(where(want))}`);
      if (valueKey({ ...whole.header }) !== valueKey({ ...want.header })) return say(`decodeMessage: header ${valueKey({ ...whole.header })}, codec ${valueKey({ ...want.header })}`);
      if (!want.error && valueKey(whole.data) !== valueKey(want.data)) return say(`decodeMessage: data ${valueKey(whole.data)}, codec ${valueKey(want.data)}`);
      const kindIndex = c.layout.messages.findIndex((k) => k.name === want.kind);
      const kind = c.layout.messages[kindIndex];
      if (!kind) return;
      // The fast path alone must reach the reference's verdict and values.
      const fast = codec.decodeDataFast(kindIndex, m.subarray(HEADER_SIZE));
      if (want.error && fast) return say(`accepted what the codec refuses (${String(where(want))}): ${valueKey(fast)}`);
      if (!want.error && !fast) return say('refused what the codec accepts');
      if (!fast || valueKey(fast) !== valueKey(want.data)) return !want.error && say(`data ${valueKey(fast)}, codec ${valueKey(want.data)}`);
      if (hasNaN(want.data)) return;
      const again = codec.encodeDataFast(kind.name, want.data);
      if (!again || toHex(again) !== toHex(m.subarray(HEADER_SIZE))) say(`compiled encode gave ${again ? toHex(again) : 'a refusal'}, not ${toHex(m.subarray(HEADER_SIZE))}`);
    });
  });
  return out;
}

// ---- reading one field in place (filters): the value the reference decodes there, partial decodes included

function leafPaths(v: FieldValue, path: Array<string | number>, out: Array<Array<string | number>>): Array<Array<string | number>> {
  if (Array.isArray(v)) v.forEach((x, i) => leafPaths(x, [...path, i], out));
  else if (typeof v === 'object' && !(v instanceof Uint8Array)) for (const [k, x] of Object.entries(v)) leafPaths(x, [...path, k], out);
  else out.push(path);
  return out;
}

export function checkFieldAccess(cases: Case[]): Disagreement[] {
  const out: Disagreement[] = [];
  cases.forEach((c, li) => {
    const access = new LayoutAccess(c.layout);
    c.messages.forEach((m, mi) => {
      const want = decodeMessage(c.layout, m);
      const kind = c.layout.messages.findIndex((k) => k.name === want.kind);
      if (kind < 0) return;
      for (const p of leafPaths(want.data, [], [])) {
        if (p.includes('$rest')) continue;
        const expected: FieldValue | undefined = p.reduce<FieldValue | undefined>((v, step) => (v as Record<string, FieldValue>)[step], want.data);
        const got = access.read(kind, p, m.subarray(HEADER_SIZE), want.header);
        if (valueKey(got) !== valueKey(expected)) {
          out.push({ implementation: 'field-access', layout: li, message: mi, what: `data.${p.join('.')}: read ${valueKey(got)}, codec ${valueKey(expected)}` });
          return;
        }
      }
    });
  });
  return out;
}

// ---- C: one program per compiler for the whole batch

function cDumper(layout: Layout, li: number): string {
  const names = new CNames(layout);
  const L: string[] = [];
  const fn = (s: StructDef): string => `dump_${li}_${names.struct(s)}`;
  const structs = [...layout.types.values(), ...layout.messages.map((m) => m.struct)];
  for (const s of structs) L.push(`static void ${fn(s)}(const char *path, const struct ${names.struct(s)} *v);`);
  const element = (t: FieldType, x: string, size: string, p: string): string[] => {
    switch (t.kind) {
      case 'int': // (bit fields are printed by the caller, which knows their members)
        return t.signed ? [`printf("%s=%lld\\n", ${p}, (long long)${x});`] : [`printf("%s=%llu\\n", ${p}, (unsigned long long)${x});`];
      case 'float':
        return t.bits === 32 ? [`print_f32(${p}, ${x});`] : [`print_f64(${p}, ${x});`];
      case 'bool':
        return [`printf("%s=%s\\n", ${p}, ${x} ? "true" : "false");`];
      case 'bytes':
      case 'string': {
        const n = t.size.kind === 'fixed' ? String(t.size.n) : size;
        if (t.kind === 'string' && t.pad !== undefined) return [`print_padded(${p}, (const void *)${x}, ${n}, ${t.pad});`];
        return [`print_hex(${p}, (const void *)${x}, ${n});`];
      }
      case 'struct':
        return [`${fn(t.struct)}(${p}, &${x});`];
    }
  };
  for (const s of structs) {
    L.push(`static void ${fn(s)}(const char *path, const struct ${names.struct(s)} *v)`, '{', '\tchar q[1024];', '\tsize_t k;', '\t(void)v;', '\t(void)k;', '\t(void)q;');
    for (const f of s.fields) {
      if (alwaysEmpty(f)) continue;
      const m = names.member(f);
      const sub = (suffix: string): string => `(snprintf(q, sizeof q, "%s.${f.name}${suffix}", path), q)`;
      if (f.count !== undefined && f.count.kind !== 'fixed') {
        L.push(`\tprintf("%s.${f.name}.count=%u\\n", path, (unsigned)v->${m.count});`);
        L.push(`\tprint_hex(${sub('.wire')}, v->${m.wire}, v->${m.wireSize});`);
        continue;
      }
      const one = (x: string, size: string, p: string): string[] => {
        if (f.type.kind === 'int' && f.type.subfields) {
          const lines = f.type.subfields.map((bf, bi) => `{ char r[1100]; snprintf(r, sizeof r, "%s.${bf.name}", ${p}); printf("%s=%llu\\n", r, (unsigned long long)${x}.${m.bits?.[bi]}); }`);
          if (m.rest) lines.push(`{ char r[1100]; snprintf(r, sizeof r, "%s.$rest", ${p}); printf("%s=%llu\\n", r, (unsigned long long)${x}.${m.rest}); }`);
          return lines;
        }
        return element(f.type, x, size, p);
      };
      if (f.count === undefined) L.push(...one(`v->${m.id}`, `v->${m.size}`, sub('')).map((l) => `\t${l}`));
      else {
        L.push(`\tfor (k = 0; k < ${f.count.n}; k++) {`);
        L.push(`\t\tchar e[1100];`, `\t\tsnprintf(e, sizeof e, "%s.${f.name}[%zu]", path, k);`);
        L.push(...one(`v->${m.id}[k]`, `v->${m.size}[k]`, 'e').map((l) => `\t\t${l}`));
        L.push('\t}');
      }
    }
    L.push('}', '');
  }
  // One message: its kind, its fields or "error", whether pack gives the bytes back.
  L.push(`static void dump_${li}(const __u8 *msg, size_t len)`, '{');
  L.push('\t__u8 again[65536 + 64];', '\tsize_t used = 0;', '\tint err;');
  L.push(`\tswitch (${names.kindOf}(get64(msg + 8), get64(msg + 16), get64(msg + 24))) {`);
  layout.messages.forEach((m, i) => {
    const sn = names.struct(m.struct);
    L.push(`\tcase ${names.kindConstants[i]}: {`, `\t\tstruct ${sn} d;`, `\t\tprintf("kind=${m.name}\\n");`);
    L.push(`\t\tif (${sn}_unpack(&d, msg + 32, len - 32)) {`, '\t\t\tprintf("error\\n");', '\t\t\treturn;', '\t\t}');
    L.push(`\t\t${fn(m.struct)}("data", &d);`);
    L.push(`\t\terr = ${sn}_pack(&d, again, sizeof(again), &used);`);
    L.push('\t\tprintf("roundtrip=%s\\n", !err && used == len - 32 && memcmp(again, msg + 32, used) == 0 ? "ok" : "differs");');
    L.push('\t\treturn;', '\t}');
  });
  L.push('\tdefault:', '\t\tprintf("kind=none\\n");', '\t}', '\t(void)err;', '\t(void)used;', '\t(void)again;', '}', '');
  return L.join('\n');
}

const C_RUNTIME = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long get64(const unsigned char *p)
{
	unsigned long long v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void print_hex(const char *path, const void *p, size_t n)
{
	const unsigned char *b = (const unsigned char *)p;
	size_t i;

	printf("%s=", path);
	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\\n");
}

static void print_padded(const char *path, const void *p, size_t n, int pad)
{
	const unsigned char *b = (const unsigned char *)p;

	while (n > 0 && b[n - 1] == pad)
		n--;
	print_hex(path, p, n);
}

static void print_f32(const char *path, float f)
{
	unsigned int b = kucomms_gen_f32_to_bits(f);

	if ((b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu))
		printf("%s=nan\\n", path);
	else
		printf("%s=%08x\\n", path, b);
}

static void print_f64(const char *path, double f)
{
	unsigned long long b = kucomms_gen_f64_to_bits(f);

	if ((b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull))
		printf("%s=nan\\n", path);
	else
		printf("%s=%016llx\\n", path, b);
}

static int unhex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;

	while (s[0] && s[1] && n < cap) {
		unsigned int b;

		if (sscanf(s, "%2x", &b) != 1)
			break;
		out[n++] = (unsigned char)b;
		s += 2;
	}
	return (int)n;
}
`;

export interface CBuild {
  compiler: string;
  std: string;
  ext: 'c' | 'cc';
}

export const C_BUILDS: CBuild[] = [
  { compiler: 'gcc', std: 'c11', ext: 'c' },
  { compiler: 'clang', std: 'c11', ext: 'c' },
  { compiler: 'g++', std: 'c++17', ext: 'cc' },
];

export function checkC(cases: Case[], dir: string): Disagreement[] {
  mkdirSync(dir, { recursive: true });
  const includes: string[] = [];
  const dumpers: string[] = [];
  cases.forEach((c, li) => {
    const header = `layout_${li}.h`;
    writeFileSync(path.join(dir, header), generateC(c.layout, `layout_${li}.yaml`));
    includes.push(`#include "${header}"`);
    dumpers.push(cDumper(c.layout, li));
  });
  const main = [
    'int main(void)',
    '{',
    '\tstatic char line[2 * 65600 + 64];',
    '\tstatic unsigned char msg[65600];',
    '',
    '\twhile (fgets(line, sizeof(line), stdin)) {',
    '\t\tint layout = atoi(line);',
    '\t\tconst char *hex = strchr(line, \' \');',
    '\t\tint n = hex ? unhex(hex + 1, msg, sizeof(msg)) : 0;',
    '',
    '\t\tswitch (layout) {',
    ...cases.map((_, li) => `\t\tcase ${li}:\n\t\t\tdump_${li}(msg, (size_t)n);\n\t\t\tbreak;`),
    '\t\t}',
    '\t\tprintf("--\\n");',
    '\t}',
    '\treturn 0;',
    '}',
  ];
  const source = [...includes, C_RUNTIME, ...dumpers, ...main].join('\n');
  const input = cases.flatMap((c, li) => c.messages.map((m) => `${li} ${toHex(m)}`)).join('\n') + '\n';
  const expected = cases.flatMap((c) => c.messages.map((m) => expectedCLines(c.layout, m)));
  const out: Disagreement[] = [];
  for (const build of C_BUILDS) {
    const file = path.join(dir, `differential.${build.ext}`);
    writeFileSync(file, source);
    const program = path.join(dir, `differential-${build.compiler}`);
    // The header must pass strictly; the test program around it only -Wall.
    const headerCheck = path.join(dir, `headers.${build.ext}`);
    writeFileSync(headerCheck, `${includes.join('\n')}\nint main(void) { return 0; }\n`);
    const strict = spawnSync(build.compiler, [`-std=${build.std}`, '-Wall', '-Wextra', '-Werror', '-pedantic', '-I', dir, '-o', `${program}-headers`, headerCheck], { encoding: 'utf8' });
    if (strict.status !== 0) {
      out.push(...blame(cases, build.compiler, strict.stderr));
      continue;
    }
    const built = spawnSync(build.compiler, [`-std=${build.std}`, '-Wall', '-I', dir, '-o', program, file], { encoding: 'utf8' });
    if (built.status !== 0) {
      out.push({ implementation: build.compiler, layout: -1, message: -1, what: `the test program did not build:\n${built.stderr.slice(0, 4000)}` });
      continue;
    }
    const run = spawnSync(program, [], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
    const blocks = run.stdout.split('--\n');
    let i = 0;
    cases.forEach((c, li) =>
      c.messages.forEach((_, mi) => {
        const got = (blocks[i] ?? '').trimEnd().split('\n');
        const want = expected[i] ?? [];
        i++;
        const diff = want.findIndex((line, k) => got[k] !== line);
        if (diff >= 0 || got.length !== want.length)
          out.push({ implementation: build.compiler, layout: li, message: mi, what: `line ${diff + 1}: C printed ${JSON.stringify(got[diff >= 0 ? diff : want.length])}, codec ${JSON.stringify(want[diff >= 0 ? diff : want.length])}` });
      }),
    );
  }
  return out;
}

/** Compiler errors, each put on the layout whose header they are in. */
function blame(cases: Case[], compiler: string, stderr: string): Disagreement[] {
  const layouts = new Set<number>();
  for (const m of stderr.matchAll(/layout_(\d+)\.h:\d+/g)) layouts.add(Number(m[1]));
  if (layouts.size === 0) return [{ implementation: compiler, layout: -1, message: -1, what: stderr.slice(0, 4000) }];
  return [...layouts].map((li) => ({ implementation: compiler, layout: li, message: -1, what: `the header does not build:\n${stderr.split('\n').filter((l) => l.includes(`layout_${li}.h`)).slice(0, 6).join('\n')}` }));
}

// ---- TypeScript: every valid decoded message is a value of the generated types (tsc --strict)

function tsLiteral(v: FieldValue): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (v instanceof Uint8Array) return `new Uint8Array([${v.join(', ')}])`;
  if (Array.isArray(v)) return `[${v.map(tsLiteral).join(', ')}]`;
  return `{ ${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${tsLiteral(x)}`).join(', ')} }`;
}

export function checkTs(cases: Case[], dir: string): Disagreement[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  cases.forEach((c, li) => {
    const types = generateTs(c.layout, `layout_${li}.yaml`);
    writeFileSync(path.join(dir, `types_${li}.ts`), types);
    const union = /^export type (\w+) =\n {2}\| \{ kind:/m.exec(types)?.[1];
    const lines = [`import type * as T from './types_${li}.ts';`];
    c.messages.forEach((m, mi) => {
      const d = decodeMessage(c.layout, m);
      if (d.error || d.kind === undefined || union === undefined) return;
      lines.push(`export const m${mi}: T.${union} = { kind: ${JSON.stringify(d.kind)}, header: { length: ${d.header.length}n, type: ${d.header.type}n, id: ${d.header.id}n, user_value: ${d.header.user_value}n }, data: ${tsLiteral(d.data)} };`);
    });
    lines.push('export {};');
    const use = path.join(dir, `use_${li}.ts`);
    writeFileSync(use, `${lines.join('\n')}\n`);
    files.push(use);
  });
  const tsc = here('../../../../node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--exactOptionalPropertyTypes', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--allowImportingTsExtensions', '--types', 'node', ...files], { encoding: 'utf8' });
  if (r.status === 0) return [];
  const out: Disagreement[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /(?:use|types)_(\d+)\.ts\((\d+),/.exec(line);
    const li = m ? Number(m[1]) : -1;
    const mi = m && line.includes('use_') ? Number(/export const m(\d+)/.exec(readLine(path.join(dir, `use_${li}.ts`), Number(m[2])))?.[1] ?? -1) : -1;
    if (line.trim()) out.push({ implementation: 'tsc', layout: li, message: mi, what: line });
  }
  return out;
}

function readLine(file: string, n: number): string {
  return readFileSync(file, 'utf8').split('\n')[n - 1] ?? '';
}

// ---- Lua: tshark with the generated dissectors, 16 layouts per run (one LINKTYPE_USERn each)

interface Leaf {
  offset: number;
  size: number;
  text: string;
}

/** The value leaves of a decoded tree, in order, as the dissector shows them. */
function codecLeaves(nodes: FieldNode[] | undefined, out: Leaf[]): Leaf[] {
  for (const n of nodes ?? []) {
    if (n.value !== undefined) out.push({ offset: n.offset, size: n.size, text: leafText(n) });
    codecLeaves(n.children, out);
  }
  return out;
}

function leafText(n: FieldNode): string {
  if (n.type === 'bool') return n.value === true ? '1' : '0';
  if (n.type === 'bytes') return toHex(n.value as Uint8Array);
  if (n.type === 'string') return `str:${n.display ?? ''}`;
  if (n.type === 'f32' || n.type === 'f64') return `float:${String(n.value)}`;
  // "name (5)" for enum values, "0x83 (ready | fault)" for flags, else the number
  const display = n.display ?? '0';
  const named = /\((-?\d+)\)$/.exec(display)?.[1];
  const bits = n.bits?.width ?? Number(/\d+/.exec(n.type)?.[0] ?? 64);
  return `int:${BigInt.asUintN(bits, BigInt(named ?? display.split(' ')[0] ?? '0'))}/${bits}`;
}

function sameLeaf(codec: Leaf, lua: { pos: number; show: string; value: string; size: number }, base: number, utf8: boolean): boolean {
  // Offsets of numbers; a string's or bytes' node starts at its length prefix in the codec, at its text in the dissector.
  const isText = codec.text.startsWith('str:') || !/^(int|float):/.test(codec.text);
  if (!isText && codec.offset !== lua.pos - base) return false;
  if (codec.text.startsWith('int:')) {
    const [v, bits] = codec.text.slice(4).split('/');
    try {
      return BigInt.asUintN(Number(bits), BigInt(lua.show)) === BigInt(v ?? '');
    } catch {
      return false;
    }
  }
  if (codec.text.startsWith('float:')) {
    const a = Number(codec.text.slice(6));
    const b = lua.show === 'nan' || lua.show === '-nan' ? NaN : lua.show === 'inf' ? Infinity : lua.show === '-inf' ? -Infinity : Number(lua.show);
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    // Wireshark shows 6 significant digits of an f32, 15 of an f64.
    const digits = codec.text.startsWith('float:') && lua.value.length === 8 ? 6 : 15;
    return a === b || Math.abs(a - b) <= 5 * 10 ** -digits * Math.max(Math.abs(a), Math.abs(b));
  }
  if (codec.text.startsWith('str:')) {
    // The dissector shows the bytes (without padding); the codec the text they hold.
    const text = JSON.parse(codec.text.slice(4)) as string;
    return toHex(Buffer.from(text, utf8 ? 'utf8' : 'latin1')) === lua.value;
  }
  return codec.text === lua.value || codec.text === lua.show;
}

const unxml = (s: string): string =>
  s.replace(/&(quot|amp|lt|gt|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, e: string) =>
    e === 'quot' ? '"' : e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'apos' ? "'" : String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : Number(e.slice(1))),
  );

export async function checkLua(cases: Case[], dir: string): Promise<Disagreement[]> {
  mkdirSync(dir, { recursive: true });
  const out: Disagreement[] = [];
  for (let first = 0; first < cases.length; first += 16) {
    const group = cases.slice(first, first + 16);
    const scripts: string[] = [];
    const pcaps: string[] = [];
    const valueFields: Array<Set<string>> = [];
    for (const [gi, c] of group.entries()) {
      const li = first + gi;
      const { text, fields } = generateLuaDissector(c.layout, `layout_${li}.yaml`, { linktype: LINKTYPE_USER0 + gi });
      valueFields.push(new Set(fields.filter((f) => f.user && f.value).map((f) => f.abbr)));
      const lua = path.join(dir, `layout_${li}.lua`);
      writeFileSync(lua, text);
      scripts.push('-X', `lua_script:${lua}`);
      const kucap = path.join(dir, `layout_${li}.kucap`);
      const w = new CaptureWriter(kucap);
      c.messages.forEach((m, mi) => {
        const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
        w.write({ target: 't', direction: 'tx', timestampNs: BigInt(li * 100_000 + mi + 1), length: v.getBigUint64(0, true), type: v.getBigUint64(8, true), id: v.getBigUint64(16, true), userValue: v.getBigUint64(24, true), data: m.subarray(HEADER_SIZE) });
      });
      w.close();
      const pcap = path.join(dir, `layout_${li}.pcapng`);
      await exportPcapng(readCapture(kucap), pcap, { linktype: LINKTYPE_USER0 + gi });
      pcaps.push(pcap);
    }
    const merged = path.join(dir, `group_${first}.pcapng`);
    const merge = spawnSync('mergecap', ['-a', '-w', merged, ...pcaps], { encoding: 'utf8' });
    if (merge.status !== 0) throw new Error(`mergecap failed: ${merge.stderr}`);
    const r = spawnSync('tshark', ['-r', merged, ...scripts, '-T', 'pdml'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status !== 0 || /Lua: Error|lua_script.*error/i.test(r.stderr)) {
      out.push({ implementation: 'tshark', layout: first, message: -1, what: `tshark failed: ${r.stderr.slice(0, 2000)}` });
      continue;
    }
    const packets = r.stdout.split('<packet>').slice(1);
    let p = 0;
    for (const [gi, c] of group.entries()) {
      const li = first + gi;
      const proto = `kucomms_${c.layout.protocol}`;
      c.messages.forEach((m, mi) => {
        const packet = packets[p++] ?? '';
        const fields = [...packet.matchAll(/<field ([^>]*?)\/?>/g)].map((x) => {
          const a = Object.fromEntries([...(x[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((y) => [y[1], unxml(y[2] ?? '')]));
          return { name: a.name ?? '', size: Number(a.size ?? 0), pos: Number(a.pos ?? 0), show: a.show ?? '', value: a.value ?? '' };
        });
        const say = (what: string): void => void out.push({ implementation: 'lua', layout: li, message: mi, what });
        const want = decodeMessage(c.layout, m);
        const experts = fields.filter((f) => f.name === '_ws.expert.message').map((f) => f.show);
        const luaError = experts.map((e) => /^(.*) at offset (\d+):/.exec(e)).find(Boolean);
        const got = luaError ? `${luaError[1]} @${luaError[2]}` : experts.length ? `unparsed: ${experts.join(' / ')}` : undefined;
        if (got !== where(want)) return say(`expert info ${String(got)}, codec ${String(where(want))}`);
        const leaves = codecLeaves(want.tree[1]?.children, []);
        const luaLeaves = fields.filter((f) => valueFields[gi]?.has(f.name));
        if (!packet.includes(proto)) return say('not dissected');
        if (leaves.length !== luaLeaves.length) return say(`${luaLeaves.length} values shown, codec has ${leaves.length}`);
        const base = 4 + 1; // pseudo-header with target "t"
        const utf8Of = stringEncodings(c.layout);
        for (const [k, leaf] of leaves.entries()) {
          const lua = luaLeaves[k];
          if (!lua || !sameLeaf(leaf, lua, base, utf8Of.get(lua.name) !== 'latin1'))
            return say(`value ${k} (${lua?.name}): dissector shows ${JSON.stringify(lua?.show)} (${lua?.value}) at ${lua ? lua.pos - base : '?'}, codec ${leaf.text} at ${leaf.offset}`);
        }
      });
    }
  }
  return out;
}

/** Each string field's filter name and encoding (the abbreviations follow gen-lua's naming). */
function stringEncodings(layout: Layout): Map<string, string> {
  const out = new Map<string, string>();
  const { fields } = generateLuaDissector(layout, 'x');
  for (const f of fields) if (f.encoding) out.set(f.abbr, f.encoding);
  return out;
}
