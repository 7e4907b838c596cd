// Broken layout files: every kind of mistake is reported with its file,
// line and column, and all mistakes of a file come back at once.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LayoutLoadError, formatLayoutError, loadLayoutFile, loadLayoutText } from './loader.ts';

function errorsOf(text: string): string[] {
  try {
    loadLayoutText(text, 'bad.yaml');
  } catch (err) {
    assert.ok(err instanceof LayoutLoadError, `expected a LayoutLoadError, got ${String(err)}`);
    return err.errors.map(formatLayoutError);
  }
  assert.fail('the layout loaded without errors');
}

const HEAD = 'protocol: p\n';
const oneMessage = (fields: string): string => `${HEAD}messages:\n  - name: m\n    fields:\n${fields}`;

// [what, layout text, the one error expected (file:line:column: path: message)]
const CASES: Array<[string, string, string]> = [
  ['YAML syntax', `${HEAD}messages:\n  - { name: m, fields: [] \n`, 'bad.yaml:4:1: '],
  [
    'a duplicate key',
    `${HEAD}protocol: q\nmessages:\n  - { name: m, fields: [] }\n`,
    'bad.yaml:2:1: duplicate key "protocol": a key may appear only once in a map',
  ],
  [
    'a duplicate enum value',
    `${HEAD}enums:\n  e:\n    1: a\n    1: b\nmessages:\n  - { name: m, fields: [] }\n`,
    'bad.yaml:5:5: duplicate key "1": a key may appear only once in a map',
  ],
  [
    'a missing required key',
    `${HEAD}messages:\n  - fields: []\n`,
    'bad.yaml:3:5: messages[0]: missing required key "name"',
  ],
  [
    'an unknown key',
    oneMessage('      - { name: a, type: u8, sise: 3 }\n'),
    'bad.yaml:5:30: messages[0].fields[0].sise: unknown key "sise"; allowed here: name, doc, type, endian, enum, flags, bits, count, size, encoding, pad, volatile',
  ],
  [
    'a bad endian',
    `${HEAD}endian: middle\nmessages:\n  - { name: m, fields: [] }\n`,
    'bad.yaml:2:9: endian: "middle" is not one of "little", "big"',
  ],
  [
    'a name that is not an identifier',
    oneMessage('      - { name: Bad-Name, type: u8 }\n'),
    'bad.yaml:5:17: messages[0].fields[0].name: "Bad-Name" is not a name of lower-case letters, digits and _, starting with a letter',
  ],
  [
    'an unknown type',
    oneMessage('      - { name: a, type: u12 }\n'),
    'bad.yaml:5:26: messages[0].fields[0].type: unknown type "u12": use u8..u64, s8..s64 (multiples of 8 bits), f32, f64, bool, bytes, string',
  ],
  [
    'an unknown enum',
    oneMessage('      - { name: a, type: u8, enum: colour }\n'),
    'bad.yaml:5:36: messages[0].fields[0].enum: unknown enum "colour": the layout defines no enum',
  ],
  [
    'an unknown flags set',
    oneMessage('      - { name: a, type: u8, flags: perms }\n'),
    'bad.yaml:5:37: messages[0].fields[0].flags: unknown flags "perms": the layout defines no flags',
  ],
  [
    'an enum on a non-integer',
    `${HEAD}enums: { e: { 0: a } }\nmessages:\n  - name: m\n    fields:\n      - { name: a, type: f32, enum: e }\n`,
    'bad.yaml:6:31: messages[0].fields[0].enum: enum applies to integer fields only, not f32',
  ],
  [
    'an enum value too wide',
    `${HEAD}enums: { e: { 256: big } }\nmessages:\n  - name: m\n    fields:\n      - { name: a, type: u8, enum: e }\n`,
    'bad.yaml:6:36: messages[0].fields[0].enum: enum "e" value 256 ("big") does not fit 8 bits (at most 255)',
  ],
  [
    'flags naming a bit the integer lacks',
    `${HEAD}flags: { f: { 9: high } }\nmessages:\n  - name: m\n    fields:\n      - { name: a, type: u8, flags: f }\n`,
    'bad.yaml:6:37: messages[0].fields[0].flags: flags "f" names bit 9 ("high"), but u8 has bits 0 to 7',
  ],
  [
    'overlapping bit fields',
    oneMessage(
      '      - name: a\n        type: u8\n        bits:\n          - { name: x, at: 0, width: 4 }\n          - { name: y, at: 3, width: 2 }\n',
    ),
    'bad.yaml:9:13: messages[0].fields[0].bits[1]: "y" (bits 3..4) overlaps "x" at bit 3',
  ],
  [
    'a bit field past the integer',
    oneMessage('      - name: a\n        type: u16\n        bits:\n          - { name: x, at: 12, width: 8 }\n'),
    'bad.yaml:8:13: messages[0].fields[0].bits[0]: bits 12..19 do not fit in a 16-bit integer (bits 0..15)',
  ],
  [
    'a length field that does not exist',
    oneMessage('      - { name: a, type: bytes, size: len }\n'),
    'bad.yaml:5:39: messages[0].fields[0].size: size: no field named "len" in m',
  ],
  [
    'a length field that comes later',
    oneMessage('      - { name: a, type: bytes, size: len }\n      - { name: len, type: u8 }\n'),
    'bad.yaml:5:39: messages[0].fields[0].size: size: field "len" comes after this one; a length field must come before the field it measures',
  ],
  [
    'a length field that is not an unsigned integer',
    oneMessage('      - { name: len, type: s8 }\n      - { name: a, type: u8, count: len }\n'),
    'bad.yaml:6:37: messages[0].fields[1].count: count: field "len" is not a plain unsigned integer, so it cannot be a length',
  ],
  [
    'rest before the last field',
    oneMessage('      - { name: a, type: bytes, size: rest }\n      - { name: b, type: u8 }\n'),
    'bad.yaml:5:39: messages[0].fields[0].size: size: rest reads to the end of the data, so "a" must be the last field of m',
  ],
  [
    'a bytes field without a size',
    oneMessage('      - { name: a, type: bytes }\n'),
    "bad.yaml:5:9: messages[0].fields[0]: a bytes field needs a size: a number, rest, an earlier field's name or {prefix: u8|u16|u32...}",
  ],
  [
    'a size on an integer',
    oneMessage('      - { name: a, type: u32, size: 4 }\n'),
    'bad.yaml:5:31: messages[0].fields[0].size: size applies to bytes and string fields only; use count for an array of u32',
  ],
  [
    'pad on a variable-size string',
    oneMessage('      - { name: a, type: string, size: rest, pad: 0 }\n'),
    'bad.yaml:5:46: messages[0].fields[0].pad: pad applies to fixed-size strings only (size is a number)',
  ],
  [
    'a bad length',
    oneMessage('      - { name: a, type: bytes, size: -1 }\n'),
    'bad.yaml:5:39: messages[0].fields[0].size: -1 is not a number, rest (to the end of the data), the name of an earlier integer field, or {prefix: u8|u16|u32...}',
  ],
  [
    'a duplicate field',
    oneMessage('      - { name: a, type: u8 }\n      - { name: a, type: u16 }\n'),
    'bad.yaml:6:17: messages[0].fields[1].name: field "a" is already defined in m (fields[0])',
  ],
  [
    'a struct that contains itself',
    `${HEAD}types:\n  node:\n    fields:\n      - { name: next, type: node }\nmessages:\n  - { name: m, fields: [] }\n`,
    'bad.yaml:5:29: types.node.fields[0].type: type node contains itself (node -> node), so it would never end',
  ],
  [
    'a when name without an enum',
    `${HEAD}messages:\n  - { name: m, when: { type: ping }, fields: [] }\n`,
    'bad.yaml:3:30: messages[0].when.type: "ping" is a name, but header.type has no enum; give a number or set header.type.enum',
  ],
  [
    'a when name not in the enum',
    `${HEAD}header: { type: { enum: k } }\nenums: { k: { 1: ping } }\nmessages:\n  - { name: m, when: { type: pong }, fields: [] }\n`,
    'bad.yaml:5:30: messages[0].when.type: "pong" is not in enum "k" (ping)',
  ],
  [
    'two kinds with the same selector',
    `${HEAD}messages:\n  - { name: a, when: { type: 1 }, fields: [] }\n  - { name: b, when: { type: 1 }, fields: [] }\n`,
    'bad.yaml:4:22: messages[1].when: selects the same messages as "a", which comes first, so "b" is never used',
  ],
  [
    'a duplicate message kind',
    `${HEAD}messages:\n  - { name: a, when: { type: 1 }, fields: [] }\n  - { name: a, when: { type: 2 }, fields: [] }\n`,
    'bad.yaml:4:13: messages[1].name: message kind "a" is already defined (messages[0])',
  ],
  [
    'a when value past 2^64-1',
    `${HEAD}messages:\n  - { name: m, when: { type: 18446744073709551616 }, fields: [] }\n`,
    'bad.yaml:3:30: messages[0].when.type: 18446744073709551616 does not fit the u64 header field type',
  ],
  [
    'an array to the end of elements that can be empty',
    oneMessage('      - { name: a, type: bytes, size: 0, count: rest }\n'),
    'bad.yaml:5:49: messages[0].fields[0].count: count: rest reads elements until the data ends, so they must take at least one byte',
  ],
  [
    'a bad reply rule',
    `${HEAD}reply: { match: [sequence] }\nmessages:\n  - { name: m, fields: [] }\n`,
    'bad.yaml:2:18: reply.match[0]: "sequence" is not one of "type", "id", "user_value"',
  ],
];

