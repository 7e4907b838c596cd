// Code generation: the C header compiles alone (gcc and clang, -Wall -Wextra
// -Werror) and inside a kernel module, and decodes the same bytes to the
// same values as the TypeScript codec; the TypeScript types accept what the
// codec produces and reject what it never does; the Lua dissector makes
// tshark print the right field values and flag malformed messages.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CaptureWriter } from '../capture/writer.ts';
import { readCapture } from '../capture/reader.ts';
import { exportPcapng } from '../capture/pcapng.ts';
import { decodeMessage } from './decode.ts';
import { encodeMessage } from './encode.ts';
import { generateC } from './gen-c.ts';
import { generateLua } from './gen-lua.ts';
import { generateTs } from './gen-ts.ts';
import type { StructDef } from './layout.ts';
import { loadLayoutFile } from './loader.ts';
import { Rng, randomMessage } from './testdata/random-values.ts';
import { TELEMETRY_EXAMPLES } from './testdata/telemetry-examples.ts';
import { toHex, type FieldValue, type StructValue } from './values.ts';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const featuresFile = here('./testdata/features.yaml');
const features = loadLayoutFile(featuresFile);
const work = mkdtempSync(path.join(tmpdir(), 'kucomms-gen-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

const telemetryFile = here('../../../protocols/telemetry.yaml');
const nastyFile = here('./testdata/nasty-names.yaml');
const LAYOUTS = [
  featuresFile,
  here('../../../protocols/longtest.yaml'),
  here('../../../protocols/echo.yaml'),
  telemetryFile,
  nastyFile,
];

function compile(compiler: string, args: string[]): void {
  const r = spawnSync(compiler, args, { encoding: 'utf8' });
  if (r.error) assert.fail(`${compiler} could not run: ${r.error.message}`);
  assert.equal(r.status, 0, `${compiler} ${args.join(' ')} failed:\n${r.stderr}`);
}

/** The strict builds the header must pass: C11 with gcc and clang, and C++ with g++. */
const STRICT_BUILDS: Array<{ compiler: string; ext: string; std: string }> = [
  { compiler: 'gcc', ext: 'c', std: 'c11' },
  { compiler: 'clang', ext: 'c', std: 'c11' },
  { compiler: 'g++', ext: 'cc', std: 'c++17' },
];

for (const file of LAYOUTS) {
  for (const { compiler, ext, std } of STRICT_BUILDS) {
    test(`gen c: the header for ${path.basename(file)} compiles on its own with ${compiler} -std=${std} -Wall -Wextra -Werror -pedantic`, () => {
      const layout = loadLayoutFile(file);
      const header = path.join(work, `${layout.protocol}_layout.h`);
      writeFileSync(header, generateC(layout, path.basename(file)));
      const main = path.join(work, `${layout.protocol}_${compiler}.${ext}`);
      writeFileSync(main, `#include "${layout.protocol}_layout.h"\nint main(void) { return 0; }\n`);
      compile(compiler, [
        `-std=${std}`,
        '-Wall',
        '-Wextra',
        '-Werror',
        '-pedantic',
        '-o',
        path.join(work, `${layout.protocol}_${compiler}`),
        main,
      ]);
    });
  }
}

/** "path=value" lines for a decoded value, printed the way features_dump.c prints. */
function cLines(s: StructDef, v: StructValue, prefix: string, out: string[]): string[] {
  for (const f of s.fields) {
    const one = (x: FieldValue | undefined, p: string): void => {
      const t = f.type;
      switch (t.kind) {
        case 'int':
          if (t.subfields) {
            for (const bf of t.subfields) {
              const b = (x as StructValue)[bf.name];
              out.push(
                `${p}.${bf.name}=${typeof b === 'string' ? String(bf.enum?.entries.find((e) => e.name === b)?.value) : String(b)}`,
              );
            }
          } else
            out.push(
              `${p}=${typeof x === 'string' ? String(t.enum?.entries.find((e) => e.name === x)?.value) : String(x)}`,
            );
          return;
        case 'float': {
          const dv = new DataView(new ArrayBuffer(8));
          if (t.bits === 32) {
            dv.setFloat32(0, x as number);
            out.push(`${p}=${dv.getUint32(0).toString(16).padStart(8, '0')}`);
          } else {
            dv.setFloat64(0, x as number);
            out.push(`${p}=${dv.getBigUint64(0).toString(16).padStart(16, '0')}`);
          }
          return;
        }
        case 'bool':
          out.push(`${p}=${String(x)}`);
          return;
        case 'bytes':
          out.push(`${p}=${toHex(x as Uint8Array)}`);
          return;
        case 'string':
          out.push(
            `${p}=${toHex(t.encoding === 'latin1' ? Buffer.from(x as string, 'latin1') : Buffer.from(x as string, 'utf8'))}`,
          );
          return;
        case 'struct':
          cLines(t.struct, x as StructValue, p, out);
      }
    };
    const value = v[f.name];
    if (f.count === undefined) one(value, `${prefix}.${f.name}`);
    else (value as FieldValue[]).forEach((x, i) => one(x, `${prefix}.${f.name}[${i}]`));
  }
  return out;
}

test('gen c: a C program using the generated header decodes 400 random messages to the same values as the TypeScript codec, and packs them back to the same bytes', () => {
  writeFileSync(path.join(work, 'features_layout.h'), generateC(features, 'features.yaml'));
  const program = path.join(work, 'features_dump');
  compile('gcc', [
    '-std=c11',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-I',
    work,
    '-o',
    program,
    here('./testdata/features_dump.c'),
  ]);
  const rng = new Rng(20261125);
  const input: string[] = [];
  const expected: string[] = [];
  for (let i = 0; i < 400; i++) {
    const kind = features.messages[i % features.messages.length];
    assert.ok(kind);
    const bytes = encodeMessage(
      features,
      { type: kind.when.type ?? 0n, id: BigInt(i), user_value: 0n },
      randomMessage(kind, rng),
    );
    const d = decodeMessage(features, bytes);
    assert.equal(d.error, undefined, d.error?.message);
    // Bits that no bit field names are not in the C struct; leave them out.
    input.push(`${kind.name} ${toHex(bytes.subarray(32))}`);
    expected.push(...cLines(kind.struct, d.data, 'data', []), 'roundtrip=ok', '--');
  }
  const r = spawnSync(program, [], { input: `${input.join('\n')}\n`, encoding: 'utf8' });
  assert.equal(
    r.status,
    0,
    `features_dump failed: ${r.stdout
      .split('\n')
      .filter((l) => l.startsWith('unpack='))
      .join(', ')} ${r.stderr}`,
  );
  const got = r.stdout.trimEnd().split('\n');
  for (let i = 0; i < Math.max(got.length, expected.length); i++)
    assert.equal(got[i], expected[i], `line ${i + 1} of the C program's output differs from the TypeScript codec`);
});

test('gen c: a message that does not fit makes the C unpack return -EBADMSG', () => {
  const program = path.join(work, 'features_dump');
  assert.ok(existsSync(program), 'built by the previous test');
  const r = spawnSync(program, [], { input: 'reading 1083c5c8\nints 00\n', encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, 'unpack=-74\n--\nunpack=-74\n--\n', 'EBADMSG is 74 on Linux');
});

function kernelBuildDir(): string | undefined {
  const dirs = readdirSync('/lib/modules', { withFileTypes: true })
    .filter((d) => existsSync(`/lib/modules/${d.name}/build/Makefile`))
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const newest = dirs[dirs.length - 1];
  return newest && `/lib/modules/${newest}/build`;
}

test('gen c: the generated headers (features, nasty names) build into a kernel module, warning-free with W=1', () => {
  const kdir = kernelBuildDir();
  assert.ok(kdir, 'no kernel build directory under /lib/modules (install linux-headers-amd64)');
  const dir = path.join(work, 'kmod');
  rmSync(dir, { recursive: true, force: true });
  execFileSync('mkdir', ['-p', dir]);
  copyFileSync(path.join(work, 'features_layout.h'), path.join(dir, 'features_layout.h'));
  writeFileSync(path.join(dir, 'nasty_layout.h'), generateC(loadLayoutFile(nastyFile), 'nasty-names.yaml'));
  writeFileSync(
    path.join(dir, 'features_mod.c'),
    [
      '// SPDX-License-Identifier: GPL-2.0',
      '#include <linux/module.h>',
      '#include "features_layout.h"',
      '#include "nasty_layout.h"',
      '',
      'static int __init features_mod_init(void)',
      '{',
      '\tstatic const __u8 wire[8] = { 0xff, 0xff, 0xff, 0xff, 0, 0, 1, 0 };',
      '\tstruct features_point pt;',
      '\t__u8 again[8];',
      '\tsize_t used;',
      '',
      '\tif (features_point_unpack(&pt, wire, sizeof(wire), &used) || pt.x != -1 || pt.y != 256)',
      '\t\treturn -EINVAL;',
      '\treturn features_point_pack(&pt, again, sizeof(again), &used);',
      '}',
      'module_init(features_mod_init);',
      'MODULE_LICENSE("GPL");',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'Makefile'), 'obj-m := features_mod.o\n');
  const r = spawnSync('make', ['-s', '-C', kdir, `M=${dir}`, 'W=1', 'modules'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `kernel module build failed:\n${r.stderr}`);
  const warnings = r.stderr.split('\n').filter((l) => /warning|error/i.test(l) && !/Skipping BTF/.test(l));
  assert.deepEqual(warnings, [], 'the build printed warnings');
  assert.ok(existsSync(path.join(dir, 'features_mod.ko')));
});

test("gen c and gen ts: names that are keywords, macros, the generator's locals or another part's generated name keep the public names and qualify the rest", () => {
  const nasty = loadLayoutFile(nastyFile);
  const c = generateC(nasty, 'nasty-names.yaml');
  // The generator's own public names keep their spelling...
  for (const name of [
    'NASTY_MSG_KIND_X,',
    'enum nasty_msg_kind {',
    'struct nasty_msg_x {',
    'nasty_msg_raw_unpack(',
    'struct nasty_point {',
  ])
    assert.ok(c.includes(name), `the header has ${name}`);
  // ...and what collides with them is qualified.
  for (const name of [
    'NASTY_MSG_KIND_X_2 = 1',
    'enum nasty_msg_kind_2 {',
    'struct nasty_msg_x_2 {',
    'enum nasty_point_2 {',
    '__s32 int_;',
    '__s32 int__2;',
    'errno_;',
    'current_;',
  ])
    assert.ok(c.includes(name), `the header has ${name}`);
  const ts = generateTs(nasty, 'nasty-names.yaml');
  assert.equal(ts.match(/^export interface XData /gm)?.length, 1, "one XData: the message x's data is XData_2");
  assert.match(ts, /^export type Point_2 = 'origin'/m);
});

test('gen ts: the types accept what the codec decodes and reject what it never produces', () => {
  const types = path.join(work, 'features-types.ts');
  writeFileSync(types, generateTs(features, 'features.yaml'));
  const use = path.join(work, 'use-types.ts');
  writeFileSync(
    use,
    [
      "import type { FeaturesMessage, ReadingData, ListsData, IntsData, Unit } from './features-types.ts';",
      "const reading: ReadingData = { unit: 'volt', status: 0x83, control: { enabled: 1, mode: 'fast', gain: 9, channel: 200 },",
      '  temperature: 21.5, pressure: 1013.25, calibrated: true, seconds: 5, trailer: new Uint8Array(2) };',
      "const lists: ListsData = { fixed: [1, 2, 3], points: [{ x: -1, y: 2 }], samples: [{ at: { x: 1, y: 1 }, value: 0.5, tag: 'a' }], levels: [-1] };",
      'const unknownUnit: Unit = 77;',
      "const m: FeaturesMessage = { kind: 'reading', header: { length: 0n, type: 2n, id: 1n, user_value: 0n }, data: reading };",
      '// @ts-expect-error a64 is a u64: always a bigint',
      'const wrong: Pick<IntsData, "a64"> = { a64: 1 };',
      "// @ts-expect-error 'amps' is not in enum unit",
      "const badUnit: Unit = 'amps';",
      'export { lists, unknownUnit, m, wrong, badUnit };',
      '',
    ].join('\n'),
  );
  const tsc = here('../../../node_modules/typescript/bin/tsc');
  const r = spawnSync(
    process.execPath,
    [
      tsc,
      '--noEmit',
      '--strict',
      '--target',
      'ES2022',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--allowImportingTsExtensions',
      '--types',
      'node',
      use,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `tsc rejected the generated types:\n${r.stdout}${r.stderr}`);
});

async function exportFeatures(messages: Uint8Array[], file: string): Promise<void> {
  const kucap = `${file}.kucap`;
  const w = new CaptureWriter(kucap);
  messages.forEach((m, i) => {
    const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
    w.write({
      target: '/dev/kucomms_features',
      direction: i % 2 ? 'rx' : 'tx',
      timestampNs: 1_764_000_000_000_000_000n + BigInt(i),
      length: v.getBigUint64(0, true),
      type: v.getBigUint64(8, true),
      id: v.getBigUint64(16, true),
      userValue: v.getBigUint64(24, true),
      data: m.subarray(32),
    });
  });
  w.close();
  await exportPcapng(readCapture(kucap), file);
}

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8' });
  if (r.error) assert.fail(`tshark could not run (apt-get install tshark): ${r.error.message}`);
  assert.equal(r.status, 0, `tshark ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** The @columns of every packet of @pcap, dissected with @lua: tshark's output and its rows of cells. */
function tsharkFields(pcap: string, lua: string, columns: string[]): { out: string; rows: string[][] } {
  const out = tshark([
    '-r',
    pcap,
    '-X',
    `lua_script:${lua}`,
    '-T',
    'fields',
    '-E',
    'separator=|',
    ...columns.flatMap((c) => ['-e', c]),
  ]);
  return {
    out,
    rows: out
      .trimEnd()
      .split('\n')
      .map((l) => l.split('|')),
  };
}

test('gen lua: tshark with the generated dissector prints every field of an exported pcapng with the right values', async () => {
  const lua = path.join(work, 'features.lua');
  writeFileSync(lua, generateLua(features, 'features.yaml'));
  const pcap = path.join(work, 'features.pcapng');
  await exportFeatures(
    [
      encodeMessage(
        features,
        { type: 2n, id: 41n, user_value: 7n },
        {
          unit: 'volt',
          status: 0x83,
          control: { enabled: 1, mode: 'fast', gain: 9, channel: 200 },
          temperature: 21.5,
          pressure: 1013.25,
          calibrated: true,
          seconds: 5,
          trailer: Uint8Array.from([9, 8]),
        },
      ),
      encodeMessage(
        features,
        { type: 1n, id: 42n, user_value: 0n },
        {
          a8: 255,
          a16: 2,
          a24: 0xabcdef,
          a32: 4,
          a40: 5,
          a48: 2 ** 47,
          a56: 7n,
          a64: 0xffffffffffffffffn,
          b16: 9,
          b24: 10,
          b48: 11,
          b64: 12n,
          i8: -1,
          i16: -2,
          i24: -3,
          i32: -4,
          i40: -5,
          i48: -6,
          i56: -7n,
          i64: -(2n ** 63n),
        },
      ),
      encodeMessage(
        features,
        { type: 3n, id: 43n, user_value: 0n },
        { label: 'abc', name: 'Zoë', note: 'hi', legacy: 'Çà!?', blob: Uint8Array.from([1, 2, 3]) },
      ),
      encodeMessage(
        features,
        { type: 4n, id: 44n, user_value: 0n },
        {
          fixed: [1, 2, 3],
          points: [
            { x: -1, y: 256 },
            { x: 5, y: 6 },
          ],
          samples: [{ at: { x: 1, y: 2 }, value: 0.5, tag: 'tag' }],
          levels: [-1, 300],
        },
      ),
    ],
    pcap,
  );
  const p = 'kucomms_features';
  const columns = [
    'frame.interface_name',
    `${p}.direction`,
    `${p}.target`,
    `${p}.kind`,
    `${p}.id`,
    `${p}.user_value`,
    `${p}.reading.unit`,
    `${p}.reading.status`,
    `${p}.reading.control.mode`,
    `${p}.reading.control.channel`,
    `${p}.reading.temperature`,
    `${p}.reading.pressure`,
    `${p}.reading.calibrated`,
    `${p}.reading.trailer`,
    `${p}.ints.a8`,
    `${p}.ints.a24`,
    `${p}.ints.a48`,
    `${p}.ints.a64`,
    `${p}.ints.i24`,
    `${p}.ints.i56`,
    `${p}.ints.i64`,
    `${p}.texts.label`,
    `${p}.texts.name`,
    `${p}.texts.legacy`,
    `${p}.texts.blob`,
    `${p}.lists.fixed`,
    `${p}.point.x`,
    `${p}.point.y`,
    `${p}.sample.tag`,
    `${p}.lists.levels`,
  ];
  const { rows } = tsharkFields(pcap, lua, columns);
  const cell = (row: number, column: string): string | undefined => rows[row]?.[columns.indexOf(column)];
  const want: Array<[number, string, string]> = [
    [0, 'frame.interface_name', '/dev/kucomms_features'],
    [0, `${p}.direction`, '0'],
    [1, `${p}.direction`, '1'],
    [0, `${p}.target`, '/dev/kucomms_features'],
    [0, `${p}.kind`, 'reading'],
    [0, `${p}.id`, '41'],
    [0, `${p}.user_value`, '7'],
    [0, `${p}.reading.unit`, '16'],
    [0, `${p}.reading.status`, '0x83'],
    [0, `${p}.reading.control.mode`, '2'],
    [0, `${p}.reading.control.channel`, '200'],
    [0, `${p}.reading.temperature`, '21.5'],
    [0, `${p}.reading.pressure`, '1013.25'],
    [0, `${p}.reading.calibrated`, '1'],
    [0, `${p}.reading.trailer`, '0908'],
    [1, `${p}.ints.a8`, '255'],
    [1, `${p}.ints.a24`, String(0xabcdef)],
    [1, `${p}.ints.a48`, String(2 ** 47)],
    [1, `${p}.ints.a64`, '18446744073709551615'],
    [1, `${p}.ints.i24`, '-3'],
    [1, `${p}.ints.i56`, '-7'],
    [1, `${p}.ints.i64`, '-9223372036854775808'],
    [2, `${p}.texts.label`, 'abc'],
    [2, `${p}.texts.name`, 'Zoë'],
    [2, `${p}.texts.legacy`, 'Çà!?'],
    [2, `${p}.texts.blob`, '010203'],
    [3, `${p}.lists.fixed`, '1,2,3'],
    [3, `${p}.point.x`, '-1,5,1'],
    [3, `${p}.point.y`, '256,6,2'],
    [3, `${p}.sample.tag`, 'tag'],
    [3, `${p}.lists.levels`, '-1,300'],
  ];
  for (const [row, column, value] of want) assert.equal(cell(row, column), value, `frame ${row + 1}, ${column}`);
});

test('gen lua: a cut-off message shows its fields up to the cut and expert info naming the field and offset', async () => {
  const lua = path.join(work, 'features.lua');
  const pcap = path.join(work, 'cut.pcapng');
  const whole = encodeMessage(
    features,
    { type: 2n, id: 1n, user_value: 0n },
    {
      unit: 1,
      status: 0,
      control: { enabled: 0, mode: 0, gain: 0, channel: 0 },
      temperature: 3.25,
      pressure: 0,
      calibrated: false,
      seconds: 0,
      trailer: new Uint8Array(),
    },
  );
  const cut = whole.slice(0, 42);
  new DataView(cut.buffer).setBigUint64(0, 10n, true);
  await exportFeatures([cut], pcap);
  const out = tshark([
    '-r',
    pcap,
    '-X',
    `lua_script:${lua}`,
    '-T',
    'fields',
    '-e',
    'kucomms_features.reading.temperature',
    '-e',
    '_ws.expert.message',
  ]);
  assert.equal(out.trim(), '3.25\tdata.pressure at offset 40: expected f64 (8 bytes), but only 2 bytes left');
});

test('gen lua: tshark with the telemetry dissector shows one message of every kind with the right values', async () => {
  const telemetry = loadLayoutFile(telemetryFile);
  const lua = path.join(work, 'telemetry.lua');
  writeFileSync(lua, generateLua(telemetry, 'telemetry.yaml'));
  const pcap = path.join(work, 'telemetry.pcapng');
  await exportFeatures(
    telemetry.messages.map((kind, i) =>
      encodeMessage(
        telemetry,
        { type: kind.when.type ?? 0n, id: BigInt(100 + i), user_value: 0n },
        TELEMETRY_EXAMPLES[kind.name] ?? {},
      ),
    ),
    pcap,
  );
  const p = 'kucomms_telemetry';
  const columns = [
    `${p}.kind`,
    `${p}.id`,
    `${p}.version.patch`,
    `${p}.info.serial`,
    `${p}.info.model`,
    `${p}.info.calibrated`,
    `${p}.info.driver`,
    `${p}.configure.sensor`,
    `${p}.configure.options`,
    `${p}.configure.control.range`,
    `${p}.configure.control.filter`,
    `${p}.configure.alarm_above`,
    `${p}.configure.label`,
    `${p}.configured.period_us`,
    `${p}.sample.taken_us`,
    `${p}.sample.clock_offset_ns`,
    `${p}.vector.x`,
    `${p}.vector.z`,
    `${p}.sample.temperature`,
    `${p}.sample.aux_mv`,
    `${p}.event.severity`,
    `${p}.event.text`,
    '_ws.expert.message',
  ];
  const { out, rows } = tsharkFields(pcap, lua, columns);
  assert.equal(rows.length, telemetry.messages.length, `one row per message:\n${out}`);
  const cell = (row: number, column: string): string | undefined => rows[row]?.[columns.indexOf(column)];
  const want: Array<[number, string, string]> = [
    [0, `${p}.kind`, 'get_info'],
    [0, `${p}.id`, '100'],
    [1, `${p}.kind`, 'info'],
    [1, `${p}.version.patch`, '513'],
    [1, `${p}.info.serial`, String(0xa1b2c3d4e5)],
    [1, `${p}.info.model`, 'TS-4 sensor hub'],
    [1, `${p}.info.calibrated`, '1'],
    [1, `${p}.info.driver`, 'kucomms_telemetry 1.3.0'],
    [2, `${p}.configure.sensor`, '4'],
    [2, `${p}.configure.options`, '0x0b'],
    [2, `${p}.configure.control.range`, '2'],
    [2, `${p}.configure.control.filter`, '5'],
    [2, `${p}.configure.alarm_above`, '85.5'],
    [2, `${p}.configure.label`, 'left arm'],
    [3, `${p}.configured.period_us`, '9984'],
    [4, `${p}.sample.taken_us`, String(2 ** 40 + 12_345)],
    [4, `${p}.sample.clock_offset_ns`, '-1234567890123'],
    [4, `${p}.vector.x`, String(-(2 ** 23))],
    [4, `${p}.vector.z`, String(2 ** 23 - 1)],
    [4, `${p}.sample.temperature`, '36.75'],
    [4, `${p}.sample.aux_mv`, '0,3300,1650,65535'],
    [5, `${p}.event.severity`, '2'],
    [5, `${p}.event.text`, 'left arm: 86.25 °C is above 85.5 °C'],
  ];
  for (const [row, column, value] of want) assert.equal(cell(row, column), value, `frame ${row + 1}, ${column}`);
  rows.forEach((_, row) => assert.equal(cell(row, '_ws.expert.message'), '', `frame ${row + 1}: no expert info`));
});

test('gen lua: a string that is not UTF-8 is expert info naming the field and offset, as the codec refuses it', async () => {
  const lua = path.join(work, 'features-utf8.lua');
  writeFileSync(lua, generateLua(features, 'features.yaml'));
  const pcap = path.join(work, 'utf8.pcapng');
  const good = encodeMessage(
    features,
    { type: 3n, id: 1n, user_value: 0n },
    { label: 'ab', name: 'xyz', note: 'hi', legacy: 'abcd', blob: Uint8Array.from([1, 2, 3]) },
  );
  // label is 8 bytes at 32; name_len at 40; name at 41: an overlong "/" (c0 af), then a surrogate (ed a0 80).
  const broken = good.slice();
  broken.set([0xc0, 0xaf, 0x7a], 41);
  const surrogate = good.slice();
  surrogate.set([0xed, 0xa0, 0x80], 41);
  await exportFeatures([broken, surrogate, good], pcap);
  const out = tshark(['-r', pcap, '-X', `lua_script:${lua}`, '-T', 'fields', '-e', '_ws.expert.message']);
  const codec = [broken, surrogate, good].map((m) => decodeMessage(features, m).error?.message ?? '');
  assert.equal(codec[0], 'data.name at offset 41: expected UTF-8 text, got the bytes c0af7a');
  assert.deepEqual(out.split('\n').slice(0, 3), codec);
});
