// The codec: exact round trips over every field type in both byte orders,
// known bytes decoding to known values, and partial decodes with precise
// errors for messages that do not fit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileCodec } from './compiled.ts';
import { decodeMessage } from './decode.ts';
import { encodeData, encodeMessage } from './encode.ts';
import { loadLayoutFile, loadLayoutText } from './loader.ts';
import { Rng, randomMessage } from './testdata/random-values.ts';
import { toHex, type FieldNode, type FieldValue, type StructValue } from './values.ts';

const featuresFile = fileURLToPath(new URL('./testdata/features.yaml', import.meta.url));
const features = loadLayoutFile(featuresFile);
const KIND_TYPE = { ints: 1n, reading: 2n, texts: 3n, lists: 4n } as const;

function message(kind: keyof typeof KIND_TYPE, data: StructValue, id = 1n): Uint8Array {
  return encodeMessage(features, { type: KIND_TYPE[kind], id, user_value: 0n }, data);
}

function node(tree: FieldNode[], path: string): FieldNode | undefined {
  for (const n of tree) {
    if (n.path === path) return n;
    const inner = n.children && node(n.children, path);
    if (inner) return inner;
  }
  return undefined;
}

/** Every key of @want has the same value in @got (extra keys in @got are computed length fields). */
function assertContains(got: FieldValue | undefined, want: FieldValue, path: string): void {
  if (want instanceof Uint8Array) {
    assert.ok(got instanceof Uint8Array, `${path}: expected bytes, got ${String(got)}`);
    assert.equal(toHex(got), toHex(want), path);
  } else if (Array.isArray(want)) {
    assert.ok(Array.isArray(got), `${path}: expected an array`);
    assert.equal(got.length, want.length, `${path}: length`);
    want.forEach((w, i) => assertContains(got[i], w, `${path}[${i}]`));
  } else if (typeof want === 'object') {
    assert.ok(
      typeof got === 'object' && got !== null && !Array.isArray(got) && !(got instanceof Uint8Array),
      `${path}: expected a struct`,
    );
    for (const [k, w] of Object.entries(want)) assertContains((got as StructValue)[k], w, `${path}.${k}`);
  } else assert.equal(got, want, path);
}

for (const kind of features.messages) {
  test(`codec: 200 random ${kind.name} messages round-trip byte for byte and value for value`, () => {
    const rng = new Rng(0x9e3779b9 ^ kind.name.length);
    for (let i = 0; i < 200; i++) {
      const value = randomMessage(kind, rng);
      const bytes = message(kind.name as keyof typeof KIND_TYPE, value, BigInt(i));
      const d = decodeMessage(features, bytes);
      assert.equal(d.error, undefined, `message ${i} (${toHex(bytes)}): ${d.error?.message}`);
      assert.equal(d.kind, kind.name);
      assertContains(d.data, value, 'data');
      const again = encodeMessage(
        features,
        { type: d.header.type, id: d.header.id, user_value: d.header.user_value },
        d.data,
      );
      assert.equal(toHex(again), toHex(bytes), `message ${i}: re-encoded bytes differ`);
    }
  });
}

