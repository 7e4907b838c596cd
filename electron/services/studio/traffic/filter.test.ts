// The filter language as a user types it: what matches, and where a bad
// expression is wrong.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadLayoutFile } from '../../protocol/loader.ts';
import { PROTOCOLS_DIR } from '../protocols.ts';
import {
  compileFilter,
  FilterError,
  HEADER_NAMES,
  type FilterRow,
  type FilterValue,
  type HeaderName,
} from './filter.ts';
import { FilterVocabulary } from './filter-vocabulary.ts';

interface Row {
  type: bigint;
  id: bigint;
  user_value?: bigint;
  direction?: 'rx' | 'tx';
  kind?: string;
  malformed?: boolean;
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
        malformed: r.malformed ?? false,
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
  { type: 2n, id: 3n, direction: 'tx', kind: 'ping', malformed: true },
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
    ['malformed', [3]],
    ['!malformed && type == 1', [1, 2]],
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
      'unknown field "temp": use type, id, user_value, length, direction, target, kind, time, malformed, or data.FIELD for a decoded field',
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

describe('filters checked against the layouts the Studio knows (the shipped ones)', () => {
  const vocabulary = new FilterVocabulary(
    ['echo', 'telemetry', 'longtest'].map((p) => loadLayoutFile(path.join(PROTOCOLS_DIR, `${p}.yaml`))),
  );
  const refusal = (expression: string): [number, string] => {
    try {
      compileFilter(expression, vocabulary);
    } catch (e) {
      assert.ok(e instanceof FilterError, `expected a FilterError for ${expression}`);
      return [e.position, e.reason];
    }
    throw new Error(`${expression} was accepted`);
  };
  const kinds = (expression: string, values: Array<{ kind?: string; type?: bigint; sensor?: string }>) => {
    const f = compileFilter(expression, vocabulary);
    return values.filter((v) =>
      f.test({
        header: (name) => (name === 'kind' ? v.kind : name === 'type' ? v.type : undefined),
        data: (p) => (p[0] === 'sensor' ? v.sensor : undefined),
      }),
    );
  };

  test('an enum name needs no quotes where the other side is an enum-typed field: kind, a header or data enum', () => {
    const msgs = [
      { kind: 'configure', type: 3n, sensor: 'humidity' },
      { kind: 'sample', type: 5n },
    ];
    assert.deepEqual(kinds('kind == configure', msgs), [msgs[0]]);
    assert.deepEqual(kinds('configure != kind', msgs), [msgs[1]]);
    assert.deepEqual(kinds('type == sample', msgs), [msgs[1]], 'the header enum name stands for its number');
    assert.deepEqual(kinds('data.sensor == humidity', msgs), [msgs[0]]);
  });

  test('a bare word anywhere else is an error saying what it could mean', () => {
    assert.deepEqual(refusal('id == configure'), [
      6,
      '"configure" is not a field; it is a message kind (kind == NAME), or a name of enum kind in telemetry: write "configure" in quotes for a string, or compare it with a field (kind == NAME, data.FIELD == NAME)',
    ]);
    assert.match(refusal('temperature')[1], /it is a name of enum sensor in telemetry, or the field data\.temperature/);
    assert.deepEqual(refusal('kind == configur'), [
      8,
      '"configur" is not one of the message kinds: any, get_info, info, configure, configured, sample, event, random, sequence',
    ]);
    assert.match(
      refusal('kind < configure')[1],
      /< compares numbers; the name configure can only be compared with == or !=/,
    );
  });

  test('a field no layout has is an error at the field, not a silent "matches nothing"', () => {
    assert.deepEqual(refusal('id > 3 && data.temprature > 20'), [10, 'no layout has a field data.temprature']);
    assert.deepEqual(refusal('data.acceleration.w == 0'), [0, 'no layout has a field data.acceleration.w']);
    for (const known of [
      'data.acceleration.x < 0',
      'data.aux_mv[3] == 4',
      'data.control.range == g4',
      'data.temperature',
    ])
      assert.doesNotThrow(() => compileFilter(known, vocabulary), known);
  });

  test('the filter box completes header fields, data paths and enum names', () => {
    const words = vocabulary.completions(HEADER_NAMES);
    for (const f of ['kind', 'type', 'data.acceleration.x', 'data.aux_mv[0]', 'data.control.range', 'data.payload'])
      assert.ok(words.fields.includes(f), `${f} is not offered`);
    assert.deepEqual(words.values['data.sensor'], ['none', 'temperature', 'humidity', 'pressure', 'accelerometer']);
    assert.ok(words.values['kind']?.includes('configure'));
  });
});
