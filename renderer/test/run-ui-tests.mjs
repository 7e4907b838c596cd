#!/usr/bin/env node
// npm run test:ui: builds the renderer (the end-to-end tests use that
// build), runs the component and store tests (vitest) and the end-to-end
// tests (Chromium against `kucomms-studio serve`), one line per test, and
// ends with the closing line "N passed, N failed". Skipped tests print
// `ok - NAME # skip REASON` and count as neither passed nor failed. The
// tests run in a temporary home of their own (scripts/hermetic-home.mjs).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useHermeticHome } from '../../scripts/hermetic-home.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
useHermeticHome('test-ui');
const bin = (name) => path.join(repo, 'node_modules/.bin', name);
let passed = 0;
let failed = 0;

function count(line) {
  if (/^ok - .* # skip\b/.test(line)) return;
  if (line.startsWith('ok - ')) passed++;
  else if (line.startsWith('not ok - ')) failed++;
}

/** Runs a part of the suite, passing its test lines on; a part that fails without a failing line adds one. */
function part(name, command, args, { quiet = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let output = '';
    const failedBefore = failed;
    const onLine = (line) => {
      if (/^(not )?ok - /.test(line)) {
        console.log(line);
        count(line);
      } else output += `${line}\n`;
    };
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(onLine);
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (err) => (output += err.message));
    child.on('close', (code) => {
      if (pending) onLine(pending);
      const tail = output.trim().split('\n').slice(-3).join(' | ');
      if (code !== 0 && failed === failedBefore) {
        console.log(`not ok - ${name}: exited with status ${code}: ${tail}`);
        failed++;
      } else if (quiet && code === 0) {
        console.log(`ok - ${name}`);
        passed++;
      }
      resolve(code);
    });
  });
}

const built = await part('renderer: the Vite build succeeds', bin('vite'), ['build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], { quiet: true });
await part('renderer: TypeScript and Vue components type-check (strict)', bin('vue-tsc'), ['-p', 'renderer/tsconfig.json'], { quiet: true });
await part('renderer: end-to-end tests and benchmark type-check (strict)', bin('tsc'), ['-p', 'renderer/tsconfig.node.json'], { quiet: true });
await part('renderer: component and store tests (vitest)', bin('vitest'), ['run', '--config', 'renderer/vite.config.ts']);
if (built === 0) await part('renderer: end-to-end tests', process.execPath, ['--import', 'tsx', 'renderer/e2e/run-e2e.ts']);
else {
  console.log('not ok - renderer: end-to-end tests: not run: the renderer did not build');
  failed++;
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