test('codec: integers of every width decode from known bytes in both byte orders', () => {
  const data = Uint8Array.from([
    0x81, // a8
    0x01,
    0x02, // a16 LE
    0x01,
    0x02,
    0x03, // a24 LE
    0x01,
    0x02,
    0x03,
    0x04, // a32
    0x01,
    0x02,
    0x03,
    0x04,
    0x05, // a40
    0x01,
    0x02,
    0x03,
    0x04,
    0x05,
    0x06, // a48
    0x01,
    0x02,
    0x03,
    0x04,
    0x05,
    0x06,
    0x07, // a56
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff, // a64
    0x01,
    0x02, // b16 BE
    0x01,
    0x02,
    0x03, // b24 BE
    0x01,
    0x02,
    0x03,
    0x04,
    0x05,
    0x06, // b48 BE
    0x80,
    0,
    0,
    0,
    0,
    0,
    0,
    1, // b64 BE
    0xff, // i8
    0xfe,
    0xff, // i16 LE = -2
    0x00,
    0x00,
    0x80, // i24 LE = -8388608
    0xff,
    0xff,
    0xff,
    0xfd, // i32 BE = -3
    0xff,
    0xff,
    0xff,
    0xff,
    0x7f, // i40 LE = 2^39 - 1
    0x80,
    0,
    0,
    0,
    0,
    0, // i48 BE = -2^47
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff, // i56 = -1
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x80, // i64 = -2^63
  ]);
  const bytes = new Uint8Array(32 + data.length);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setBigUint64(8, 1n, true);
  bytes.set(data, 32);
  const r = decodeMessage(features, bytes);
  assert.equal(r.error, undefined, r.error?.message);
  const want: Record<string, number | bigint> = {
    a8: 0x81,
    a16: 0x0201,
    a24: 0x030201,
    a32: 0x04030201,
    a40: 0x0504030201,
    a48: 0x060504030201,
    a56: 0x07060504030201n,
    a64: 0xffffffffffffffffn,
    b16: 0x0102,
    b24: 0x010203,
    b48: 0x010203040506,
    b64: 0x8000000000000001n,
    i8: -1,
    i16: -2,
    i24: -8388608,
    i32: -3,
    i40: 2 ** 39 - 1,
    i48: -(2 ** 47),
    i56: -1n,
    i64: -(2n ** 63n),
  };
  for (const [k, v] of Object.entries(want)) assert.equal(r.data[k], v, `data.${k}`);
  assert.equal(typeof r.data.a64, 'bigint', 'u64 values are BigInt');
  assert.equal(node(r.tree, 'data.b24')?.offset, 32 + 38, 'offset of data.b24 counts from the start of the message');
  assert.equal(node(r.tree, 'data.b24')?.size, 3);
});

test('codec: floats, enums, flags and bit fields decode to what they mean', () => {
  const bytes = message('reading', {
    unit: 'volt',
    status: 0b10000011,
    control: { enabled: 1, mode: 'fast', gain: 9, channel: 200 },
    temperature: 21.5,
    pressure: 1013.25,
    calibrated: true,
    seconds: 5,
    trailer: Uint8Array.from([9, 8]),
  });
  const data = bytes.subarray(32);
  assert.equal(toHex(data.subarray(0, 4)), '1083' + '95c8', 'unit 0x10, status 0x83, control 0xc895 little-endian');
  assert.equal(toHex(data.subarray(8, 16)), '408faa0000000000', 'pressure as a big-endian f64');
  const d = decodeMessage(features, bytes);
  assert.equal(d.error, undefined);
  assert.equal(node(d.tree, 'data.unit')?.display, 'volt (16)');
  assert.equal(node(d.tree, 'data.status')?.display, '0x83 (ready | busy | fault)');
  assert.equal(node(d.tree, 'data.control.mode')?.display, 'fast (2)');
  assert.deepEqual(node(d.tree, 'data.control.gain')?.bits, { at: 4, width: 4 });
  assert.equal(d.data.temperature, 21.5);
  assert.equal(d.data.calibrated, true);
  assert.equal(node(d.tree, 'data.seconds')?.volatile, true);
  assert.equal(node(d.tree, 'header.user_value')?.volatile, true);
  assert.equal(node(d.tree, 'header.type')?.display, 'reading (2)');
});

test('codec: bits outside every declared bit field survive a round trip in $rest', () => {
  const bytes = message('reading', {
    unit: 0,
    status: 0,
    control: { enabled: 0, mode: 0, gain: 0, channel: 0, $rest: 0b1000 },
    temperature: 0,
    pressure: 0,
    calibrated: false,
    seconds: 0,
    trailer: new Uint8Array(),
  });
  const d = decodeMessage(features, bytes);
  assert.deepEqual(d.data.control, { enabled: 0, mode: 'off', gain: 0, channel: 0, $rest: 8 });
  assert.equal(toHex(encodeMessage(features, { type: 2n, id: 1n, user_value: 0n }, d.data)), toHex(bytes));
});

test('codec: strings by fixed size with padding, by length field, by prefix, latin1', () => {
  const bytes = message('texts', {
    label: 'abc',
    name: 'Zoë',
    note: 'hi',
    legacy: 'Çà!?',
    blob: Uint8Array.from([1, 2, 3]),
  });
  const data = bytes.subarray(32);
  assert.equal(toHex(data.subarray(0, 8)), '6162630000000000', 'label padded with zeros');
  assert.equal(data[8], 4, 'name_len computed: "Zoë" is 4 UTF-8 bytes');
  assert.equal(toHex(data.subarray(13, 15)), '0002', 'note has a big-endian u16 prefix');
  assert.equal(toHex(data.subarray(17, 21)), 'c7e0213f', 'latin1 is one byte per character');
  const d = decodeMessage(features, bytes);
  assert.equal(d.error, undefined);
  assert.deepEqual(
    { label: d.data.label, name_len: d.data.name_len, name: d.data.name, note: d.data.note, legacy: d.data.legacy },
    {
      label: 'abc',
      name_len: 4,
      name: 'Zoë',
      note: 'hi',
      legacy: 'Çà!?',
    },
  );
  assert.throws(
    () =>
      message('texts', { label: 'abc', name_len: 3, name: 'Zoë', note: '', legacy: 'abcd', blob: new Uint8Array(3) }),
    /name_len: is 3, but name has 4/,
  );
});

