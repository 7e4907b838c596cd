// Every kucomms-studio command given bad arguments and bad files: each says
// what was wrong in one line on stderr and exits with the documented code;
// never a stack trace, never a native abort, and a file it was told to read
// is never written over.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CaptureWriter } from '../services/capture/writer.ts';
import { EXIT } from './exit-codes.ts';

const cli = fileURLToPath(new URL('./kucomms-studio.mjs', import.meta.url));
const layout = fileURLToPath(new URL('../../protocols/echo.yaml', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'kucomms-bad-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: Buffer | string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], onStdout?: (child: ReturnType<typeof spawn>) => void): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(child);
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A pcapng section header, then an enhanced packet block claiming 4 GB. */
function absurdPcapng(): Buffer {
  const shb = Buffer.alloc(28);
  shb.writeUInt32LE(0x0a0d0d0a, 0);
  shb.writeUInt32LE(28, 4);
  shb.writeUInt32LE(0x1a2b3c4d, 8);
  shb.writeUInt16LE(1, 12);
  shb.writeBigInt64LE(-1n, 16);
  shb.writeUInt32LE(28, 24);
  const epb = Buffer.alloc(28);
  epb.writeUInt32LE(6, 0);
  epb.writeUInt32LE(0xfffffff0, 4);
  return Buffer.concat([shb, epb]);
}

function capture(name: string, count: number): string {
  const p = path.join(dir, name);
  const w = new CaptureWriter(p, { flushIntervalMs: 0 });
  for (let i = 0; i < count; i++)
    w.write({
      target: 'demo:echo',
      direction: 'rx',
      timestampNs: BigInt(i),
      length: 2n,
      type: 0n,
      id: BigInt(i),
      userValue: 0n,
      data: Buffer.from('hi'),
    });
  w.close();
  return p;
}

const empty = file('empty', '');
const garbage = file('garbage.bin', Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 256)));
const absurd = file('absurd.pcapng', absurdPcapng());
const good = capture('good.kucap', 3);
const hugeLayout = file('huge.yaml', `name: huge\n# ${'x'.repeat(1_100_000)}\n`);
const missing = path.join(dir, 'missing');
const noDir = path.join(dir, 'no-such-dir', 'out');

// [what a user types, the exit code, what stderr must say]
const CASES: Array<[string[], number, RegExp]> = [
  [
    ['export-pcapng', empty, '-o', path.join(dir, 'o1.pcapng')],
    EXIT.USAGE,
    /is not a kucomms capture file \(it is empty\)/,
  ],
  [['export-pcapng', garbage, '-o', path.join(dir, 'o2.pcapng')], EXIT.USAGE, /is not a kucomms capture file/],
  [['export-pcapng', missing, '-o', path.join(dir, 'o3.pcapng')], EXIT.USAGE, /ENOENT.*missing/],
  [['export-pcapng', good, '-o', good], EXIT.USAGE, /the file being read/],
  [['export-pcapng', good, '-o', noDir], EXIT.USAGE, /ENOENT.*no-such-dir/],
  [['import-pcapng', empty, '-o', path.join(dir, 'o4.kucap')], EXIT.USAGE, /is not a pcapng file \(it is empty\)/],
  [['import-pcapng', garbage, '-o', path.join(dir, 'o5.kucap')], EXIT.USAGE, /is not a pcapng file/],
  [['import-pcapng', absurd, '-o', path.join(dir, 'o6.kucap')], EXIT.DIFFERENT, /impossible length 4294967280/],
  [['decode', layout, absurd], EXIT.DIFFERENT, /impossible length 4294967280/],
  [['decode', layout, empty], EXIT.USAGE, /neither a kucomms capture/],
  [
    ['decode', layout, good, '--target', 'nosuch'],
    EXIT.USAGE,
    /--target nosuch: .* holds no message of that target; its targets: demo:echo/,
  ],
  [['decode', layout, 'zz'], EXIT.USAGE, /neither a capture file nor hex bytes/],
  [['decode', hugeLayout, '00'], EXIT.LAYOUT, /a layout is at most 1 MB/],
  [['decode', garbage, '00'], EXIT.LAYOUT, /1 error; nothing done/],
  [['gen', 'c', missing], EXIT.LAYOUT, /cannot read layout .*ENOENT/],
  [['gen', 'c', layout, '-o', noDir], EXIT.USAGE, /ENOENT.*no-such-dir/],
  [['gen', 'x', layout], EXIT.USAGE, /value 'x' is invalid for argument 'language'/],
  [['capture', 'demo:echo', '-o', noDir, '--count', '1'], EXIT.USAGE, /ENOENT.*no-such-dir/],
  [['capture', 'demo:echo', '-o', path.join(dir, 'c.kucap'), '--count', '-1'], EXIT.USAGE, /is invalid/],
  [['replay', empty, 'demo:echo'], EXIT.USAGE, /neither a kucomms capture/],
  [['replay', missing, 'demo:echo'], EXIT.USAGE, /cannot read capture/],
  [['replay', good, 'demo:echo', '--record', good], EXIT.USAGE, /the file being read/],
  [['replay', good, 'demo:echo', '--speed', 'fast'], EXIT.USAGE, /is invalid/],
  [['send', 'demo:echo', '--type', '2^64'], EXIT.USAGE, /expected a u64/],
  [['send', 'demo:echo', '--hex', 'abc'], EXIT.USAGE, /expected hex bytes.*"abc" at character 1 has an odd number/],
  [['send', 'demo:echo', '--hex', '00 0xg1'], EXIT.USAGE, /"0xg1" at character 4 is not hex/],
  [['send', 'demo:echo', '--file', missing], EXIT.USAGE, /cannot read --file/],
  [['send', 'demo:echo', '--count', '1e400'], EXIT.USAGE, /is invalid/],
  [['send', 'nosuch:x'], EXIT.TARGET, /is not a target name/],
  [['listen', 'demo:nosuch', '--count', '1'], EXIT.TARGET, /unknown demo target/],
  [['listen', 'demo:echo', '--timeout', 'soon'], EXIT.USAGE, /is invalid/],
  [['run-script', missing, 'demo:echo'], EXIT.USAGE, /ENOENT.*missing/],
  [['run-script', dir, 'demo:echo'], EXIT.USAGE, /is not a file/],
  [['run-script', layout, 'demo:echo', '--layout', hugeLayout], EXIT.LAYOUT, /a layout is at most 1 MB/],
  [['serve', '--port', '99999'], EXIT.USAGE, /expected a port number/],
  [['agent', '--port', '-1'], EXIT.USAGE, /expected a port number/],
  // A folder that cannot exist under /proc: Node's own mkdir -p would spin there forever.
  [
    ['agent', '--tls', '--port', '0', '--state-dir', '/proc/nosuch'],
    EXIT.USAGE,
    /TLS certificate in \/proc\/nosuch: ENOENT/,
  ],
  [
    ['serve', '--port', '0', '--state-dir', '/proc/nosuch'],
    EXIT.USAGE,
    /cannot open workspace \/proc\/nosuch\/workspace: ENOENT/,
  ],
  [['nosuch-command'], EXIT.USAGE, /unknown command/],
];

