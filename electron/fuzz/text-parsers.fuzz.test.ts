// Property tests of the text parsers: the layout loader and the traffic
// filter. Whatever the text, each returns its result or throws its own error
// with a place (line and column, or position) inside the text: never another
// exception, never a hang, never a stack overflow.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { LayoutLoadError, loadLayoutText } from '../services/protocol/loader.ts';
import { compileFilter, FilterError, type FilterRow } from '../services/studio/traffic/filter.ts';
import { fuzz } from './fuzz.ts';

const layoutDirs = [
  new URL('../../protocols/', import.meta.url),
  new URL('../services/protocol/testdata/', import.meta.url),
];
const layouts = layoutDirs.flatMap((dir) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.yaml'))
    .map((n) => readFileSync(fileURLToPath(new URL(n, dir)), 'utf8')),
);

const YAML_TOKENS = [
  '',
  '-1',
  '0',
  '99999999999999999999999',
  '1.5',
  'u8',
  'u64',
  'i128',
  'string',
  'bytes',
  'rest',
  '[',
  ']',
  '{',
  '}',
  '*a',
  '&a',
  '!!binary',
  'null',
  '~',
  '0x',
  '"',
  "'",
  ':',
  '- ',
  '  ',
  '\t',
  '#',
  'count: 3',
  'size: length',
];

/** A shipped layout with one line deleted, duplicated, re-indented, or its value replaced. */
const brokenLayout = fc
  .record({
    text: fc.constantFrom(...layouts),
    line: fc.nat(),
    how: fc.constantFrom('delete', 'duplicate', 'value', 'indent', 'insert'),
    token: fc.oneof(fc.constantFrom(...YAML_TOKENS), fc.string({ maxLength: 12 })),
  })
  .map(({ text, line, how, token }) => {
    const lines = text.split('\n');
    const i = line % lines.length;
    const l = lines[i]!;
    if (how === 'delete') lines.splice(i, 1);
    else if (how === 'duplicate') lines.splice(i, 0, l);
    else if (how === 'indent') lines[i] = `${token.replace(/\S/g, ' ')} ${l}`;
    else if (how === 'insert') lines.splice(i, 0, token);
    else lines[i] = l.includes(':') ? `${l.slice(0, l.indexOf(':') + 1)} ${token}` : token;
    return lines.join('\n');
  });

test('fuzz: the layout loader returns a layout or a LayoutLoadError placing each error in the text', async () => {
  await fuzz(
    'layout-loader',
    fc.oneof(brokenLayout, fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 200 })),
    (text) => {
      try {
        loadLayoutText(text, 'fuzz.yaml');
      } catch (err) {
        if (!(err instanceof LayoutLoadError)) throw err;
        const lineCount = text.split('\n').length;
        assert.ok(err.errors.length > 0, 'a LayoutLoadError with no errors');
        for (const e of err.errors) {
          assert.ok(
            e.line >= 1 && e.line <= lineCount + 1 && e.column >= 1,
            `error placed outside the text: ${e.line}:${e.column} (${lineCount} lines): ${e.message}`,
          );
          assert.ok(e.message.length > 0, 'an error without a message');
        }
      }
    },
  );
});

const FILTER_TOKENS = [
  'type',
  'id',
  'user_value',
  'userValue',
  'direction',
  'target',
  'kind',
  'time',
  'length',
  'header',
  'data',
  'x',
  'points',
  '.',
  '[',
  ']',
  '0',
  '1',
  '-1',
  '0xff',
  '1.5e3',
  '18446744073709551616',
  '(',
  ')',
  '!',
  '&&',
  '||',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '"rx"',
  "'tx'",
  '"\\"',
  'true',
  'false',
  ' ',
  '&',
  '|',
  '=',
];

/** Token soup from the filter's own vocabulary, plus nests deep enough to meet the depth limit. */
const filterText = fc.oneof(
  fc.array(fc.constantFrom(...FILTER_TOKENS), { maxLength: 30 }).map((t) => t.join('')),
  fc.array(fc.constantFrom(...FILTER_TOKENS), { maxLength: 30 }).map((t) => t.join(' ')),
  fc
    .record({ depth: fc.integer({ min: 1, max: 3000 }), open: fc.constantFrom('(', '!', '!(') })
    .map(({ depth, open }) => `${open.repeat(depth)}type == 1`),
  fc.string({ maxLength: 60 }),
);

const row: FilterRow = {
  header: (name) =>
    ({
      type: 1n,
      id: 2n,
      user_value: 3n,
      length: 4n,
      direction: 'rx',
      target: 'demo:echo',
      kind: 'ping',
      time: 5n,
      malformed: false,
    })[name],
  data: (p) => (p[0] === 'x' ? 1.5 : p[0] === 'points' ? new Uint8Array([1]) : p[0] === 'name' ? 'a' : undefined),
};

test('fuzz: the traffic filter compiles or throws a FilterError at a position inside the expression; a compiled filter tests a row without throwing', async () => {
  await fuzz('filter', filterText, (text) => {
    let compiled;
    try {
      compiled = compileFilter(text);
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      assert.ok(
        err.position >= 0 && err.position <= text.length,
        `position ${err.position} outside the ${text.length}-character expression`,
      );
      return;
    }
    assert.equal(typeof compiled.test(row), 'boolean');
  });
});
