// kucomms-studio as a shell script sees it: output and exit codes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runCli } from './run-cli.ts';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../services/scripts/fixtures/${name}`, import.meta.url));

const run = runCli;

test('targets lists the demo targets and exits 0', async () => {
  const r = await run('targets', '--json');
  assert.equal(r.code, 0, r.stderr);
  const targets = r.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { target: string }).target);
  assert.ok(targets.includes('demo:echo') && targets.includes('demo:longtest'), `targets: ${targets.join(', ')}`);
});

test('--version prints the version package.json gives and exits 0', async () => {
  const r = await run('--version');
  assert.equal(r.code, 0, r.stderr);
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal(r.stdout, `${version}\n`);
});

test('send --reply prints the echo with every header field and exits 0', async () => {
  const r = await run(
    'send',
    'demo:echo',
    '--type',
    '0xffffffffffffffff',
    '--id',
    '7',
    '--user-value',
    '3',
    '--data',
    'hi',
    '--reply',
    '20000',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout) as Record<string, string>;
  assert.deepEqual(
    [m.direction, m.type, m.id, m.userValue, m.length, m.data],
    ['rx', '18446744073709551615', '7', '3', '2', Buffer.from('hi').toString('base64')],
  );
});

test('send --count sends that many with ids counting up', async () => {
  const r = await run('send', 'demo:echo', '--count', '500', '--id', '1000', '--hex', '00ff', '--reply', '20000');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 500);
  assert.match(lines[499] ?? '', /^rx \S+ type=0 id=1499 user_value=0 length=2 data=00ff$/);
});

test('send --hex takes bytes as people paste them: spaced, colon-separated, 0x-prefixed', async () => {
  for (const hex of ['00 ff 10', '00:FF:10', '0x00 0xff 0x10', '0x00ff10']) {
    const r = await run('send', 'demo:echo', '--hex', hex, '--reply', '20000');
    assert.equal(r.code, 0, `${hex}: ${r.stderr}`);
    assert.match(r.stdout, /length=3 data=00ff10\n$/, hex);
  }
});

test('an oversize send names the bytes a message may carry and the bytes given, not an internal peer', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kucomms-cli-big-'));
  try {
    const big = path.join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(1 << 20));
    const r = await run('send', 'demo:echo', '--file', big);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /demo:echo may carry at most \d+ bytes of data; 1048576 were given/);
    assert.doesNotMatch(r.stderr, /shm:studio_/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('send --record captures the session it drives, sends and replies, and the capture replays clean', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kucomms-cli-record-'));
  try {
    const file = path.join(dir, 'session.kucap');
    const r = await run(
      'send',
      'demo:echo',
      '--count',
      '3',
      '--id',
      '10',
      '--data',
      'ab',
      '--reply',
      '20000',
      '--record',
      file,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /recorded 6 messages to /);
    const decoded = await run('decode', fixture('../../../../protocols/echo.yaml'), file);
    assert.equal(decoded.code, 0, decoded.stderr);
    const lines = decoded.stdout.split('\n').filter((l) => l.startsWith('#'));
    assert.deepEqual(
      lines.map((l) => /demo:echo (tx|rx) .* id=(\d+)/.exec(l)?.slice(1).join(' ')),
      ['tx 10', 'tx 11', 'tx 12', 'rx 10', 'rx 11', 'rx 12'],
    );
    const replayed = await run('replay', file, 'demo:echo', '--speed', 'max');
    assert.equal(replayed.code, 0, `${replayed.stdout}${replayed.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad command line exits 2 and says what is wrong', async () => {
  const r = await run('send', 'demo:echo', '--type', '-1');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--type .*expected a u64/);
  assert.equal((await run('no-such-command')).code, 2);
});

test('a target that cannot be opened exits 1 with the reason', async () => {
  const r = await run('send', 'shm:no_such_peer_here');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no_such_peer_here/);
});

test('listen exits 4 when --count messages do not come within --timeout', async () => {
  const r = await run('listen', 'demo:echo', '--count', '1', '--timeout', '1');
  assert.equal(r.code, 4);
  assert.match(r.stderr, /0 of 1 messages from demo:echo within 1 s/);
});

test('run-script exits 0 after --duration for a healthy script and 3 with the line for a throwing one', async () => {
  const ok = await run('run-script', fixture('ticks.ts'), 'demo:echo', '--duration', '1');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /script stopped: .*work_calls=\d+/);
  const bad = await run('run-script', fixture('runaway.ts'), 'demo:echo', '--runaway-ms', '500');
  assert.equal(bad.code, 3, bad.stderr);
  const line =
    readFileSync(fixture('runaway.ts'), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('LOOPS HERE')) + 1;
  assert.match(bad.stderr, new RegExp(`runaway\\.ts:${line}: onWork ran for more than 500 ms and was stopped`));
});

test('run-script --layout exits 6 with the reason when the layout cannot be read or has errors', async () => {
  const missing = await run('run-script', fixture('greeter.ts'), 'demo:echo', '--layout', 'no/such/layout.yaml');
  assert.equal(missing.code, 6, missing.stderr);
  assert.match(
    missing.stderr,
    /^cannot read layout no\/such\/layout\.yaml: ENOENT: no such file or directory.*\nkucomms-studio: \S+greeter\.ts not started: layout no\/such\/layout\.yaml did not load\n$/,
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'kucomms-cli-'));
  try {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'protocol: bad\nendian: middle\nmessages:\n  - name: m\n    fields:\n      - { name: a, type: u12 }\n',
    );
    const broken = await run('run-script', fixture('greeter.ts'), 'demo:echo', '--layout', bad);
    assert.equal(broken.code, 6, broken.stderr);
    assert.match(
      broken.stderr,
      new RegExp(`^${bad}:2:9: endian: .*\n${bad}:6:26: messages\\[0\\]\\.fields\\[0\\]\\.type: unknown type "u12"`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
