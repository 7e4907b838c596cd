// diffLayouts and `kucomms-studio diff-layout`: every kind of wire change is
// listed and classified, docs and comments are no change, renames are
// compatible, and whatever changes the protocol hash is listed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { diffLayouts } from './layout-diff.ts';
import { loadLayoutText } from './loader.ts';
import { protocolHash } from './protocol-hash.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'kucomms-diff-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

const BASE = `
protocol: sensor
doc: A sensor.
header:
  type: { name: kind, enum: kind }
enums:
  kind: { 1: get, 2: reading }
  unit: { 0: celsius, 1: kelvin }
messages:
  - name: get
    when: { type: get }
  - name: reading
    when: { type: reading }
    fields:
      - { name: value, type: s16, doc: hundredths }
      - { name: unit, type: u8, enum: unit }
      - { name: stamp, type: u32 }
`;

const load = (text: string) => loadLayoutText(text, 'sensor.yaml');
const changes = (edit: (text: string) => string) => diffLayouts(load(BASE), load(edit(BASE)));
const lines = (edit: (text: string) => string) =>
  changes(edit).map((c) => `${c.breaking ? 'breaking' : 'compatible'} ${c.where}: ${c.what}`);

test('diff-layout: docs, comments and key order alone are no change, and keep the hash', () => {
  const reworded = (t: string) =>
    `# a comment\n${t.replace('doc: A sensor.', 'doc: Another word.').replace('doc: hundredths', 'doc: 1/100').replace('{ name: stamp, type: u32 }', '{ type: u32, name: stamp }')}`;
  assert.deepEqual(changes(reworded), []);
  assert.equal(protocolHash(load(reworded(BASE))), protocolHash(load(BASE)));
});

test('diff-layout: a resized field is breaking, and so is every field it moves', () => {
  assert.deepEqual(
    lines((t) => t.replace('type: s16', 'type: s32')),
    [
      'breaking messages.reading.fields.value: resized: s16 little -> s32 little',
      'breaking messages.reading.fields.unit: moved: offset 2 -> offset 4',
      'breaking messages.reading.fields.stamp: moved: offset 3 -> offset 5',
    ],
  );
});

test('diff-layout: kinds tried in another order: breaking where they select the same messages', () => {
  const swap = (t: string) =>
    t.replace('  - name: get\n    when: { type: get }\n', '') + '  - name: get\n    when: { type: get }\n';
  assert.deepEqual(lines(swap), [
    'compatible messages.get: now tried on the other side of reading',
    'compatible messages.reading: now tried on the other side of get',
  ]);
  // A catch-all kind moved in front of the kind it used to leave alone.
  const catchAllLast = swap(BASE).replace('  - name: get\n    when: { type: get }\n', '  - name: other\n');
  const catchAllFirst = BASE.replace('  - name: get\n    when: { type: get }\n', '  - name: other\n');
  assert.deepEqual(
    diffLayouts(load(catchAllLast), load(catchAllFirst)).map(
      (c) => `${c.breaking ? 'breaking' : 'compatible'} ${c.where}: ${c.what}`,
    ),
    [
      'breaking messages.reading: now tried on the other side of other; other selects some of the same messages',
      'breaking messages.other: now tried on the other side of reading; reading selects some of the same messages',
    ],
  );
});

test('diff-layout: retyped, removed and added fields are breaking', () => {
  assert.deepEqual(
    lines((t) => t.replace('{ name: stamp, type: u32 }', '{ name: stamp, type: f32 }')),
    ['breaking messages.reading.fields.stamp: retyped: u32 little -> f32 little'],
  );
  assert.deepEqual(
    lines((t) => t.replace('      - { name: stamp, type: u32 }\n', '')),
    ['breaking messages.reading.fields.stamp: removed'],
  );
  assert.deepEqual(
    lines((t) => `${t}      - { name: extra, type: u8 }\n`),
    ['breaking messages.reading.fields.extra: added as field 3: u8'],
  );
});

