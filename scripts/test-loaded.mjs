#!/usr/bin/env node
// npm run test:loaded: the proof that the tests depend neither on the
// machine's speed nor on its user's state. With a busy loop on every core
// for the whole run, and HOME pointing at a home where the Studio was used
// (its state names a last workspace that is gone, as on a developer's
// machine), it runs test:node and test:ui three times each, then the whole
// npm test once (skipped with --no-full). Prints each run's closing line
// and duration as it ends, and ends with the closing "N passed, N failed"
// counting runs. Names given (npm run test:loaded -- test:node) replace
// test:node and test:ui; --times N changes the three.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

const CLOSING = /^(\d+) passed, (\d+) failed\s*$/;
const args = process.argv.slice(2);
const full = !args.includes('--no-full');
const timesAt = args.indexOf('--times');
const times = timesAt >= 0 ? Number(args[timesAt + 1]) : 3;
const named = args.filter((a, i) => !a.startsWith('--') && !(timesAt >= 0 && i === timesAt + 1));
const suites = named.length > 0 ? named : ['test:node', 'test:ui'];

// A home where the Studio was used: the state remembers a workspace that no longer exists.
const usedHome = mkdtempSync(path.join(tmpdir(), 'kucomms-used-home-'));
const stateDir = path.join(usedHome, '.config', 'kucomms-studio');
mkdirSync(stateDir, { recursive: true });
writeFileSync(path.join(stateDir, 'state.json'), `${JSON.stringify({ lastWorkspace: path.join(usedHome, 'gone-workspace'), recentWorkspaces: [], ui: { tab: 'traffic' } })}\n`);
const env = { ...process.env, HOME: usedHome };
delete env.XDG_CONFIG_HOME;

// One busy loop per core, in worker threads of this process: they end with it.
const loops = Array.from({ length: availableParallelism() }, () => new Worker('for (;;);', { eval: true }));

function run(script) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('npm', ['run', '--silent', script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let last;
    let pending = '';
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) {
        if (l.startsWith('not ok - ')) console.log(`  ${script}: ${l}`);
        const m = CLOSING.exec(l);
        if (m) last = { passed: Number(m[1]), failed: Number(m[2]) };
      }
    });
    child.on('close', (code) => {
      const m = CLOSING.exec(pending);
      if (m) last = { passed: Number(m[1]), failed: Number(m[2]) };
      const result = last ?? { passed: 0, failed: 1 };
      if (code !== 0 && result.failed === 0) result.failed = 1;
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(`${result.failed === 0 ? 'ok' : 'not ok'} - ${script} under load: ${result.passed} passed, ${result.failed} failed in ${seconds} s`);
      resolve(result);
    });
  });
}

let passed = 0;
let failed = 0;
try {
  const runs = [...suites.flatMap((suite) => Array(times).fill(suite)), ...(full ? ['test'] : [])];
  for (const script of runs) {
    const r = await run(script);
    passed += r.failed === 0 ? 1 : 0;
    failed += r.failed === 0 ? 0 : 1;
  }
} finally {
  for (const w of loops) await w.terminate();
  rmSync(usedHome, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
