#!/usr/bin/env node
// npm run test:node: type-checks the Node side, then runs every
// electron/**/*.test.ts with node's test runner (through tsx), one line per
// test, and ends with the closing "N passed, N failed". Arguments narrow it
// to the test files whose path contains one of them. The tests run in a
// temporary home of their own (scripts/hermetic-home.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useHermeticHome } from '../../../scripts/hermetic-home.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
useHermeticHome('test-node');
const reporter = fileURLToPath(new URL('./line-reporter.mjs', import.meta.url));
const filters = process.argv.slice(2);
let passed = 0;
let failed = 0;

function line(text) {
  process.stdout.write(`${text}\n`);
  if (text.startsWith('ok - ')) passed++;
  else if (text.startsWith('not ok - ')) failed++;
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : testFiles(p);
    return e.name.endsWith('.test.ts') ? [path.relative(repo, p)] : [];
  });
}

if (filters.length === 0) {
  const tsc = spawnSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
    cwd: repo,
    encoding: 'utf8',
  });
  const errors = `${tsc.stdout}${tsc.stderr}`.split('\n').filter((l) => l.includes('error'));
  if (tsc.status === 0) line('ok - typescript: the Node side type-checks (strict)');
  else line(`not ok - typescript: the Node side type-checks (strict): ${errors.length} errors, first: ${errors[0] ?? tsc.error?.message ?? `tsc exited ${tsc.status}`}`);
}

const files = testFiles(path.join(repo, 'electron'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) line(`not ok - test files: none found under electron/ matching ${filters.join(', ') || '*.test.ts'}`);
else {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', `--test-reporter=${reporter}`, '--test-reporter-destination=stdout', ...files],
    { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) line(l);
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (pending) line(pending);
  if (code !== 0 && failed === 0) line(`not ok - node --test: exited with status ${code} though no test failed`);
}

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
