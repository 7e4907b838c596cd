// The compiled codec treats a layout's text as hostile: names that are not
// layout names are refused (never spliced into generated code), and every
// other string (enum names, kind names) is data, not code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileCodec, UnsafeLayoutError } from './compiled.ts';
import { decodeMessage } from './decode.ts';
import { encodeMessage } from './encode.ts';
import type { Layout } from './layout.ts';
import { loadLayoutText } from './loader.ts';

const base = (): Layout =>
  loadLayoutText(
    'protocol: p\nenums: { e: { 1: one } }\nmessages:\n  - name: m\n    when: { type: 1 }\n    fields:\n      - { name: a, type: u8, enum: e }\n      - { name: b, type: u16 }\n',
    'p.yaml',
  );

test('compiled codec: a field name that is not a layout name (made past the loader) is refused, not compiled', () => {
  for (const hostile of [
    'a"]; globalThis.pwned = 1; //',
    'constructor() { globalThis.pwned = 1 }',
    '__proto__',
    'a\u2028b',
    'A',
  ]) {
    const layout = base();
    const field = layout.messages[0]?.struct.fields[1];
    assert.ok(field);
    field.name = hostile;
    assert.throws(() => compileCodec(layout), UnsafeLayoutError, hostile);
    assert.equal((globalThis as { pwned?: number }).pwned, undefined);
  }
});

test('compiled codec: hostile enum and kind names are values, decoded as the reference decodes them', () => {
  const layout = base();
  const hostile = "'); globalThis.pwned = 1; ('\\`${x}`";
  const entry = layout.enums.get('e')?.entries[0];
  assert.ok(entry && layout.messages[0]);
  entry.name = hostile;
  layout.messages[0].name = `${hostile} kind`;
  const message = encodeMessage(layout, { type: 1n, id: 0n, user_value: 0n }, { a: 1, b: 513 });
  const compiled = compileCodec(layout).decodeMessage(message);
  assert.deepEqual(compiled.data, { a: hostile, b: 513 });
  assert.equal(compiled.kind, `${hostile} kind`);
  assert.deepEqual(compiled.data, decodeMessage(layout, message).data);
  assert.equal((globalThis as { pwned?: number }).pwned, undefined);
});

test('compiled codec: a message that does not fit gets the reference error (field and offset); encoding refusals are the reference EncodeError', () => {
  const layout = base();
  const codec = compileCodec(layout);
  const whole = encodeMessage(layout, { type: 1n, id: 0n, user_value: 0n }, { a: 1, b: 2 });
  const cut = whole.slice(0, 34);
  new DataView(cut.buffer).setBigUint64(0, 2n, true);
  assert.equal(
    codec.decodeMessage(cut).error?.message,
    'data.b at offset 33: expected u16 (2 bytes), but only 1 byte left',
  );
  assert.equal(codec.decodeDataFast(0, cut.subarray(32)), undefined);
  assert.throws(() => codec.encodeData('m', { a: 'two', b: 1 }), /data\.a: "two" is not in enum e/);
});
