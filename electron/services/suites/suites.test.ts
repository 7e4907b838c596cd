// Protocol tests as a CI job meets them: `kucomms-studio test` over the
// shipped example workspace (the exact command npm test documents, its JUnit
// file parsed by a real XML parser and counted), and over workspaces made
// here whose tests fail in each way a step can: the exit code, the line per
// test and the reports say which step failed and why.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CaptureWriter } from '../capture/writer.ts';
import { EXIT } from '../../cli/exit-codes.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'electron/cli/kucomms-studio.mjs');
const scratch = mkdtempSync(path.join(tmpdir(), 'kucomms-suites-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], cwd = repo): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface JunitCase {
  name: string;
  failure: string | null;
  error: string | null;
}
interface Junit {
  tests: number;
  failures: number;
  errors: number;
  cases: JunitCase[];
}

/** Parses a JUnit file with Python's expat-based parser: it refuses anything that is not well-formed XML. */
function readJunit(file: string): Junit {
  const py = `
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find('testsuite')
cases = [{'name': c.get('name'), 'failure': (c.find('failure').get('message') if c.find('failure') is not None else None),
          'error': (c.find('error').text if c.find('error') is not None else None)} for c in suite.findall('testcase')]
print(json.dumps({'tests': int(suite.get('tests')), 'failures': int(suite.get('failures')),
                  'errors': int(suite.get('errors')), 'cases': cases}))`;
  const r = spawnSync('python3', ['-c', py, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${file} is not well-formed JUnit XML: ${r.stderr}`);
  return JSON.parse(r.stdout) as Junit;
}

/** A workspace of its own: the files given, by path below it. */
function workspace(name: string, files: Record<string, string>): string {
  const dir = path.join(scratch, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

test('npm test runs the example workspace: every test passes and the JUnit file counts each one', async () => {
  const junit = path.join(repo, 'test-output/junit/protocol-tests.xml');
  rmSync(junit, { force: true });
  const r = await run([
    'test',
    '--workspace',
    'protocols/example-workspace',
    '--junit',
    'test-output/junit/protocol-tests.xml',
  ]);
  assert.equal(r.code, EXIT.OK, `${r.stdout}${r.stderr}`);
  const files = readdirSync(path.join(repo, 'protocols/example-workspace/tests')).filter((f) => f.endsWith('.yaml'));
  const lines = r.stdout.split('\n').filter((l) => /^(not )?ok - /.test(l));
  assert.equal(lines.length, files.length, r.stdout);
  assert.ok(
    lines.every((l) => l.startsWith('ok - ')),
    r.stdout,
  );
  assert.match(r.stdout, new RegExp(`^${files.length} passed, 0 failed$`, 'm'));
  const report = readJunit(junit);
  assert.deepEqual([report.tests, report.failures, report.errors], [files.length, 0, 0]);
  assert.equal(report.cases.length, files.length);
  assert.deepEqual(
    report.cases.map((c) => c.name).sort(),
    lines.map((l) => l.replace(/^ok - (.*) \(\d+\.\d s\)$/, '$1')).sort(),
  );
});

test('a failing expect, expect_none, replay and script each fail their test with the step, line and reason; exit 7', async () => {
  const dir = workspace('failing', {
    'tests/a-expect.yaml': [
      'target: demo:echo',
      'steps:',
      '  - send: { header: { type: 1, id: 1 }, hex: "00" }',
      '  - expect: { filter: type == 9, within_ms: 300 }',
      '  - send: { header: { type: 2 }, hex: "00" }',
      '',
    ].join('\n'),
    'tests/b-expect-none.yaml': [
      'target: demo:echo',
      'steps:',
      '  - send: { header: { type: 3, id: 4 }, hex: "00" }',
      '  - expect_none: { filter: type == 3, for_ms: 5000 }',
      '',
    ].join('\n'),
    'tests/c-replay.yaml': [
      'target: demo:echo',
      'layout: echo',
      'steps:',
      '  - replay: { capture: captures/changed.kucap, speed: max, wait_ms: 10000 }',
      '',
    ].join('\n'),
    'tests/d-script.yaml': [
      'target: demo:echo',
      'steps:',
      '  - script: { file: scripts/throws.ts, for_ms: 60000 }',
      '',
    ].join('\n'),
    'tests/e-passes.yaml': [
      'target: demo:echo',
      'layout: echo',
      'steps:',
      '  - replay: { capture: captures/changed.kucap, speed: max, ignore: [data.data], wait_ms: 10000 }',
      '',
    ].join('\n'),
    'scripts/throws.ts': "export function onWork(): void {\n  throw new Error('the script gave up');\n}\n",
  });
  // A capture whose reply differs from what the echo peer sends back: 'ab' was sent, 'ac' came back.
  mkdirSync(path.join(dir, 'captures'));
  const w = new CaptureWriter(path.join(dir, 'captures/changed.kucap'));
  const at = { target: 'demo:echo', timestampNs: 1n, length: 2n, type: 1n, id: 1n, userValue: 0n };
  w.write({ ...at, direction: 'tx', data: Buffer.from('ab') });
  w.write({ ...at, direction: 'rx', data: Buffer.from('ac') });
  w.close();

  const json = path.join(dir, 'out/report.json');
  const junit = path.join(dir, 'out/junit.xml');
  const r = await run(['test', '--workspace', dir, '--junit', junit, '--json', json]);
  assert.equal(r.code, EXIT.TESTS_FAILED, `${r.stdout}${r.stderr}`);
  const line = (name: string): string => r.stdout.split('\n').find((l) => l.includes(` - ${name}`)) ?? '';
  assert.match(
    line('a-expect'),
    /^not ok - a-expect: step 2 \(line 4\), expect type == 9 within 300 ms: nothing matching it came within 300 ms; 1 other message came, the last:$/,
  );
  assert.match(r.stdout, /^ {4} {2}type=1 id=1 user_value=0 length=1: 00$/m);
  assert.match(
    line('b-expect-none'),
    /step 2 \(line 4\), expect no type == 3 for 5000 ms: a message matching it came: type=3 id=4/,
  );
  assert.match(
    line('c-replay'),
    /step 1 \(line 4\).*1 sent; replies not as captured: 1 different; reply 1: data\.data was 6163, now 6162/,
  );
  assert.match(line('d-script'), /step 1 \(line 3\).*the script stopped: .*the script gave up/);
  assert.match(line('e-passes'), /^ok - e-passes/);
  assert.match(r.stdout, /^1 passed, 4 failed$/m);

  const report = JSON.parse(readFileSync(json, 'utf8')) as {
    passed: number;
    failed: number;
    results: Array<{ name: string; verdict: string; steps: Array<{ verdict: string; differences?: unknown[] }> }>;
  };
  assert.deepEqual([report.passed, report.failed], [1, 4]);
  const expectTest = report.results.find((t) => t.name === 'a-expect');
  assert.deepEqual(
    expectTest?.steps.map((s) => s.verdict),
    ['passed', 'failed', 'not run'],
  );
  const replayTest = report.results.find((t) => t.name === 'c-replay');
  assert.deepEqual(replayTest?.steps[0]?.differences, [
    {
      status: 'different',
      reply: 1,
      captured: 'any type=1 id=1 user_value=0 length=2: data=6163 (2 bytes)',
      replayed: 'any type=1 id=1 user_value=0 length=2: data=6162 (2 bytes)',
      diffs: [{ path: 'data.data', captured: '6163', replayed: '6162' }],
    },
  ]);
  const xml = readJunit(junit);
  assert.deepEqual([xml.tests, xml.failures, xml.errors], [5, 4, 0]);
});

test('a test file with errors is reported at line and column while the others still run; exit 2', async () => {
  const dir = workspace('broken', {
    'tests/bad.yaml': [
      'target: demo:echo',
      'steps:',
      '  - expect: { filter: "type == == 1" }',
      '  - send: { kind: hello }',
      '  - wait: 5',
      '',
    ].join('\n'),
    'tests/good.yaml': [
      'target: demo:echo',
      'steps:',
      '  - send: { hex: "01" }',
      '  - expect: { filter: length == 1 }',
      '',
    ].join('\n'),
  });
  const r = await run(['test', '--workspace', dir]);
  assert.equal(r.code, EXIT.USAGE, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^not ok - bad: the test file has errors$/m);
  assert.match(
    r.stdout,
    /bad\.yaml:5:5: steps\[2\]: .* is not a step: one of send, expect, expect_none, replay or script/,
  );
  assert.match(r.stdout, /^ok - good /m);
});

test('a bad step is reported at its line and column with what is wrong', async () => {
  const dir = workspace('bad-steps', {
    'tests/bad.yaml': [
      'target: demo:echo',
      'steps:',
      '  - expect: { filter: "type == == 1" }',
      '  - send: { kind: hello }',
      '  - replay: { capture: captures/none.kucap }',
      '',
    ].join('\n'),
  });
  const r = await run(['test', 'tests/bad.yaml'], dir);
  assert.equal(r.code, EXIT.USAGE, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /bad\.yaml:3:23: steps\[0\]\.expect\.filter: at character 9: /);
  assert.match(r.stdout, /bad\.yaml:4:11: steps\[1\]\.send: a message built from fields needs the test's layout/);
  assert.match(r.stdout, /bad\.yaml:5:24: steps\[2\]\.replay\.capture: no capture file captures\/none\.kucap in \.$/m);
});

test('a target that cannot be opened fails its test as an error; exit 1', async () => {
  const dir = workspace('no-target', {
    'tests/gone.yaml': ['target: shm:no_such_peer_for_tests', 'steps:', '  - send: { hex: "01" }', ''].join('\n'),
  });
  const junit = path.join(dir, 'junit.xml');
  const r = await run(['test', '--workspace', dir, '--junit', junit]);
  assert.equal(r.code, EXIT.TARGET, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^not ok - gone: cannot open shm:no_such_peer_for_tests: /m);
  const xml = readJunit(junit);
  assert.deepEqual([xml.tests, xml.failures, xml.errors], [1, 0, 1]);
});
