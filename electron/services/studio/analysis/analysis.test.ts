// The traffic analysis through the Studio API, over rows of the telemetry
// protocol put in the live store: requests paired with their replies (and
// the table's "reply in" / "request in" marks), unanswered requests only of
// kinds that get replies, the latency summary, malformed and suspicious
// messages in the table and in the expert info, statistics of a view, field
// plots, and everything forgotten when the store is cleared.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Message } from '../../../shared/message.ts';
import { StudioService } from '../studio-service.ts';
import { GET_INFO, configured, message, sample } from './testdata/telemetry-traffic.ts';

const TARGET = 'demo:echo';
const service = new StudioService({ mode: 'serve' });
after(() => service.close());
const h = service.handlers;

/** Ten seconds ago: old enough for any request without a reply to count as unanswered. */
const T0 = (BigInt(Date.now()) - 10_000n) * 1_000_000n;
const ms = (n: number): bigint => T0 + BigInt(n) * 1_000_000n;

function put(...messages: Message[]): void {
  service.trafficArea.ingest(TARGET, messages);
}

/** The table's marks of the first rows, each as the row shows them. */
async function rows(count = 9) {
  return h.rowMarks({ rows: Array.from({ length: count }, (_, i) => i) });
}

before(async () => {
  await h.setProtocol({ target: TARGET, protocol: 'telemetry' });
  await h.replyTimeout({ ms: 1000 });
  put(
    message('tx', ms(0), GET_INFO, 7n), // 0: request, answered by 2
    sample(ms(1), 0, 21.5), // 1: unsolicited
    message('rx', ms(3), GET_INFO, 7n), // 2: its echo: the reply, 3 ms later
    message('tx', ms(4), GET_INFO, 8n), // 3: never answered
    configured(ms(5), 9n, 0, 5), // 4: one byte short
    configured(ms(6), 10n, 9), // 5: result 9 has no name
    sample(ms(7), 1, 23.25), // 6
    message('tx', ms(8), GET_INFO, 11n), // 7: answered 11 ms later
    message('rx', ms(19), GET_INFO, 11n), // 8
  );
});

describe('request/reply pairing', () => {
  test('a request shows its reply and the round trip, the reply its request', async () => {
    const r = await rows();
    assert.deepEqual(r[0]!.pair, { role: 'request', row: 2, rttNs: '3000000' });
    assert.deepEqual(r[2]!.pair, { role: 'reply', row: 0, rttNs: '3000000' });
    assert.deepEqual(r[7]!.pair, { role: 'request', row: 8, rttNs: '11000000' });
  });

  test('a request without a reply past the timeout is unanswered; an unsolicited sample is not', async () => {
    const r = await rows();
    assert.deepEqual(r[3]!.pair, { role: 'request', unanswered: true });
    assert.equal(r[1]!.pair, undefined);
    assert.equal(r[6]!.pair, undefined);
  });

  test('a longer timeout than its wait leaves a request unflagged', async () => {
    await h.replyTimeout({ ms: 3_600_000 });
    try {
      assert.equal((await rows())[3]!.pair, undefined);
    } finally {
      await h.replyTimeout({ ms: 1000 });
    }
  });

  test('the latency summary counts the pairs of each kind with their percentiles and histogram', async () => {
    const s = await h.latency({ view: 'all' });
    const info = s.kinds.find((k) => k.kind === 'get_info');
    assert.ok(info, JSON.stringify(s.kinds));
    assert.equal(info.count, 2);
    assert.equal(info.unanswered, 1);
    assert.equal(info.p50Ns, 3_000_000);
    assert.equal(info.p99Ns, 11_000_000);
    assert.equal(info.maxNs, 11_000_000);
    assert.equal(
      info.bins.reduce((a, b) => a + b, 0),
      2,
    );
    assert.ok(s.edgesNs[0]! <= 3_000_000 && s.edgesNs.at(-1)! > 11_000_000, JSON.stringify(s.edgesNs));
  });

  test('the summary of a filtered view counts only its requests', async () => {
    const f = await h.setFilter({ expression: 'id == 11' });
    const s = await h.latency({ view: f.view });
    assert.deepEqual(
      s.kinds.map((k) => [k.kind, k.count, k.unanswered, k.p50Ns]),
      [['get_info', 1, 0, 11_000_000]],
    );
  });

  test('locate finds a row in a filtered view, and says when the view does not show it', async () => {
    const f = await h.setFilter({ expression: 'id == 11' });
    assert.deepEqual(await h.locate({ view: f.view, row: 8 }), { index: 1 });
    assert.deepEqual(await h.locate({ view: f.view, row: 2 }), { index: null });
    assert.deepEqual(await h.locate({ view: 'all', row: 5 }), { index: 5 });
  });
});

