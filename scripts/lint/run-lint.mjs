#!/usr/bin/env node
// npm run test:lint: the code-shape checks npm test runs, one line each, and
// the closing "N passed, N failed":
// - ESLint over the TypeScript and Vue tree (eslint.config.mjs), clean;
// - the layers' import boundaries, shown to refuse what they must refuse;
// - no import cycle among the TypeScript, Vue and .mjs files, type-only
//   imports included (madge), and the checker shown to find one;
// - Prettier's formatting of the TypeScript and Vue tree.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import madge from 'madge';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name) => path.join(repo, 'node_modules/.bin', name);
/** The folders searched for import cycles. */
const CYCLE_ROOTS = ['electron', 'renderer', 'scripts', 'build'];
/** What Prettier checks: the TypeScript and Vue tree (.prettierignore says what is left as written). */
const PRETTIER_SCOPE = ['.'];

let passed = 0;
let failed = 0;

function report(ok, name, why = '') {
  if (ok) passed++;
  else failed++;
  process.stdout.write(`${ok ? 'ok' : 'not ok'} - ${name}${ok || !why ? '' : `: ${why}`}\n`);
}

async function check(name, body) {
  try {
    const why = await body();
    report(why === undefined, name, why);
  } catch (err) {
    report(false, name, err instanceof Error ? err.message : String(err));
  }
}

const eslint = new ESLint({ cwd: repo });

await check('eslint: the TypeScript and Vue tree is clean (eslint.config.mjs)', async () => {
  const results = await eslint.lintFiles(['.']);
  const problems = results.flatMap((r) => r.messages.map((m) => `${path.relative(repo, r.filePath)}:${m.line}:${m.column} ${m.message} (${m.ruleId ?? 'parse'})`));
  if (problems.length === 0) return undefined;
  process.stdout.write(`# ${problems.join('\n# ')}\n`);
  return `${problems.length} problems, first: ${problems[0]}`;
});

/** The boundary rule's messages for @code as if it were the file @file. */
async function boundaryMessages(file, code) {
  const [result] = await eslint.lintText(code, { filePath: path.join(repo, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'kucomms/import-boundaries').map((m) => m.message);
}

const boundaryCases = [
  ['renderer/src/stores/x.ts', "import { Endpoint } from '../../../electron/services/endpoint.ts';", 'refused'],
  ['renderer/src/components/X.vue', "<script setup lang=\"ts\">\nimport '../../../electron/main/security.ts';\n</script>\n", 'refused'],
  ['renderer/src/lib/x.ts', "export { dispatch } from '../../../electron/services/studio/dispatch.ts';", 'refused'],
  ['renderer/src/lib/x.ts', "import { ipcRenderer } from 'electron';", 'refused'],
  ['renderer/src/lib/x.ts', "import type { TargetView } from '../../../electron/shared/studio-api.ts';", 'allowed'],
  ['electron/services/x.ts', "import { app } from 'electron';", 'refused'],
  ['electron/services/studio/x.ts', "const m = await import('../../main/security.ts');", 'refused'],
  ['electron/services/studio/x.ts', "import { StudioError } from '../../shared/studio-api.ts';", 'allowed'],
  ['electron/main/x.ts', "import { app } from 'electron';", 'allowed'],
  ['electron/services/studio/composer/x.ts', "import { TargetsArea } from '../targets/targets-area.ts';", 'refused'],
  ['electron/services/studio/captures/x.ts', "import type { TrafficRows } from '../traffic/traffic-rows.ts';", 'allowed'],
];
for (const [file, code, expected] of boundaryCases) {
  const spec = /'([^']+)'/.exec(code)?.[1];
  await check(`import boundaries: ${file} importing ${spec} is ${expected}`, async () => {
    const messages = await boundaryMessages(file, code);
    if (expected === 'refused' && messages.length === 0) return 'the rule let it through';
    if (expected === 'allowed' && messages.length > 0) return `the rule refused it: ${messages[0]}`;
    return undefined;
  });
}

/** Import cycles among the files under @roots, as chains of paths. */
async function cycles(roots, baseDir) {
  const result = await madge(
    roots.map((r) => path.join(baseDir, r)),
    {
    baseDir,
    fileExtensions: ['ts', 'vue', 'mjs'],
    tsConfig: path.join(repo, 'tsconfig.json'),
    excludeRegExp: [/(^|\/)node_modules\//, /^renderer\/dist\//],
    // Type-only imports count: a cycle of types is still two files that cannot be read apart.
    detectiveOptions: { ts: { skipTypeImports: false }, tsx: { skipTypeImports: false } },
    },
  );
  return result.circular();
}

await check('import cycles: the checker finds a cycle made of type-only imports', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kucomms-cycle-'));
  try {
    writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b.ts';\nexport interface A { b?: B }\n");
    writeFileSync(path.join(dir, 'b.ts'), "import type { A } from './a.ts';\nexport interface B { a?: A }\n");
    writeFileSync(path.join(dir, 'c.ts'), "import type { A } from './a.ts';\nexport type C = A;\n");
    const found = await cycles(['.'], dir);
    return found.length === 1 && found[0].sort().join(' ') === 'a.ts b.ts' ? undefined : `found ${JSON.stringify(found)}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

await check('import cycles: none among the TypeScript, Vue and .mjs files, type-only imports included', async () => {
  const found = await cycles(CYCLE_ROOTS, repo);
  if (found.length === 0) return undefined;
  process.stdout.write(`# ${found.map((c) => c.join(' > ')).join('\n# ')}\n`);
  return `${found.length} cycles, first: ${found[0].join(' > ')}`;
});

await check('prettier: the check finds a file that is not formatted', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kucomms-format-'));
  try {
    writeFileSync(path.join(dir, 'a.ts'), 'export const a = {b:1}\n');
    writeFileSync(path.join(dir, 'b.ts'), "export const b = { c: 1 };\n");
    const r = spawnSync(bin('prettier'), ['--list-different', '--config', path.join(repo, '.prettierrc.json'), 'a.ts', 'b.ts'], {
      cwd: dir,
      encoding: 'utf8',
    });
    return r.status !== 0 && r.stdout.trim() === 'a.ts' ? undefined : `prettier exited ${r.status} listing ${JSON.stringify(r.stdout)}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

await check('prettier: the TypeScript and Vue tree is formatted (.prettierrc.json)', async () => {
  const r = spawnSync(bin('prettier'), ['--list-different', ...PRETTIER_SCOPE], { cwd: repo, encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const files = r.stdout.trim().split('\n').filter(Boolean);
  return files.length > 0 ? `${files.length} files differ (npm run format), first: ${files[0]}` : r.stderr.trim() || `prettier exited ${r.status}`;
});

process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
