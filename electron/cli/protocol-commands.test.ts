// The CLI verbs over layouts and captures, as a user runs them: gen, decode,
// capture, export-pcapng, import-pcapng (replay has its own tests beside
// the replay service).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CaptureWriter } from '../services/capture/writer.ts';
import { readCapture } from '../services/capture/reader.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cli = path.join(repo, 'electron/cli/kucomms-studio.mjs');
const longtest = path.join(repo, 'protocols/longtest.yaml');
const work = mkdtempSync(path.join(tmpdir(), 'kucomms-cli-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

function studio(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) assert.fail(`kucomms-studio could not run: ${r.error.message}`);
  return r;
}

// Sequence message 5 of longtest: id 5, 5 bytes of 5.
const SEQ5 = `${'0500000000000000'}${'0100000000000000'}${'0500000000000000'}${'0000000000000000'}0505050505`;

test('cli: decode prints a message as a field tree with offsets and sizes', () => {
  const r = studio('decode', longtest, SEQ5);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      'message: sequence',
      '  header  @0+32',
      '    length = 5  @0+8',
      '    type (kind) = sequence (1)  @8+8',
      '    id (sequence) = 5  @16+8',
      '    user_value = 0  @24+8',
      '  data  @32+5',
      '    fill = 0505050505  @32+5',
      '',
    ].join('\n'),
  );
});

test('cli: decode --json gives u64 as decimal strings and bytes as hex', () => {
  const r = studio('decode', longtest, SEQ5, '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    kind: 'sequence',
    header: { length: '5', type: '1', id: '5', user_value: '0' },
    data: { fill: '0505050505' },
    error: null,
  });
});

test('cli: decode of a message that does not fit exits 5 and prints where it broke', () => {
  const r = studio('decode', longtest, `${SEQ5.slice(0, 16)}0900000000000000${SEQ5.slice(32)}`);
  assert.equal(r.status, 5);
  assert.match(
    r.stdout,
    /\n {2}error: data at offset 32: no message kind of longtest matches type=9 id=5 user_value=0\n$/,
  );
});

test('cli: decode of a capture prints every message with its target and direction; --direction filters', () => {
  const file = path.join(work, 'two.kucap');
  const w = new CaptureWriter(file);
  w.write({
    target: 'demo:longtest',
    direction: 'tx',
    timestampNs: 1_000_000_000n,
    length: 2n,
    type: 0n,
    id: 0n,
    userValue: 0n,
    data: Uint8Array.from([1, 2]),
  });
  w.write({
    target: 'demo:longtest',
    direction: 'rx',
    timestampNs: 2_000_000_000n,
    length: 1n,
    type: 1n,
    id: 1n,
    userValue: 0n,
    data: Uint8Array.from([1]),
  });
  w.close();
  const all = studio('decode', longtest, file);
  assert.equal(all.status, 0, all.stderr);
  assert.match(
    all.stdout,
    /^#1 demo:longtest tx 1970-01-01T00:00:01\.000000000Z type=0 id=0 user_value=0 length=2: random\n/,
  );
  assert.match(
    all.stdout,
    /\n#2 demo:longtest rx 1970-01-01T00:00:02\.000000000Z type=1 id=1 user_value=0 length=1: sequence\n/,
  );
  const rx = studio('decode', longtest, file, '--direction', 'rx', '--json');
  assert.deepEqual(
    rx.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { index: number; kind: string }).kind),
    ['sequence'],
  );
});

test('cli: a broken layout exits 6 and prints every error with file, line and column', () => {
  const bad = path.join(work, 'bad.yaml');
  writeFileSync(
    bad,
    'protocol: bad\nendian: middle\nmessages:\n  - name: m\n    fields:\n      - { name: a, type: u12 }\n',
  );
  const r = studio('gen', 'c', bad);
  assert.equal(r.status, 6);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    `${bad}:2:9: endian: "middle" is not one of "little", "big"\n${bad}:6:26: messages[0].fields[0].type: unknown type "u12": use u8..u64, s8..s64 (multiples of 8 bits), f32, f64, bool, bytes, string\nkucomms-studio: ${bad}: 2 errors; nothing done\n`,
  );
});