for (const [what, text, expected] of CASES) {
  test(`layout errors: ${what} is reported at its line and column`, () => {
    const errors = errorsOf(text);
    assert.equal(errors.length, 1, `expected one error, got:\n${errors.join('\n')}`);
    assert.ok(errors[0]?.startsWith(expected), `expected "${expected}...", got "${errors[0]}"`);
  });
}

test('layout errors: every mistake of a file is reported at once, in file order', () => {
  const text = [
    'protocol: p',
    'endian: middle',
    'messages:',
    '  - name: m',
    '    fields:',
    '      - { name: a, type: u12 }',
    '      - { name: b, type: bytes, size: len }',
    '      - { name: c, type: u8, enum: nope }',
    '',
  ].join('\n');
  const errors = errorsOf(text);
  assert.deepEqual(
    errors.map((e) => e.split(': ')[0]),
    ['bad.yaml:2:9', 'bad.yaml:6:26', 'bad.yaml:7:39', 'bad.yaml:8:36'],
  );
});

test('layout errors: the message of a thrown LayoutLoadError lists every error, one per line', () => {
  assert.throws(
    () => loadLayoutText(`${HEAD}endian: middle\nmessages: 3\n`, '/tmp/x.yaml'),
    (err: Error) => {
      assert.equal(err.message.split('\n').length, 2);
      assert.match(err.message, /^\/tmp\/x\.yaml:2:9: endian: /);
      return true;
    },
  );
});

test('layouts: when takes every u64 value unquoted, in decimal and in 0x hexadecimal, past 2^53 too', () => {
  const layout = loadLayoutText(
    `${HEAD}messages:\n  - { name: a, when: { type: 18446744073709551615, id: 0x8000000000000001 } }\n  - { name: b, when: { type: 9007199254740993 } }\n  - { name: c, when: { type: "42" } }\n`,
    'big.yaml',
  );
  assert.deepEqual(
    layout.messages.map((m) => m.when),
    [{ type: 2n ** 64n - 1n, id: 2n ** 63n + 1n }, { type: 2n ** 53n + 1n }, { type: 42n }],
  );
});

test('layouts: every layout in protocols/ loads without errors', () => {
  const dir = fileURLToPath(new URL('../../../protocols/', import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.includes('longtest.yaml') && files.includes('echo.yaml'), `protocols/ holds ${files.join(', ')}`);
  for (const f of files) loadLayoutFile(`${dir}${f}`);
});
