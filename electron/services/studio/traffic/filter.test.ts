// The filter language as a user types it: what matches, and where a bad
// expression is wrong.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileFilter, FilterError, type FilterRow, type FilterValue, type HeaderName } from './filter.ts';

interface Row {
  type: bigint;
  id: bigint;
  user_value?: bigint;
  direction?: 'rx' | 'tx';
  kind?: string;
  data?: Record<string, unknown>;
}

function rowOf(r: Row): FilterRow {
  return {
    header: (name: HeaderName): FilterValue =>
      ({
        type: r.type,
        id: r.id,
        user_value: r.user_value ?? 0n,
        length: 0,
        direction: r.direction ?? 'rx',
        target: 'demo:echo',
        kind: r.kind,
        time: 0n,
      })[name],
    data: (path) => {
      let v: unknown = r.data;
      for (const step of path) v = v === undefined ? undefined : (v as Record<string | number, unknown>)[step];
      return v as FilterValue;
    },
  };
}

const rows: Row[] = [
  { type: 1n, id: 1n, data: { temp: 25, state: 'RUNNING', points: [{ x: 0 }, { x: 3 }] } },
  { type: 1n, id: 2n, data: { temp: 15, state: 'IDLE', points: [] } },
  { type: 2n, id: 3n, direction: 'tx', kind: 'ping' },
  { type: (1n << 64n) - 1n, id: 4n, user_value: 7n },
];

function ids(expression: string): number[] {
  const f = compileFilter(expression);
  return rows.filter((r) => f.test(rowOf(r))).map((r) => Number(r.id));
}

describe('filter expressions', () => {
  const cases: Array<[string, number[]]> = [
    ['type == 1 && data.temp > 20', [1]],
    ['type == 1 || type == 2', [1, 2, 3]],
    ['!(type == 1)', [3, 4]],
    ['type == 1 && !(data.temp > 20)', [2]],
    ['direction == "tx"', [3]],
    ["kind == 'ping'", [3]],
    ['data.state == "RUNNING"', [1]],
    ['data.points[1].x >= 3', [1]],
    ['type == 0xffffffffffffffff && user_value == 7', [4]],
    ['type == 18446744073709551615', [4]],
    ['id >= 2 && id <= 3', [2, 3]],
    ['(id < 2 || id > 3) && type != 2', [1, 4]],
    ['data.temp > 15.5', [1]],
    ['header.type == 2', [3]],
    ['userValue == 7', [4]],
    ['data.temp', [1, 2]],
    ['data.missing > 0', []],
    ['!(data.missing > 0)', [1, 2, 3, 4]],
    ['true', [1, 2, 3, 4]],
    ['1 < id', [2, 3, 4]],
  ];
  for (const [expression, expected] of cases)
    test(`${expression} matches ids ${expected.join(', ') || 'none'}`, () =>
      assert.deepEqual(ids(expression), expected));
});

describe('filter errors say where', () => {
  const cases: Array<[string, number, string]> = [
    ['type == 1 && && id', 13, 'expected a field, a number or a string, found "&&"'],
    ['type = 1', 5, 'unexpected character "=" (compare with ==)'],
    ['type == 1 & id == 2', 10, 'unexpected character "&" (use &&)'],
    ['(type == 1', 10, 'expected ")" to close the "(" at position 0, found the end of the expression'],
    ['type == 1)', 9, 'this ")" closes nothing'],
    [
      'temp > 20',
      0,
      'unknown field "temp": use type, id, user_value, length, direction, target, kind, time, or data.FIELD for a decoded field',
    ],
    ['data > 1', 0, 'expected a decoded field after "data", e.g. data.temp'],
    ['data.points[x] == 1', 12, 'expected an array index (0, 1, ...) after "[", found "x"'],
    ['direction == "rx', 13, 'this string has no closing "'],
    ['direction < "rx"', 10, '< compares numbers; "rx" can only be compared with == or !='],
    ['type == 12abc', 8, '"12abc" is not a number'],
    ['type ==', 7, 'expected a field, a number or a string, found the end of the expression'],
    ['type == 1 id == 2', 10, 'expected && or || or the end, found "id"'],
    ['42', 2, 'expected a comparison (==, !=, <, <=, >, >=) after "42", found the end of the expression'],
    ['   ', 0, 'the expression is empty'],
  ];
  for (const [expression, position, message] of cases)
    test(`${JSON.stringify(expression)}: position ${position}`, () => {
      const err = (() => {
        try {
          compileFilter(expression);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(err instanceof FilterError, `expected a FilterError for ${expression}`);
      assert.deepEqual([err.position, err.reason], [position, message]);
      assert.ok(
        err.message.includes(`\n  ${expression}\n  ${' '.repeat(position)}^`),
        'the message points at the position',
      );
    });
});
