// The traffic store at the sizes the Studio promises: a million rows fetched
// by window and filtered, the last of ten million still reachable, and
// memory that grows by a few dozen bytes a row, not by an object each.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import path from 'node:path';
import { decodeData } from '../../protocol/decode.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import { loadLayoutFile } from '../../protocol/loader.ts';
import { TELEMETRY_EXAMPLES } from '../../protocol/testdata/telemetry-examples.ts';
import { PROTOCOLS_DIR } from '../protocols.ts';
import { StudioService } from '../studio-service.ts';

const service = new StudioService({ mode: 'serve' });
after(() => service.close());

const EMPTY = new Uint8Array(0);
const FOUR = new Uint8Array([1, 2, 3, 4]);

/** Appends rows n .. n+count: id = row number, type = row % 7, rx/tx alternating. */
function fill(from: number, count: number, data: Uint8Array): void {
  const target = service.store.targetIndex('demo:echo');
  for (let i = from; i < from + count; i++)
    service.store.appendFields(target, i % 2 ? 'tx' : 'rx', BigInt(i) * 1000n, BigInt(i % 7), BigInt(i), 0n, data);
}

describe('a million rows', () => {
  const N = 1_000_000;
  let bytesPerRow = 0;

  test('stored compactly: under 64 bytes a row with 4 data bytes each', () => {
    const before = process.memoryUsage();
    fill(0, N, FOUR);
    const grown = process.memoryUsage();
    bytesPerRow = (grown.arrayBuffers - before.arrayBuffers + (grown.heapUsed - before.heapUsed)) / N;
    assert.equal(service.store.total, N);
    assert.ok(bytesPerRow < 64, `${bytesPerRow.toFixed(1)} bytes a row`);
  });

  test('any window comes back with the right rows (first, middle, last)', async () => {
    for (const start of [0, N / 2, N - 3]) {
      const w = await service.handlers.window({ view: 'all', start, count: 3 });
      assert.equal(w.total, N);
      assert.deepEqual(
        w.rows.map((r) => [r.row, r.id, r.type, r.direction, r.target, r.length]),
        [0, 1, 2].map((k) => [
          start + k,
          String(start + k),
          String((start + k) % 7),
          (start + k) % 2 ? 'tx' : 'rx',
          'demo:echo',
          4,
        ]),
      );
    }
  });

  test('a window past the end is short, not an error', async () => {
    const w = await service.handlers.window({ view: 'all', start: N - 2, count: 100 });
    assert.deepEqual(
      w.rows.map((r) => r.row),
      [N - 2, N - 1],
    );
  });

  test('a filter over them finds exactly the matching rows, in order', async () => {
    const f = await service.handlers.setFilter({ expression: 'type == 3 && direction == "tx" && id > 999000' });
    const expected: number[] = [];
    for (let i = 999_001; i < N; i++) if (i % 7 === 3 && i % 2 === 1) expected.push(i);
    assert.equal(f.total, expected.length);
    const w = await service.handlers.window({ view: f.view, start: 0, count: 5000 });
    assert.deepEqual(
      w.rows.map((r) => r.row),
      expected,
    );
  });

  test('the detail of a row has its bytes', async () => {
    const d = await service.handlers.detail({ row: 123_456 });
    assert.equal(
      Buffer.from(d.bytes, 'base64').toString('hex'),
      `0400000000000000${(123_456 % 7).toString(16).padStart(2, '0')}00000000000000${Buffer.from(new BigUint64Array([123_456n]).buffer).toString('hex')}000000000000000001020304`,
    );
  });
});

describe('ten million rows', () => {
  test('the last row is reachable by window', async () => {
    const N = 10_000_000;
    fill(service.store.total, N - service.store.total, EMPTY);
    const w = await service.handlers.window({ view: 'all', start: N - 1, count: 1 });
    assert.deepEqual([w.total, w.rows.length, w.rows[0]?.id, w.rows[0]?.row], [N, 1, String(N - 1), N - 1]);
  });

  test('clear forgets them all', async () => {
    assert.deepEqual(await service.handlers.clear({}), { total: 0 });
    assert.equal((await service.handlers.window({ view: 'all', start: 0, count: 10 })).rows.length, 0);
  });
});

describe('messages the layout refuses', () => {
  test('filters on a data field read what the codec decodes; `malformed` finds the messages it refuses', async () => {
    await service.handlers.clear({});
    await service.handlers.setProtocol({ target: 'demo:echo', protocol: 'telemetry' });
    const telemetry = loadLayoutFile(path.join(PROTOCOLS_DIR, 'telemetry.yaml'));
    const sample = (temperature: number): Uint8Array =>
      encodeMessage(
        telemetry,
        { type: 5n, id: 0n, user_value: 0n },
        { ...TELEMETRY_EXAMPLES.sample, temperature },
        'sample',
      ).subarray(32);
    const target = service.store.targetIndex('demo:echo');
    // Row 0 good (25 °C), 1 good (35 °C), 2 cut short in aux_mv, 3 one byte too long, 4 of no kind, 5 good (40 °C).
    const rows: Array<[bigint, Uint8Array]> = [
      [5n, sample(25)],
      [5n, sample(35)],
      [5n, sample(45).subarray(0, 35)],
      [5n, Uint8Array.from([...sample(50), 0])],
      [99n, sample(55)],
      [5n, sample(40)],
    ];
    rows.forEach(([type, data], i) => service.store.appendFields(target, 'rx', BigInt(i), type, BigInt(i), 0n, data));

    // A refused message has the fields decoded before the refusal (rows 2 and 3); !malformed leaves them out.
    const matching = async (expression: string): Promise<number[]> => {
      const f = await service.handlers.setFilter({ expression });
      return (await service.handlers.window({ view: f.view, start: 0, count: 10 })).rows.map((r) => r.row);
    };
    assert.deepEqual(await matching('data.temperature > 30'), [1, 2, 3, 5]);
    assert.deepEqual(await matching('data.temperature > 30 && !malformed'), [1, 5]);

    // `malformed` is the codec's verdict: exactly the rows it refuses.
    const refused = rows.flatMap(([type, data], row) =>
      decodeData(telemetry, { length: BigInt(data.length), type, id: BigInt(row), user_value: 0n }, data).error
        ? [row]
        : [],
    );
    assert.deepEqual(refused, [2, 3, 4]);
    assert.deepEqual(await matching('malformed'), refused);
  });
});
