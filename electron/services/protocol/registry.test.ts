// The protocol registry: lists the layouts of its folders, keeps broken ones
// with their errors, and picks up edits.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ProtocolRegistry, decodeReceived } from './registry.ts';

const shipped = fileURLToPath(new URL('../../../protocols/', import.meta.url));
const mine = mkdtempSync(path.join(tmpdir(), 'kucomms-registry-test-'));
after(() => rmSync(mine, { recursive: true, force: true }));

test('registry: lists the shipped layouts and a user folder, broken files with their errors', () => {
  const broken = path.join(mine, 'broken.yaml');
  writeFileSync(broken, 'protocol: broken\nmessages:\n  - { name: m, fields: [ { name: a, type: u7 } ] }\n');
  const registry = new ProtocolRegistry([shipped, mine, path.join(mine, 'does-not-exist')]);
  const entries = registry.list();
  const expected: Array<[string, string | null, number]> = [
    [path.join(shipped, 'echo.yaml'), 'echo', 0],
    [path.join(shipped, 'longtest.yaml'), 'longtest', 0],
    [path.join(shipped, 'telemetry.yaml'), 'telemetry', 0],
    [broken, null, 1],
  ];
  assert.deepEqual(
    entries.map((e) => [e.file, e.layout?.protocol ?? null, e.errors.length]),
    expected.sort((a, b) => a[0].localeCompare(b[0])),
    'sorted by path',
  );
  const error = entries.find((e) => e.file === broken)?.errors[0];
  assert.equal(`${error?.line}:${error?.column} ${error?.message}`, '3:43 unknown type "u7": use u8..u64, s8..s64 (multiples of 8 bits), f32, f64, bool, bytes, string');
  assert.equal(registry.byProtocol('longtest')?.messages.length, 2);
});

test('registry: a fixed file is loaded again; decodeReceived decodes a delivered message', () => {
  const file = path.join(mine, 'fixed.yaml');
  writeFileSync(file, 'protocol: fixed\nmessages:\n  - { name: m, fields: [ { name: a, type: u7 } ] }\n');
  const registry = new ProtocolRegistry([mine]);
  assert.equal(registry.get(file).errors.length, 1);
  writeFileSync(file, 'protocol: fixed\nmessages:\n  - { name: m, fields: [ { name: a, type: u16, endian: big } ] }\n');
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  const entry = registry.get(file);
  assert.deepEqual(entry.errors, []);
  assert.ok(entry.layout);
  const d = decodeReceived(entry.layout, { length: 2n, type: 0n, id: 0n, userValue: 0n, data: Uint8Array.from([1, 2]) });
  assert.equal(d.kind, 'm');
  assert.equal(d.data.a, 0x0102);
});
