// A script's layout on its own: the header sendDecoded builds and what it
// refuses, before anything is sent.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ScriptProtocol } from './script-protocol.ts';

const greeter = ScriptProtocol.load(fileURLToPath(new URL('./fixtures/greeter.yaml', import.meta.url)));

test('sendDecoded fills in the header value that selects the kind and keeps the rest', () => {
  assert.deepEqual(greeter.header('answer', { id: 9n, userValue: 4 }), { type: 2n, id: 9n, userValue: 4 });
  assert.deepEqual(greeter.header('problem', { type: 3 }), { type: 3n });
});

test('a header value that would select another kind, or an unknown kind, is refused by name', () => {
  assert.throws(
    () => greeter.header('answer', { type: 1n }),
    /^EncodeError: header\.type: 1 does not select message kind answer of greeter \(it needs 2\)$/,
  );
  assert.throws(
    () => greeter.encode('goodbye', {}),
    /^EncodeError: kind: no message kind "goodbye" in greeter \(hello, answer, problem\)$/,
  );
});

test('encode gives the data bytes of a kind, length prefixes included', () => {
  assert.deepEqual([...greeter.encode('hello', { count: 258, name: 'Al' })], [2, 1, 2, 0x41, 0x6c]);
});
