#!/usr/bin/env node
// Runs every test suite the project has (the npm scripts test:lint,
// test:native, test:kernel, test:node, test:ui, test:package, in that
// order, where they exist), streams their output, and ends with one closing line
// "N passed, N failed" summed over all suites. A suite that exits without
// its own closing line, or exits nonzero with no failure counted, adds a
// failure of its own, so a crash never looks like success.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const SUITES = ['test:lint', 'test:native', 'test:kernel', 'test:node', 'test:ui', 'test:package'];
const CLOSING = /^(\d+) passed, (\d+) failed\s*$/;

const scripts = JSON.parse(readFileSync(new URL('../package.json', import.meta.url))).scripts;
const only = process.argv.slice(2);
const suites = SUITES.filter((s) => scripts[s] && (only.length === 0 || only.includes(s)));

function runSuite(name) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', name], { stdio: ['ignore', 'pipe', 'inherit'] });
    let last = null;
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        const m = CLOSING.exec(line);
        if (m) last = { passed: Number(m[1]), failed: Number(m[2]) };
      }
    });
    child.on('close', (code) => {
      const m = CLOSING.exec(pending);
      if (m) last = { passed: Number(m[1]), failed: Number(m[2]) };
      if (!last) {
        console.log(`not ok - ${name}: exited (status ${code}) without its closing line`);
        resolve({ passed: 0, failed: 1 });
      } else if (code !== 0 && last.failed === 0) {
        console.log(`not ok - ${name}: exited with status ${code} though no test failed`);
        resolve({ passed: last.passed, failed: 1 });
      } else {
        resolve(last);
      }
    });
  });
}

let passed = 0;
let failed = 0;
for (const suite of suites) {
  console.log(`# ${suite}`);
  const r = await runSuite(suite);
  passed += r.passed;
  failed += r.failed;
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && suites.length > 0 ? 0 : 1;