for (const [args, code, says] of CASES) {
  test(`kucomms-studio ${args.map((a) => (a.startsWith(dir) ? path.basename(a) : a.startsWith('/') ? path.basename(a) : a)).join(' ')} exits ${code} and says why in one line`, async () => {
    const r = await run(args);
    assert.equal(r.signal, null, `died of ${r.signal}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at |Assertion failed|node:internal/, `a stack trace or abort: ${r.stderr}`);
    assert.match(r.stderr, says);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !/^\(run with --help|^kucomms-studio: .*: \d+ error/.test(l));
    assert.ok(lines.length <= 2, `${lines.length} lines on stderr: ${r.stderr}`);
    assert.equal(r.code, code, r.stderr);
  });
}

test('help for every command prints and exits 0, BigInt defaults included', async () => {
  for (const args of [
    ['send', '--help'],
    ['help', 'send'],
    ['--help'],
    ...[
      'listen',
      'capture',
      'replay',
      'decode',
      'gen',
      'serve',
      'agent',
      'run-script',
      'export-pcapng',
      'import-pcapng',
      'targets',
    ].map((c) => ['help', c]),
  ]) {
    const r = await run(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /^Usage: kucomms-studio/, args.join(' '));
  }
  const send = await run(['send', '--help']);
  assert.match(send.stdout, /--type <u64> +message type \(default: 0\)/);
});

test('a file that is not of its kind leaves the output file as it was', async () => {
  const out = file('keep.kucap', 'precious');
  const r = await run(['import-pcapng', empty, '-o', out]);
  assert.equal(r.code, EXIT.USAGE, r.stderr);
  assert.doesNotMatch(r.stderr, /imported/);
  assert.equal(readFileSync(out, 'utf8'), 'precious');
  const out2 = file('keep.pcapng', 'precious');
  assert.equal((await run(['export-pcapng', garbage, '-o', out2])).code, EXIT.USAGE);
  assert.equal(readFileSync(out2, 'utf8'), 'precious');
});

test('decode piped into a reader that stops early (| head) ends quietly with 0', async () => {
  const big = capture('big.kucap', 30_000);
  assert.ok(statSync(big).size > 1 << 20);
  // The reader takes the first output and goes away, as `head -1` does.
  const r = await run(['decode', layout, big], (child) => child.stdout!.destroy());
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
});
