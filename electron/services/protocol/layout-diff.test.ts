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
  changes(edit).map((c) => `${c.breaking ? 'breaking' : 'compatible'} ${c.message}`);

test('diff-layout: docs, comments and key order alone are no change, and keep the hash', () => {
  const reworded = (t: string) =>
    `# a comment\n${t.replace('doc: A sensor.', 'doc: Another word.').replace('doc: hundredths', 'doc: 1/100').replace('{ name: stamp, type: u32 }', '{ type: u32, name: stamp }')}`;
  assert.deepEqual(changes(reworded), []);
  assert.equal(protocolHash(load(reworded(BASE))), protocolHash(load(BASE)));
});

const breaks = (edit: (text: string) => string, want: string[]) => assert.deepEqual(lines(edit), want);

test('diff-layout: a resized field is breaking, and so is every field it moves', () => {
  breaks(
    (t) => t.replace('type: s16', 'type: s32'),
    [
      'breaking reading.value changed type from s16 to s32',
      'breaking reading.value was resized from 2 to 4 bytes',
      'breaking reading.unit moved from offset 34 to 36',
      'breaking reading.stamp moved from offset 35 to 37',
    ],
  );
});

test('diff-layout: kinds tried in another order: breaking where they select the same messages', () => {
  const getKind = '  - name: get\n    when: { type: get }\n';
  const swap = (t: string) => t.replace(getKind, '') + getKind;
  breaks(swap, [
    'compatible get is now tried on the other side of reading',
    'compatible reading is now tried on the other side of get',
  ]);
  // A catch-all kind moved in front of the kind it used to leave alone.
  const catchAllLast = swap(BASE).replace(getKind, '  - name: other\n');
  const catchAllFirst = BASE.replace(getKind, '  - name: other\n');
  assert.deepEqual(
    diffLayouts(load(catchAllLast), load(catchAllFirst)).map(
      (c) => `${c.breaking ? 'breaking' : 'compatible'} ${c.message}`,
    ),
    [
      'breaking reading is now tried on the other side of other, which selects some of the same messages',
      'breaking other is now tried on the other side of reading, which selects some of the same messages',
    ],
  );
});

test('diff-layout: retyped, removed and added fields, and a changed byte order, are breaking', () => {
  breaks(
    (t) => t.replace('{ name: stamp, type: u32 }', '{ name: stamp, type: f32 }'),
    ['breaking reading.stamp changed type from u32 to f32'],
  );
  breaks(
    (t) => t.replace('      - { name: stamp, type: u32 }\n', ''),
    ['breaking reading.stamp was removed (it was at offset 35, 4 bytes)'],
  );
  breaks(
    (t) => `${t}      - { name: extra, type: u8 }\n`,
    ['breaking reading.extra was added (at offset 39, 1 bytes): messages made with the saved layout lack it'],
  );
  breaks(
    (t) => t.replace('type: s16', 'type: s16, endian: big'),
    ['breaking reading.value changed type from s16 to s16be'],
  );
});

test('diff-layout: a removed kind and a changed when are breaking; a new kind and a new enum value compatible', () => {
  breaks(
    (t) => t.replace('  - name: get\n    when: { type: get }\n', ''),
    ['breaking message kind get was removed: its messages no longer decode as get'],
  );
  breaks(
    (t) => t.replace('kind: { 1: get, 2: reading }', 'kind: { 1: get, 3: reading }'),
    [
      'breaking header.type: value 2 (reading) was removed, but messages made with the saved layout carry it',
      'breaking reading is now selected by type=3 instead of type=2',
      'compatible header.type: new value 3 (reading); readers of the saved layout show it as a number',
    ],
  );
  breaks(
    (t) => `${t}  - name: reset\n    when: { type: 9 }\n`,
    ['compatible new message kind reset (type=9): readers of the saved layout do not know it'],
  );
  breaks(
    (t) => t.replace('1: kelvin }', '1: kelvin, 2: fahrenheit }'),
    ['compatible reading.unit: new value 2 (fahrenheit); readers of the saved layout show it as a number'],
  );
});

test('diff-layout: renamed fields, kinds and enum values are compatible and keep the hash', () => {
  const renamed = (t: string) =>
    t.replace('name: value', 'name: centi').replace('- name: get\n', '- name: ask\n').replace('1: kelvin', '1: k');
  breaks(renamed, [
    'compatible message kind get renamed to ask',
    'compatible reading.value renamed to centi',
    'compatible reading.unit: value 1 renamed from kelvin to k',
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
  assert.match(r.stdout, /^breaking {4}reading\.value was resized from 2 to 4 bytes$/m);
  const hashes = [old, breaking].map(
    (f) =>
      `0x${protocolHash(load(readFileSync(f, 'utf8')))
        .toString(16)
        .padStart(16, '0')}`,
  );
  assert.match(
    r.stdout,
    new RegExp(`old\\.yaml ${hashes[0]} -> .*breaking\\.yaml ${hashes[1]}: 4 changes, 4 breaking$`, 'm'),
  );
  const ok = cli('diff-layout', old, compatible);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^compatible {2}new message kind reset/m);
});
