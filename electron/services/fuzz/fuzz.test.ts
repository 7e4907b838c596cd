// The fuzzer's plan, its reduction, and a whole run against demo:echo (which
// answers everything and has no bug to find). The kernel test suite runs it
// against real modules, one with planted bugs (kernel/test/guest/95-fuzz.sh).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { stopAllDemoPeers } from '../demo-peers.ts';
import { decodeData } from '../protocol/decode.ts';
import { loadLayoutFile } from '../protocol/loader.ts';
import { fuzz } from './fuzz-run.ts';
import { KernelLog } from './kernel-log.ts';
import { fuzzPlan } from './mutations.ts';
import { reduceSequence } from './reduce.ts';
import { writeRegressionTest } from './regression-test.ts';
import { loadTestFile } from '../suites/test-file.ts';
import { runProtocolTest } from '../suites/run-test.ts';

after(() => stopAllDemoPeers());

const planted = loadLayoutFile('kernel/test/planted/planted.yaml');
const telemetry = loadLayoutFile('protocols/telemetry.yaml');
/** Mutations that break the message's shape on purpose. */
const ABOUT_LENGTHS = /wrong length|truncated|trailing|wrong kind|no such kind/;

describe('fuzz plan', () => {
  test('every mutation that is not about lengths or kinds still decodes whole: lengths and counts stay consistent', () => {
    for (const layout of [planted, telemetry]) {
      const plan = fuzzPlan(layout);
      const kept = plan.filter((m) => !ABOUT_LENGTHS.test(m.mutation));
      assert.ok(kept.length > 20, `${layout.protocol}: ${kept.length} value mutations`);
      for (const m of kept) {
        const d = decodeData(
          layout,
          { length: BigInt(m.data.length), type: m.header.type, id: 0n, user_value: 0n },
          m.data,
        );
        const error = d.error?.message ?? '';
        // A value out of its enum or flags decodes (as a number); the shape never breaks.
        assert.ok(
          !/length|bytes|count|short|trailing|left over/i.test(error),
          `${layout.protocol} ${m.mutation}: ${error}`,
        );
      }
    }
  });

  test('the plan covers boundary values, out-of-range enums, flipped bits, wrong lengths, truncation, trailing bytes and wrong kinds', () => {
    const names = fuzzPlan(planted).map((m) => m.mutation);
    for (const want of [
      'command: data.channel = 255 (boundary)',
      'command: data.op = 3 (out-of-range enum value)',
      'command: data.channel = 129 (flipped bit 7)',
      'command (op reset): data.count = 3 (wrong length: values holds 2)',
      'command: truncated inside data.count (3 of 12 bytes)',
      'command: 1 trailing byte',
      'command: sent as status (wrong kind)',
      'command: data.values: 255 elements (lengths consistent)',
    ])
      assert.ok(names.includes(want), `missing: ${want}`);
    // One valid base per value of the op enum, so that combinations (a reset with a wrong count) are reached.
    const ops = new Set(
      fuzzPlan(planted)
        .filter((m) => m.mutation.endsWith(': data.count = 3 (wrong length: values holds 2)'))
        .map((m) => m.data[0]),
    );
    assert.deepEqual([...ops].sort(), [0, 1, 2]);
  });
});

describe('reduction', () => {
  test('a finding caused by two messages among many is reduced to those two, in order', async () => {
    const seq = Array.from({ length: 40 }, (_, i) => i);
    let trials = 0;
    const reduced = await reduceSequence(seq, async (s) => {
      trials++;
      return s.includes(7) && s.includes(31);
    });
    assert.deepEqual(reduced, [7, 31]);
    assert.ok(trials <= 64, `${trials} trials`);
  });

  test('a finding caused by the last message alone takes one trial', async () => {
    let trials = 0;
    const reduced = await reduceSequence([1, 2, 3, 4], async (s) => {
      trials++;
      return s.includes(4);
    });
    assert.deepEqual([reduced, trials], [[4], 1]);
  });
});

describe('fuzz run', () => {
  test('demo:echo: the whole echo plan finds nothing, and every message sent is recorded', async () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'fuzz-'));
    const lines: string[] = [];
    try {
      const log = new KernelLog(undefined, path.join(workspace, 'no-kmsg'));
      assert.equal(log.readable, false);
      const result = await fuzz({
        target: 'demo:echo',
        layout: loadLayoutFile('protocols/echo.yaml'),
        workspace,
        kernelLog: log,
        hangMs: 20_000,
        log: (l) => lines.push(l),
      });
      assert.deepEqual(result.findings, []);
      assert.equal(result.sent, fuzzPlan(loadLayoutFile('protocols/echo.yaml')).length);
      assert.deepEqual(readdirSync(path.join(workspace, 'captures')), ['fuzz-echo-run.kucap']);
      assert.match(lines[0]!, /^probing with a valid any after every message/);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe('regression test of a finding', () => {
  test('is a protocol test kucomms-studio test loads and runs: the reproducer, then a valid message answered', async () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'fuzz-test-'));
    try {
      mkdirSync(path.join(workspace, 'tests'));
      const plan = fuzzPlan(planted);
      const probe = plan[0]!;
      const reproducer = plan.find(
        (m) => m.mutation === 'command (op reset): data.count = 3 (wrong length: values holds 2)',
      )!;
      const file = writeRegressionTest({
        workspace,
        name: 'fuzz-planted-1',
        target: 'demo:echo',
        capture: 'captures/fuzz-planted-1.kucap',
        probe,
        probeId: 0xf022_0000_0000_0000n,
        match: ['id'],
        hangMs: 20_000,
        finding: 'hang: no answer to a valid command within 20000 ms',
        reduced: [reproducer],
      });
      const loaded = loadTestFile(path.join(workspace, file), {
        workspaceDir: workspace,
        layout: () => undefined,
        protocolNames: () => [],
      });
      assert.deepEqual(
        loaded.steps.map((s) => s.kind),
        ['send', 'send', 'expect'],
      );
      // demo:echo answers everything: the test passes there.
      const result = await runProtocolTest(loaded);
      assert.equal(result.verdict, 'passed', result.message);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe('kucomms-studio fuzz', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['electron/cli/kucomms-studio.mjs', 'fuzz', ...args], { encoding: 'utf8' });

  test('refuses a kernel device without --kernel, saying why, and its help recommends a virtual machine', () => {
    const r = cli('/dev/kucomms_echo', '--layout', 'protocols/echo.yaml');
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr,
      'kucomms-studio: /dev/kucomms_echo is a kernel device: fuzzing it can crash the kernel it runs on. Run it in a virtual machine, and give --kernel to go ahead\n',
    );
    const help = cli('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout.replace(/\s+/g, ' '), /run it in a virtual machine \(QEMU, as the kernel tests do\)/);
    assert.match(help.stdout.replace(/\s+/g, ' '), /without it, fuzz says so and watches the link only/);
  });
});
