import { expect, test } from 'vitest';
import type { FieldSchemaJson } from '../../electron/shared/studio-api.ts';
import {
  computedFields,
  defaultStruct,
  flagIsSet,
  intError,
  resizable,
  typeLabel,
  withFlag,
} from '../src/lib/form-values.ts';

const fields: FieldSchemaJson[] = [
  { name: 'n', kind: 'int', type: 'u8', bits: 8, signed: false },
  {
    name: 'mode',
    kind: 'int',
    type: 'u8',
    bits: 8,
    signed: false,
    enum: [
      { value: '0', name: 'off' },
      { value: '1', name: 'on' },
    ],
  },
  {
    name: 'ctl',
    kind: 'int',
    type: 'u16',
    bits: 16,
    signed: false,
    subfields: [
      { name: 'a', at: 0, width: 4 },
      { name: 'b', at: 4, width: 2, enum: [{ value: '2', name: 'two' }] },
    ],
  },
  { name: 'temp', kind: 'float', type: 'f32', bits: 32 },
  { name: 'ok', kind: 'bool', type: 'bool' },
  { name: 'mac', kind: 'bytes', type: 'bytes', size: { fixed: 3 } },
  { name: 'label', kind: 'string', type: 'string', size: { prefix: true } },
  { name: 'xs', kind: 'int', type: 's16', bits: 16, signed: true, count: { fixed: 2 } },
  {
    name: 'points',
    kind: 'struct',
    type: 'point',
    count: { field: 'n' },
    fields: [{ name: 'x', kind: 'int', type: 'u8', bits: 8, signed: false }],
  },
  { name: 'pos', kind: 'struct', type: 'position', fields: [{ name: 'x', kind: 'float', type: 'f64', bits: 64 }] },
  { name: 'serial', kind: 'int', type: 'u48be', bits: 48, signed: false },
  {
    name: 'options',
    kind: 'int',
    type: 'u8',
    bits: 8,
    signed: false,
    flags: [
      { value: '0', name: 'enabled' },
      { value: '1', name: 'interrupt' },
      { value: '2', name: 'fifo' },
    ],
  },
];

test('a form starts with a value for every field, in the form encode takes', () => {
  expect(defaultStruct(fields)).toEqual({
    mode: 'off',
    ctl: { a: '0', b: 'two' },
    temp: '0',
    ok: false,
    mac: '000000',
    label: '',
    xs: ['0', '0'],
    points: [],
    pos: { x: '0' },
    serial: '0',
    options: '0',
  });
});

test('a length field another field names is left to the encoder', () => {
  expect(computedFields(fields)).toEqual(new Set(['n']));
  expect('n' in defaultStruct(fields)).toBe(false);
});

test('only arrays of variable count can grow and shrink', () => {
  expect(resizable(fields[8]!)).toBe(true);
  expect(resizable(fields[7]!)).toBe(false);
  expect(resizable(fields[0]!)).toBe(false);
});

test('type labels name the type as the detail pane does: big-endian integers and struct names included', () => {
  expect(fields.map(typeLabel)).toEqual([
    'u8',
    'u8 enum',
    'u16',
    'f32',
    'bool',
    'bytes[3]',
    'string',
    's16[2]',
    'point[]',
    'position',
    'u48be',
    'u8 flags',
  ]);
});

test('a flag is set and cleared in the number, keeping the other bits however the number was written', () => {
  expect(flagIsSet('0x5', '2')).toBe(true);
  expect(flagIsSet('0x5', '1')).toBe(false);
  expect(flagIsSet('not a number', '0')).toBe(false);
  expect(withFlag('0x81', '1', true)).toBe('131');
  expect(withFlag('131', '7', false)).toBe('3');
  expect(withFlag('', '3', true)).toBe('8');
});

test('integers are checked against their width and sign before sending', () => {
  expect(intError({ bits: 8, signed: false }, '255')).toBeNull();
  expect(intError({ bits: 8, signed: false }, '0xff')).toBeNull();
  expect(intError({ bits: 8, signed: false }, '256')).toMatch(/out of range for u8 \(0\.\.255\)/);
  expect(intError({ bits: 8, signed: true }, '-129')).toMatch(/s8/);
  expect(intError({ bits: 64, signed: false }, '18446744073709551615')).toBeNull();
  expect(intError({ bits: 64, signed: false }, '18446744073709551616')).toMatch(/out of range/);
  expect(intError({ bits: 16 }, '12a')).toMatch(/expected an integer/);
});
