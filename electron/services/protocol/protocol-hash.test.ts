// The protocol hash against its test vectors (testdata/hash/vectors.json):
// the codec computes each vector's hash (and the pinned canonical form), and
// the generated C header and TypeScript module carry the same name, version
// and hash, read back by compiling and running, and by importing them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateC } from './gen-c.ts';
import { generateTs } from './gen-ts.ts';
import { loadLayoutFile } from './loader.ts';
import { canonicalForm, formatHash, protocolHash } from './protocol-hash.ts';

interface Vector {
  layout: string;
  protocol: string;
  version: string;
  hash: string;
  canonical?: string;
}

const vectorDir = fileURLToPath(new URL('./testdata/hash/', import.meta.url));
const { vectors } = JSON.parse(readFileSync(path.join(vectorDir, 'vectors.json'), 'utf8')) as { vectors: Vector[] };
const work = mkdtempSync(path.join(tmpdir(), 'kucomms-hash-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

for (const v of vectors) {
  const file = path.join(vectorDir, v.layout);
  const base = path.basename(v.layout, '.yaml');

  test(`protocol hash: the codec gives ${v.layout} hash ${v.hash}`, () => {
    const layout = loadLayoutFile(file);
    if (v.canonical !== undefined) assert.equal(canonicalForm(layout), v.canonical);
    assert.equal(formatHash(protocolHash(layout)), v.hash);
  });

  test(`protocol hash: the C header generated from ${v.layout} carries name, version and hash`, () => {
    const layout = loadLayoutFile(file);
    const P = layout.protocol.toUpperCase();
    writeFileSync(path.join(work, `${base}.h`), generateC(layout, v.layout));
    const program = path.join(work, `${base}-identity.c`);
    writeFileSync(
      program,
      [
        '#include <stdio.h>',
        `#include "${base}.h"`,
        `static void show(const char *name, const char *version, unsigned long long hash)`,
        '{',
        '\tprintf("%s [%s] 0x%016llx\\n", name, version, hash);',
        '}',
        `int main(void) { show(${P}_PROTOCOL); return 0; }`,
        '',
      ].join('\n'),
    );
    run('gcc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-o', `${program}.bin`, program]);
    assert.equal(run(`${program}.bin`, []).trim(), `${v.protocol} [${v.version}] ${v.hash}`);
  });

  test(`protocol hash: the TypeScript generated from ${v.layout} carries name, version and hash`, async () => {
    const layout = loadLayoutFile(file);
    const module = path.join(work, `${base}-types.ts`);
    writeFileSync(module, generateTs(layout, v.layout));
    const exports = (await import(pathToFileURL(module).href)) as Record<
      string,
      { name: string; version: string; hash: bigint }
    >;
    const identity = Object.entries(exports).find(([k]) => k.endsWith('Protocol'))?.[1];
    assert.deepEqual(identity, { name: v.protocol, version: v.version, hash: BigInt(v.hash) });
  });
}

// The example modules register their shipped layouts' identity with kucomms.ko
// (kucomms_set_protocol), so the Studio picks those layouts for their devices:
// the constants in their sources must follow the layouts.
for (const name of ['echo', 'longtest']) {
  test(`protocol hash: kernel/examples/kucomms_${name}.c registers protocols/${name}.yaml's name, version and hash`, () => {
    const repo = fileURLToPath(new URL('../../../', import.meta.url));
    const source = readFileSync(path.join(repo, `kernel/examples/kucomms_${name}.c`), 'utf8');
    const m = /^#define [A-Z_]+_PROTOCOL\t"([a-z0-9_]+)", "([^"]*)", (0x[0-9a-f]{16})ULL$/m.exec(source);
    assert.ok(m, `no NAME_PROTOCOL "name", "version", 0x...ULL define in kucomms_${name}.c`);
    const layout = loadLayoutFile(path.join(repo, `protocols/${name}.yaml`));
    assert.deepEqual(
      [m[1], m[2], m[3]],
      [layout.protocol, layout.version ?? '', formatHash(protocolHash(layout))],
      `update the define in kucomms_${name}.c (kucomms-studio hash protocols/${name}.yaml)`,
    );
  });
}
