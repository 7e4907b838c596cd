import { expect, test } from 'vitest';
import { hexLines, hexText, parseHex } from '../src/lib/hex-dump.ts';
import { fieldRange, findNode, nodeLabel, rawTree, treeColumns } from '../src/lib/field-tree.ts';
import type { FieldNodeJson } from '../../electron/shared/studio-api.ts';

test('hex lines: 16 bytes a line, offsets in hex, ASCII with dots', () => {
  const bytes = Uint8Array.from({ length: 40 }, (_, i) => (i < 32 ? 0 : 0x41 + i - 32));
  const lines = hexLines(bytes);
  expect(lines.map((l) => l.offset)).toEqual(['000000', '000010', '000020']);
  expect(lines[2]!.cells.map((c) => c.ascii).join('')).toBe('ABCDEFGH');
  expect(lines[0]!.cells[0]!.ascii).toBe('.');
  expect(lines[0]!.cells.every((c) => c.header)).toBe(true);
  expect(lines[2]!.cells.some((c) => c.header)).toBe(false);
});

test('a half-width dump (two side by side) has 8 bytes a line', () => {
  const lines = hexLines(new Uint8Array(20), undefined, [], 8);
  expect(lines.map((l) => [l.offset, l.cells.length])).toEqual([
    ['000000', 8],
    ['000008', 8],
    ['000010', 4],
  ]);
});

test('hex lines highlight exactly the bytes of the selected field', () => {
  const lines = hexLines(new Uint8Array(48), { offset: 30, size: 4 });
  const lit = lines
    .flatMap((l) => l.cells)
    .filter((c) => c.highlighted)
    .map((c) => c.at);
  expect(lit).toEqual([30, 31, 32, 33]);
});

test('hex text parses with spaces, refuses odd digits and non-hex', () => {
  expect(Array.from(parseHex('01 ff\n0A')!)).toEqual([1, 255, 10]);
  expect(parseHex('')!.length).toBe(0);
  expect(parseHex('abc')).toBeNull();
  expect(parseHex('zz')).toBeNull();
  expect(hexText(Uint8Array.of(0, 171))).toBe('00 ab');
});

const tree: FieldNodeJson[] = [
  {
    name: 'header',
    path: 'header',
    offset: 0,
    size: 32,
    type: 'header',
    children: [{ name: 'id', path: 'header.id', offset: 16, size: 8, type: 'u64', value: '7' }],
  },
  {
    name: 'data',
    path: 'data',
    offset: 32,
    size: 10,
    type: 'reading',
    children: [
      { name: 'temp', path: 'data.temp', offset: 32, size: 2, type: 's16', value: 21 },
      {
        name: 'points',
        path: 'data.points',
        offset: 34,
        size: 8,
        type: 'array',
        children: [{ name: '[1]', path: 'data.points[1]', offset: 38, size: 4, type: 'u32', value: 3 }],
      },
    ],
  },
];

test('a field is found by its path, array elements included', () => {
  expect(findNode(tree, 'data.points[1]')?.offset).toBe(38);
  expect(findNode(tree, 'data.temp')?.size).toBe(2);
  expect(findNode(tree, 'data.nothing')).toBeUndefined();
});

test('field ranges: decoded fields, header fields of undecoded messages, the whole data', () => {
  expect(fieldRange(tree, 'data.temp', 42)).toEqual({ offset: 32, size: 2 });
  expect(fieldRange([], 'header.type', 40)).toEqual({ offset: 8, size: 8 });
  expect(fieldRange([], 'data', 40)).toEqual({ offset: 32, size: 8 });
  expect(fieldRange(tree, undefined, 42)).toBeUndefined();
});

test('an undecoded message still has a tree of its header and data', () => {
  const t = rawTree({ length: '5', type: '1', id: '2', userValue: '3' });
  expect(findNode(t, 'header.user_value')).toMatchObject({ offset: 24, size: 8, value: '3' });
  expect(findNode(t, 'data')).toMatchObject({ offset: 32, size: 5 });
});

test("the tree's name and type columns fit the widest name with its indent and the widest type, aliases included", () => {
  const leaf = (name: string, type: string, alias?: string): FieldNodeJson => ({
    name,
    path: name,
    offset: 0,
    size: 1,
    type,
    ...(alias ? { alias } : {}),
  });
  const nested: FieldNodeJson[] = [
    { ...leaf('header', 'header'), children: [leaf('user_value', 'u64', 'sent_ns'), leaf('type', 'u64', 'type')] },
    { ...leaf('data', 'sample'), children: [{ ...leaf('acceleration', 'vector'), children: [leaf('x', 's24')] }] },
  ];
  expect(nodeLabel(nested[0]!.children![0]!)).toBe('user_value (sent_ns)');
  expect(nodeLabel(nested[0]!.children![1]!)).toBe('type');
  // "user_value (sent_ns)" is 20 characters, one level in (2): 22; "acceleration" one level in: 14.
  expect(treeColumns(nested)).toEqual({ name: 22, type: 6 });
  expect(treeColumns([leaf('n'.repeat(100), 't'.repeat(100))])).toEqual({ name: 40, type: 20 });
});