test('codec: arrays of fixed count, count from a field, count prefix and rest; nested structs', () => {
  const bytes = message('lists', {
    fixed: [1, 2, 65535],
    points: [{ x: -1, y: 256 }],
    samples: [
      { at: { x: 1, y: 2 }, value: 0.5, tag: 'a' },
      { at: { x: 3, y: 4 }, value: -2, tag: '' },
    ],
    levels: [-1, 300],
  });
  const d = decodeMessage(features, bytes);
  assert.equal(d.error, undefined);
  assert.equal(d.data.n_points, 1);
  assert.equal(node(d.tree, 'data.points[0].y')?.offset, 32 + 6 + 1 + 4);
  assert.equal(toHex(bytes.subarray(32 + 11, 32 + 15)), '00000100', 'point.y is big-endian');
  assert.equal(node(d.tree, 'data.samples')?.size, 1 + 2 * (8 + 4 + 1) + 1);
  assert.deepEqual(d.data.levels, [-1, 300]);
  assert.equal(node(d.tree, 'data.samples[1].at.y')?.value, 4);
});

test('codec: a cut-off message decodes to a partial tree and names the field, offset and expected size', () => {
  const bytes = message('reading', {
    unit: 1,
    status: 0,
    control: { enabled: 1, mode: 0, gain: 0, channel: 0 },
    temperature: 1,
    pressure: 2,
    calibrated: true,
    seconds: 7,
    trailer: new Uint8Array(),
  });
  const cut = bytes.slice(0, 32 + 10);
  new DataView(cut.buffer).setBigUint64(0, 10n, true);
  const d = decodeMessage(features, cut);
  assert.equal(d.error?.path, 'data.pressure');
  assert.equal(d.error?.offset, 40);
  assert.equal(d.error?.expected, 'f64 (8 bytes)');
  assert.equal(d.error?.message, 'data.pressure at offset 40: expected f64 (8 bytes), but only 2 bytes left');
  assert.equal(d.data.temperature, 1, 'fields before the cut are decoded');
  assert.equal(node(d.tree, 'data.temperature')?.size, 4);
  assert.equal(node(d.tree, 'data.pressure'), undefined);
});

test('codec: a length field larger than the data, a bad bool, bad UTF-8, extra bytes and an unknown kind are errors, not exceptions', () => {
  const texts = message('texts', { label: '', name: 'ab', note: '', legacy: 'abcd', blob: new Uint8Array(3) });
  const longName = texts.slice();
  longName[32 + 8] = 200;
  assert.match(
    decodeMessage(features, longName).error?.message ?? '',
    /^data\.name at offset 41: expected string of 200 bytes \(name_len\), but only 11 bytes left$/,
  );

  const badUtf8 = texts.slice();
  badUtf8[32 + 9] = 0xff;
  const u = decodeMessage(features, badUtf8);
  assert.equal(u.error?.path, 'data.name');
  assert.match(u.error?.message ?? '', /expected UTF-8 text, got the bytes ff62/);

  const reading = message('reading', {
    unit: 0,
    status: 0,
    control: { enabled: 0, mode: 0, gain: 0, channel: 0 },
    temperature: 0,
    pressure: 0,
    calibrated: false,
    seconds: 0,
    trailer: new Uint8Array(),
  });
  const badBool = reading.slice();
  badBool[32 + 16] = 2;
  assert.equal(
    decodeMessage(features, badBool).error?.message,
    'data.calibrated at offset 48: expected bool 0 or 1, got 2',
  );

  const ints = message('ints', {
    a8: 0,
    a16: 0,
    a24: 0,
    a32: 0,
    a40: 0,
    a48: 0,
    a56: 0n,
    a64: 0n,
    b16: 0,
    b24: 0,
    b48: 0,
    b64: 0n,
    i8: 0,
    i16: 0,
    i24: 0,
    i32: 0,
    i40: 0,
    i48: 0,
    i56: 0n,
    i64: 0n,
  });
  const extra = new Uint8Array(ints.length + 3);
  extra.set(ints);
  new DataView(extra.buffer).setBigUint64(0, BigInt(ints.length - 32 + 3), true);
  const e = decodeMessage(features, extra);
  assert.equal(e.error?.message, `data at offset ${ints.length}: expected the end of ints, but 3 more bytes follow`);
  assert.equal(e.data.i64, 0n, 'every field still decoded');

  const unknown = ints.slice();
  unknown[8] = 99;
  assert.equal(
    decodeMessage(features, unknown).error?.message,
    'data at offset 32: no message kind of features matches type=99 id=1 user_value=0',
  );

  assert.match(
    decodeMessage(features, ints.slice(0, 20)).error?.message ?? '',
    /expected the 32-byte message header, but the message has 20 bytes/,
  );
  const lying = ints.slice(0, 40);
  assert.equal(
    decodeMessage(features, lying).error?.path,
    'data.a32',
    'the header promises more bytes than follow: a32 is cut',
  );
});

