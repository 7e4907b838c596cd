// The example telemetry layout (protocols/telemetry.yaml): it loads cleanly,
// selects each kind by the header's type, and every kind encodes and decodes
// back exactly, the odd-width, signed and big-endian fields at the bytes and
// offsets the layout gives them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeMessage } from './decode.ts';
import { encodeMessage } from './encode.ts';
import { loadLayoutFile } from './loader.ts';
import { Rng, randomMessage } from './testdata/random-values.ts';
import { TELEMETRY_EXAMPLES } from './testdata/telemetry-examples.ts';
import { toHex, type FieldNode, type StructValue } from './values.ts';

const telemetry = loadLayoutFile(fileURLToPath(new URL('../../../protocols/telemetry.yaml', import.meta.url)));
const KINDS = ['get_info', 'info', 'configure', 'configured', 'sample', 'event'];

function encode(kindName: string, data: StructValue, id = 7n): Uint8Array {
  const kind = telemetry.messages.find((m) => m.name === kindName);
  assert.ok(kind, `no kind ${kindName} in telemetry.yaml`);
  return encodeMessage(telemetry, { type: kind.when.type ?? 0n, id, user_value: 1_764_000_000_123_456_789n }, data);
}

/** Decodes @bytes as @kindName without error and checks that encoding the result gives @bytes again. */
function roundTrip(kindName: string, bytes: Uint8Array, what: string): StructValue {
  const d = decodeMessage(telemetry, bytes);
  assert.equal(d.error, undefined, `${what} (${toHex(bytes)}): ${d.error?.message}`);
  assert.equal(d.kind, kindName, `${what}: decoded kind`);
  const again = encodeMessage(
    telemetry,
    { type: d.header.type, id: d.header.id, user_value: d.header.user_value },
    d.data,
  );
  assert.equal(toHex(again), toHex(bytes), `${what}: re-encoded bytes differ`);
  return d.data;
}

function node(tree: FieldNode[], path: string): FieldNode | undefined {
  for (const n of tree) {
    if (n.path === path) return n;
    const inner = n.children && node(n.children, path);
    if (inner) return inner;
  }
  return undefined;
}

test('telemetry layout: loads without errors; kinds get_info..event are types 1..6; replies pair by id', () => {
  assert.deepEqual(
    telemetry.messages.map((m) => [m.name, m.when]),
    KINDS.map((name, i) => [name, { type: BigInt(i + 1) }]),
  );
  assert.deepEqual(telemetry.reply, { match: ['id'] });
  assert.deepEqual(
    Object.values(telemetry.header).map((h) => [h.key, h.name, h.volatile]),
    [
      ['type', 'kind', false],
      ['id', 'request_id', false],
      ['user_value', 'sent_ns', true],
    ],
  );
  assert.deepEqual(Object.keys(TELEMETRY_EXAMPLES), KINDS, 'one example per kind');
});

for (const kindName of KINDS) {
  test(`telemetry layout: the example ${kindName} encodes and decodes back to the same values and bytes`, () => {
    const example = TELEMETRY_EXAMPLES[kindName];
    assert.ok(example);
    assert.deepEqual(roundTrip(kindName, encode(kindName, example), `example ${kindName}`), example);
  });

  test(`telemetry layout: 100 random ${kindName} messages round-trip byte for byte and value for value`, () => {
    const kind = telemetry.messages.find((m) => m.name === kindName);
    assert.ok(kind);
    const rng = new Rng(0x7e1e_0000 + KINDS.indexOf(kindName));
    for (let i = 0; i < 100; i++) {
      const value = randomMessage(kind, rng);
      assert.deepEqual(roundTrip(kindName, encode(kindName, value, BigInt(i)), `message ${i}`), value, `message ${i}`);
    }
  });
}

test("telemetry layout: the serial is big-endian, the 24- and 48-bit fields little-endian two's complement, at the offsets shown", () => {
  const info = encode('info', TELEMETRY_EXAMPLES.info ?? {});
  assert.equal(toHex(info.subarray(32 + 4, 32 + 10)), '00a1b2c3d4e5', 'info.serial at data offset 4');
  const sample = encode('sample', TELEMETRY_EXAMPLES.sample ?? {});
  assert.equal(sample.length, 32 + 39, 'a sample is 39 data bytes');
  assert.equal(
    toHex(sample.subarray(32 + 6, 32 + 12)),
    '39300000' + '0001',
    'sample.taken_us (2^40 + 12345) at data offset 6',
  );
  assert.equal(
    toHex(sample.subarray(32 + 12, 32 + 18)),
    '35fb048ee0fe',
    'sample.clock_offset_ns (-1234567890123) at data offset 12',
  );
  assert.equal(
    toHex(sample.subarray(32 + 18, 32 + 27)),
    '000080' + '001000' + 'ffff7f',
    'sample.acceleration x, y, z at data offset 18',
  );
  const tree = decodeMessage(telemetry, sample).tree;
  const z = node(tree, 'data.acceleration.z');
  assert.deepEqual(
    [z?.offset, z?.size, z?.type, z?.value],
    [32 + 24, 3, 's24', 2 ** 23 - 1],
    'data.acceleration.z in the field tree',
  );
  const aux = node(tree, 'data.aux_mv[3]');
  assert.deepEqual([aux?.offset, aux?.size, aux?.value], [32 + 37, 2, 65_535], 'data.aux_mv[3] in the field tree');
});

test('telemetry layout: enum, flags and bit-field values read by name in the field tree', () => {
  const tree = decodeMessage(telemetry, encode('configure', TELEMETRY_EXAMPLES.configure ?? {})).tree;
  const display = (path: string): string | undefined => node(tree, path)?.display;
  assert.match(node(tree, 'header.type')?.display ?? '', /configure/);
  assert.match(display('data.sensor') ?? '', /accelerometer/);
  assert.match(display('data.options') ?? '', /enabled \| interrupt \| alarm/);
  assert.match(display('data.control.range') ?? '', /g8/);
});