describe('malformed and suspicious messages', () => {
  test('the table marks a message too short for its layout, and one with an unnamed enum value', async () => {
    const r = await rows();
    assert.equal(r[4]!.problem?.severity, 'error');
    assert.match(r[4]!.problem!.text, /period_us/);
    assert.deepEqual(r[5]!.problem, {
      severity: 'warning',
      text: 'data.result is 9, a value enum result does not name',
    });
    assert.equal(r[0]!.problem, undefined);
    assert.equal(r[1]!.problem, undefined);
  });

  test('the expert info groups them with the unanswered request, each group naming its rows', async () => {
    const e = await h.expertInfo({ view: 'all' });
    assert.equal(e.checked, e.total);
    assert.deepEqual(
      e.groups.map((g) => [g.category, g.severity, g.count, g.rows.map((x) => x.row)]),
      [
        ['malformed', 'error', 1, [4]],
        ['unanswered', 'warning', 1, [3]],
        ['suspicious', 'warning', 1, [5]],
      ],
    );
    assert.match(e.groups[0]!.summary, /^configured: data\.period_us/);
    assert.match(e.groups[1]!.summary, /get_info to demo:echo: no reply within 1000 ms/);
  });
});

describe('statistics and plots', () => {
  test('counts and bytes per kind, direction and target, of everything and of a filter', async () => {
    const all = await h.statistics({ view: 'all' });
    assert.deepEqual(all.total, { count: 9, bytes: 9 * 32 + 39 * 2 + 5 + 6 });
    assert.deepEqual(
      all.byKind.map((k) => [k.kind, k.count]),
      [
        ['telemetry.get_info', 5],
        ['telemetry.configured', 2],
        ['telemetry.sample', 2],
      ],
    );
    assert.deepEqual(
      all.byDirection.map((d) => [d.direction, d.count]),
      [
        ['rx', 6],
        ['tx', 3],
      ],
    );
    assert.deepEqual(all.byTarget, [{ target: TARGET, count: 9, bytes: all.total.bytes }]);
    const f = await h.setFilter({ expression: 'kind == "sample"' });
    const some = await h.statistics({ view: f.view });
    assert.deepEqual(some.total, { count: 2, bytes: 2 * (32 + 39) });
    assert.equal(some.firstNs, ms(1).toString());
    assert.equal(some.lastNs, ms(7).toString());
  });

  test('a numeric field plots against time, and a name that is no field is refused saying what is', async () => {
    const p = await h.plot({ view: 'all', fields: ['data.temperature'], buckets: 1000 });
    assert.equal(p.points, 2);
    assert.deepEqual(
      p.series.map((s) => [s.field, s.target, s.v]),
      [['data.temperature', TARGET, [21.5, 23.25]]],
    );
    // Seconds as a double: exact to well under a microsecond at today's epoch.
    const first = p.series[0]!.t[0]!;
    assert.ok(Math.abs(first - Number(ms(1)) / 1e9) < 1e-6, `the first point is at ${first} s`);
    assert.equal(p.skipped['data.temperature'], 7);
    await assert.rejects(
      h.plot({ view: 'all', fields: ['temperature'], buckets: 1000 }),
      /cannot plot "temperature": name a numeric field/,
    );
  });

  test('a plot downsamples to the minimum and maximum of each bucket, in time order', async () => {
    const from = service.store.total;
    const many: Message[] = [];
    for (let i = 0; i < 10_000; i++)
      many.push(sample(ms(100) + BigInt(i) * 1000n, 2, i % 100 === 50 ? -40 : 20 + (i % 7)));
    put(...many);
    const f = await h.setFilter({ expression: `data.channel == 2` });
    const p = await h.plot({ view: f.view, fields: ['data.temperature'], buckets: 10 });
    assert.equal(p.points, 10_000);
    const v = p.series[0]!.v;
    assert.equal(v.length, 20);
    assert.ok(v.filter((x) => x === -40).length === 10 && Math.max(...v) === 26, JSON.stringify(v));
    const zoomed = await h.plot({
      view: f.view,
      fields: ['data.temperature'],
      // Samples 0 to 49 (1 µs apart), the edges half a µs off them: a float's rounding cannot move one across.
      fromMs: Number(ms(100)) / 1e6 - 0.0005,
      toMs: Number(ms(100)) / 1e6 + 0.0495,
      buckets: 1000,
    });
    assert.equal(zoomed.points, 50);
    assert.equal(service.store.total, from + 10_000);
  });
});

test('clearing the store forgets the pairs', async () => {
  await h.clear({});
  put(message('rx', ms(3), GET_INFO, 7n));
  const r = await rows(1);
  assert.equal(r[0]!.pair, undefined, 'the old request is gone: this reply has no request');
});
