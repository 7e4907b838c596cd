import { expect, test } from 'vitest';
import type { FieldNodeJson } from '../../electron/shared/studio-api.ts';
import { cArrayOf, filterForField, nodeAt, treeJson } from '../src/lib/message-copy.ts';

const leaf = (path: string, type: string, value: unknown, offset = 32, size = 1): FieldNodeJson => ({
  name: path.split('.').pop()!,
  path,
  offset,
  size,
  type,
  value,
});

test("a field's filter compares its value as the filter reads it: u64s as numbers, enum names and text quoted", () => {
  expect(filterForField(leaf('header.type', 'u64', '5'))).toBe('type == 5');
  expect(filterForField(leaf('data.sensor', 'u8', 'humidity'))).toBe('data.sensor == "humidity"');
  expect(filterForField(leaf('data.x', 's24', -5))).toBe('data.x == -5');
  expect(filterForField(leaf('data.label', 'string', '12'))).toBe('data.label == "12"');
  expect(filterForField(leaf('data.ok', 'bool', true))).toBe('data.ok == true');
  expect(filterForField(leaf('data.blob', 'bytes', 'dead'))).toBeUndefined();
});

test("a byte's field is the deepest holding it; an integer's bit fields give way to the integer", () => {
  const control: FieldNodeJson = {
    ...leaf('data.control', 'u16', 0, 35, 2),
    children: [leaf('data.control.power', 'bit', 0, 35, 2), leaf('data.control.range', 'bits2', 'g2', 35, 2)],
  };
  const tree: FieldNodeJson[] = [
    { name: 'data', path: 'data', offset: 32, size: 5, type: 'x', children: [leaf('data.a', 'u8', 1, 32, 3), control] },
  ];
  expect(nodeAt(tree, 33)?.path).toBe('data.a');
  expect(nodeAt(tree, 36)?.path).toBe('data.control');
  expect(nodeAt(tree, 40)).toBeUndefined();
});

test('a message as a C array and as JSON', () => {
  expect(cArrayOf(Uint8Array.of(1, 255))).toBe('const unsigned char message[2] = {\n\t0x01, 0xff,\n};\n');
  const arr: FieldNodeJson = {
    ...leaf('data.v', 'array', undefined),
    children: [leaf('data.v[0]', 'u8', 7), leaf('data.v[1]', 'u8', 8)].map((n, i) => ({ ...n, name: `[${i}]` })),
  };
  expect(treeJson([{ ...leaf('data', 'k', undefined), children: [arr] }])).toEqual({ data: { v: [7, 8] } });
});