test('diff-layout: a removed kind and a changed when are breaking; a new kind and a new enum value compatible', () => {
  assert.deepEqual(
    lines((t) => t.replace('  - name: get\n    when: { type: get }\n', '')),
    ['breaking messages.get: kind removed (type=1)'],
  );
  assert.deepEqual(
    lines((t) => t.replace('kind: { 1: get, 2: reading }', 'kind: { 1: get, 3: reading }')),
    [
      'breaking header.type: enum value 2 (reading) removed: old senders still send it',
      'breaking messages.reading: when type=2 -> type=3',
      'compatible header.type: new enum value 3 (reading): old readers show it as a number',
    ],
  );
  assert.deepEqual(
    lines((t) => `${t}  - name: reset\n    when: { type: 9 }\n`),
    ['compatible messages.reset: new kind (type=9): old readers do not know it'],
  );
  assert.deepEqual(
    lines((t) => t.replace('1: kelvin }', '1: kelvin, 2: fahrenheit }')),
    ['compatible messages.reading.fields.unit: new enum value 2 (fahrenheit): old readers show it as a number'],
  );
});

test('diff-layout: renamed fields, kinds and enum values are compatible and keep the hash', () => {
  const renamed = (t: string) =>
    t.replace('name: value', 'name: centi').replace('- name: get\n', '- name: ask\n').replace('1: kelvin', '1: k');
  assert.deepEqual(lines(renamed), [
    'compatible messages.ask: kind renamed from get',
    'compatible messages.reading.fields.centi: renamed from value',
    'compatible messages.reading.fields.unit: enum value 1 renamed kelvin -> k',
  ]);
  assert.equal(protocolHash(load(renamed(BASE))), protocolHash(load(BASE)));
});

test('diff-layout: a change that alters the hash is always listed as a change', () => {
  const edits: Array<(t: string) => string> = [
    (t) => t.replace('type: s16', 'type: s16, endian: big'),
    (t) => t.replace('protocol: sensor', 'protocol: sensor\nendian: big'),
    (t) => t.replace('{ name: stamp, type: u32 }', '{ name: stamp, type: u32, count: 2 }'),
    (t) => t.replace('{ name: unit, type: u8, enum: unit }', '{ name: unit, type: u8 }'),
  ];
  for (const edit of edits) {
    assert.notEqual(protocolHash(load(edit(BASE))), protocolHash(load(BASE)));
    assert.ok(changes(edit).length > 0, `no change listed for ${edit.toString()}`);
  }
});

function cli(...args: string[]) {
  return spawnSync(process.execPath, [path.join(repo, 'electron/cli/kucomms-studio.mjs'), ...args], {
    encoding: 'utf8',
  });
}

test('kucomms-studio diff-layout exits 5 on a breaking change, 0 on a compatible one, and names both hashes', () => {
  const old = path.join(work, 'old.yaml');
  const breaking = path.join(work, 'breaking.yaml');
  const compatible = path.join(work, 'compatible.yaml');
  writeFileSync(old, BASE);
  writeFileSync(breaking, BASE.replace('type: s16', 'type: s32'));
  writeFileSync(compatible, `${BASE}  - name: reset\n    when: { type: 9 }\n`);
  const r = cli('diff-layout', old, breaking);
  assert.equal(r.status, 5, r.stderr);
  assert.match(r.stdout, /^breaking {4}messages\.reading\.fields\.value: resized: s16 little -> s32 little$/m);
  const hashes = [old, breaking].map(
    (f) =>
      `0x${protocolHash(load(readFileSync(f, 'utf8')))
        .toString(16)
        .padStart(16, '0')}`,
  );
  assert.match(
    r.stdout,
    new RegExp(`old\\.yaml ${hashes[0]} -> .*breaking\\.yaml ${hashes[1]}: 3 changes, 3 breaking$`, 'm'),
  );
  const ok = cli('diff-layout', old, compatible);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^compatible {2}messages\.reset: new kind/m);
});