test('codec: the longtest layout decodes sequence message n as id n with n % 2048 bytes of n % 256', () => {
  const longtest = loadLayoutFile(fileURLToPath(new URL('../../../protocols/longtest.yaml', import.meta.url)));
  const n = 2049n;
  const fill = new Uint8Array(Number(n % 2048n)).fill(Number(n % 256n));
  const bytes = encodeMessage(longtest, { type: 1n, id: n, user_value: 0n }, { fill });
  const d = decodeMessage(longtest, bytes);
  assert.equal(d.kind, 'sequence');
  assert.equal(node(d.tree, 'header.id')?.alias, 'sequence');
  assert.equal(toHex(d.data.fill as Uint8Array), '01');
  assert.equal(
    decodeMessage(
      longtest,
      encodeMessage(longtest, { type: 0n, id: 3n, user_value: 0n }, { payload: Uint8Array.from([7, 7]) }),
    ).kind,
    'random',
  );
});

test("codec: a message larger than the encoder's first buffer encodes whole", () => {
  const longtest = loadLayoutFile(fileURLToPath(new URL('../../../protocols/longtest.yaml', import.meta.url)));
  const payload = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
  const bytes = encodeMessage(longtest, { type: 0n, id: 1n, user_value: 0n }, { payload });
  assert.equal(bytes.length, 32 + 5000);
  assert.equal(toHex(bytes.subarray(32)), toHex(payload));
});

test('codec: encode refuses values that do not fit, naming the field', () => {
  const kind = features.messages.find((m) => m.name === 'ints');
  assert.ok(kind);
  assert.throws(() => encodeData(kind, { a8: 256 }), /data\.a8: 256 does not fit u8 \(0\.\.255\)/);
  const small = loadLayoutText(
    'protocol: p\nmessages:\n  - name: m\n    fields:\n      - { name: v, type: s24 }\n',
    'p.yaml',
  );
  const m = small.messages[0];
  assert.ok(m);
  assert.throws(() => encodeData(m, { v: -8388609 }), /data\.v: -8388609 does not fit s24/);
  assert.equal(toHex(encodeData(m, { v: -8388608 })), '000080');
});

test('encode: flags take names as decoding shows them (one name, or a list of names and numbers), in the interpreted and the compiled encoder', () => {
  const layout = loadLayoutText(
    'protocol: p\nflags: { status: { 0: ready, 1: busy, 7: fault } }\nmessages:\n  - name: m\n    fields:\n      - { name: status, type: u8, flags: status }\n',
    'p.yaml',
  );
  const kind = layout.messages[0];
  assert.ok(kind);
  const codec = compileCodec(layout);
  for (const [value, byte] of [
    [['ready', 'fault'], 0x81],
    ['busy', 0x02],
    [['ready', 0x40], 0x41],
    [0x83, 0x83],
  ] as const) {
    assert.deepEqual([...encodeData(kind, { status: value as never })], [byte], JSON.stringify(value));
    assert.deepEqual(
      [...(codec.encodeDataFast('m', { status: value as never }) ?? [])],
      [byte],
      `compiled ${JSON.stringify(value)}`,
    );
  }
  assert.throws(
    () => encodeData(kind, { status: ['ready', 'asleep'] }),
    /data\.status: "asleep" is not in flags status \(ready, busy, fault\)/,
  );
});