test('cli: gen writes C, TypeScript and Lua to stdout or to -o FILE', () => {
  const c = studio('gen', 'c', longtest);
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /#ifndef KUCOMMS_GEN_LONGTEST_H\n/);
  assert.match(
    c.stdout,
    /static inline int longtest_msg_sequence_unpack\(struct longtest_msg_sequence \*out, const void \*buf, size_t len\)/,
  );
  const ts = studio('gen', 'ts', longtest);
  assert.match(
    ts.stdout,
    /export type LongtestMessage =\n {2}\| \{ kind: 'random'; header: LongtestHeader; data: RandomData \}/,
  );
  const out = path.join(work, 'longtest.lua');
  const lua = studio('gen', 'lua', longtest, '-o', out, '--linktype', '150');
  assert.equal(lua.status, 0, lua.stderr);
  assert.equal(lua.stdout, '');
  assert.match(readFileSync(out, 'utf8'), /DissectorTable\.get\("wtap_encap"\):add\(wtap_encaps\.USER3, proto\)\n$/);
  assert.equal(
    studio('gen', 'lua', longtest, '--linktype', '200').status,
    2,
    'a link type outside USER0..15 is a usage error',
  );
  assert.equal(studio('gen', 'python', longtest).status, 2);
});

test('cli: export-pcapng and import-pcapng convert a capture both ways without loss', async () => {
  const file = path.join(work, 'conv.kucap');
  const w = new CaptureWriter(file);
  for (let i = 0; i < 100; i++)
    w.write({
      target: i % 2 ? 'demo:echo' : '/dev/kucomms_echo',
      direction: i % 3 ? 'rx' : 'tx',
      timestampNs: 1_764_000_000_000_000_001n + BigInt(i),
      length: BigInt(i % 9),
      type: 3n,
      id: BigInt(i),
      userValue: 7n,
      data: new Uint8Array(i % 9).fill(i),
    });
  w.close();
  const pcap = path.join(work, 'conv.pcapng');
  const ex = studio('export-pcapng', file, '-o', pcap);
  assert.equal(ex.status, 0, ex.stderr);
  assert.equal(ex.stderr, `kucomms-studio: exported 100 messages to ${pcap}\n`);
  const back = path.join(work, 'back.kucap');
  const im = studio('import-pcapng', pcap, '-o', back);
  assert.equal(im.status, 0, im.stderr);
  const a = [];
  const b = [];
  for await (const r of readCapture(file)) a.push(r);
  for await (const r of readCapture(back)) b.push(r);
  assert.deepEqual(b, a);
});

test('cli: capture records a target to a capture file for --duration and says how many messages', () => {
  // demo:echo only answers, so a passive capture of it is empty: this
  // checks the verb's plumbing (open, record, stop, close the file).
  const file = path.join(work, 'passive.kucap');
  const r = studio('capture', 'demo:echo', '-o', file, '--duration', '0.5');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`captured 0 messages to ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n$`));
  assert.ok(existsSync(file));
  assert.equal(readFileSync(file).subarray(0, 8).toString('latin1'), 'KUCMCAP\n');
  const missing = studio(
    'capture',
    '/dev/kucomms_no_such_device',
    '-o',
    path.join(work, 'none.kucap'),
    '--duration',
    '0.2',
  );
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /kucomms_no_such_device/);
});

test('cli: validate checks every layout given, prints each error as file:line:column and exits 6 when one has errors', () => {
  const bad = path.join(work, 'bad-layout.yaml');
  writeFileSync(
    bad,
    'protocol: p\nendian: middle\nmessages:\n  - name: m\n    fields:\n      - { name: a, type: u12 }\n',
  );
  const r = studio('validate', longtest, bad);
  assert.equal(r.status, 6);
  assert.match(r.stdout, /longtest\.yaml: valid/);
  assert.deepEqual(r.stderr.trim().split('\n'), [
    `${bad}:2:9: endian: "middle" is not one of "little", "big"`,
    `${bad}:6:26: messages[0].fields[0].type: unknown type "u12": use u8..u64, s8..s64 (multiples of 8 bits), f32, f64, bool, bytes, string`,
  ]);
  assert.equal(studio('validate', longtest).status, 0);
  assert.equal(
    studio('validate', path.join(work, 'missing.yaml')).status,
    2,
    'a file that cannot be read is a usage error',
  );
});
