// The layouts the Studio knows: the shipped ones and the workspace's listed
// together, broken files kept with their errors, and a fixed file taken once
// the layouts are read again.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { decodeReceived } from '../protocol/decode.ts';
import { PROTOCOLS_DIR, ProtocolRegistry } from './protocols.ts';

const workspace = mkdtempSync(path.join(tmpdir(), 'kucomms-registry-test-'));
const mine = path.join(workspace, 'layouts');
mkdirSync(mine);
after(() => rmSync(workspace, { recursive: true, force: true }));

test("registry: lists the shipped layouts and the workspace's, broken files with their errors", () => {
  const broken = path.join(mine, 'broken.yaml');
  writeFileSync(broken, 'protocol: broken\nmessages:\n  - { name: m, fields: [ { name: a, type: u7 } ] }\n');
  const registry = new ProtocolRegistry({ workspaceDir: () => workspace });
  const entries = registry.entries();
  const expected: Array<[string, string | null, number]> = [
    [path.join(PROTOCOLS_DIR, 'echo.yaml'), 'echo', 0],
    [path.join(PROTOCOLS_DIR, 'longtest.yaml'), 'longtest', 0],
    [path.join(PROTOCOLS_DIR, 'telemetry.yaml'), 'telemetry', 0],
    [broken, null, 1],
  ];
  assert.deepEqual(
    entries.map((e) => [e.file, e.layout?.protocol ?? null, e.errors.length]),
    expected,
    'shipped ones first, each folder sorted by name',
  );
  const error = entries.find((e) => e.file === broken)?.errors[0];
  assert.equal(
    `${error?.line}:${error?.column} ${error?.message}`,
    '3:43 unknown type "u7": use u8..u64, s8..s64 (multiples of 8 bits), f32, f64, bool, bytes, string',
  );
  assert.equal(registry.get('longtest').messages.length, 2);
});

test('registry: a fixed file is taken once the layouts are read again; decodeReceived decodes a delivered message', () => {
  const file = path.join(mine, 'fixed.yaml');
  writeFileSync(file, 'protocol: fixed\nmessages:\n  - { name: m, fields: [ { name: a, type: u7 } ] }\n');
  const registry = new ProtocolRegistry({ workspaceDir: () => workspace });
  assert.equal(registry.entry('workspace', 'fixed.yaml')?.errors.length, 1);
  writeFileSync(file, 'protocol: fixed\nmessages:\n  - { name: m, fields: [ { name: a, type: u16, endian: big } ] }\n');
  registry.reload();
  const entry = registry.entry('workspace', 'fixed.yaml');
  assert.deepEqual(entry?.errors, []);
  assert.ok(entry?.layout);
  const d = decodeReceived(entry.layout, {
    length: 2n,
    type: 0n,
    id: 0n,
    userValue: 0n,
    data: Uint8Array.from([1, 2]),
  });
  assert.equal(d.kind, 'm');
  assert.equal(d.data.a, 0x0102);
});
