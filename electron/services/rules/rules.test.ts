// Auto-answer rules against demo:echo for real: the peer echoes every
// message, so every answer comes back on the link, which is what the loop
// guards are for.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Message } from '../../shared/message.ts';
import { stopAllDemoPeers } from '../demo-peers.ts';
import { Endpoint } from '../endpoint.ts';
import { LayoutLoadError, formatLayoutError, loadLayoutFile } from '../protocol/loader.ts';
import { decodeReceived } from '../protocol/decode.ts';
import { encodeData } from '../protocol/encode.ts';
import { RuleAnswerer, type RuleAnswer, type RuleNotice } from './rule-answerer.ts';
import { parseRules } from './rules-file.ts';
import { STATE_WAIT_MS } from '../testing/patience.ts';

const WAIT_MS = STATE_WAIT_MS;
const telemetry = loadLayoutFile('protocols/telemetry.yaml');
const kindNamed = (name: string) => telemetry.messages.find((k) => k.name === name)!;

after(() => stopAllDemoPeers());

function errorsOf(text: string): string[] {
  try {
    parseRules(text, 'rules.yaml');
  } catch (err) {
    if (err instanceof LayoutLoadError) return err.errors.map(formatLayoutError);
    throw err;
  }
  return [];
}

/** demo:echo with a RuleAnswerer on it; everything the link reports, in order. */
async function echoWithRules(text: string, now?: () => number) {
  const ep = await Endpoint.open('demo:echo');
  const answerer = new RuleAnswerer(
    (p) => (p === 'telemetry' ? telemetry : undefined),
    (_target, header, data) => ep.send(header, data),
    now,
  );
  answerer.setRules(parseRules(text, 'rules.yaml'));
  const seen: Array<Message & { rule?: string }> = [];
  const answers: RuleAnswer[] = [];
  const notices: RuleNotice[] = [];
  answerer.on('answer', (a) => answers.push(a));
  answerer.on('notice', (n) => notices.push(n));
  const waiters: Array<() => void> = [];
  ep.on('messages', (msgs) => {
    answerer.handle('demo:echo', msgs);
    for (const m of msgs) {
      const rule = m.direction === 'tx' ? answerer.claimSent('demo:echo', m) : undefined;
      seen.push(rule ? Object.assign(m, { rule }) : m);
    }
    for (const w of waiters.splice(0)) w();
  });
  /** Resolves once @done holds of what was seen (checked after every batch). */
  const until = (done: () => boolean, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${what}: still waiting after ${WAIT_MS} ms (${seen.length} messages seen)`)),
        WAIT_MS,
      );
      const check = (): void => {
        if (done()) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      check();
    });
  const send = (kind: string, id: bigint, fields: Record<string, unknown> = {}): void =>
    ep.send({ type: kindNamed(kind).when.type!, id, userValue: 0n }, encodeData(kindNamed(kind), fields as never));
  return { ep, answerer, seen, answers, notices, until, send };
}

const INFO_RULE = `
rules:
  - name: identify
    when: kind == "get_info"
    protocol: telemetry
    answer:
      kind: info
      header: { id: { copy: id } }
      fields:
        firmware: { major: 1, minor: 4, patch: 2 }
        serial: { counter: 1000 }
        model: board-7
        channels: 4
        calibrated: true
        driver: { copy: type }
`;

describe('rules.yaml', () => {
  test('a rules file with mistakes reports each at its line and column', () => {
    const errors = errorsOf(`rules:
  - name: a
    when: type == == 1
    protocol: telemetry
    answer: { kind: info }
  - name: a
    when: type == 1
    protocol: telemetry
    colour: red
    answer:
      fields: { x: { copy: data..y } }
    delay_ms: -3
`);
    assert.deepEqual(errors, [
      'rules.yaml:3:11: rules[0].when: at character 9: expected a field, a number or a string, found "=="',
      'rules.yaml:6:11: rules[1].name: a rule named "a" comes earlier: rule names are unique',
      'rules.yaml:9:5: rules[1].colour: unknown key "colour"; allowed here: name, when, protocol, answer, delay_ms, max_per_second, targets',
      'rules.yaml:11:7: rules[1].answer: missing required key "kind": the message kind to answer with',
      'rules.yaml:11:28: rules[1].answer.fields.x.copy: "data..y" is not a field path (fields joined by ".", array elements as [N])',
      'rules.yaml:12:15: rules[1].delay_ms: expected a whole number from 0 to 60000',
    ]);
  });

  test('an empty rules file has no rules; a file without a rules list says what it expects', () => {
    assert.deepEqual(parseRules('', 'rules.yaml'), []);
    assert.deepEqual(errorsOf('rule: []\n'), ['rules.yaml:1:1: expected "rules:", a list of rules']);
  });
});

describe('auto-answer rules on demo:echo', () => {
  test('a matching request is answered with the layout message the rule builds: copied id, counter, constants', async () => {
    const t = await echoWithRules(INFO_RULE);
    try {
      t.send('get_info', 41n);
      t.send('get_info', 42n);
      await t.until(
        () => t.seen.filter((m) => m.direction === 'rx' && m.type === 2n).length === 2,
        'two info answers echoed',
      );
      const answers = t.seen.filter((m) => m.direction === 'tx' && m.type === 2n);
      assert.deepEqual(
        answers.map((m) => [m.id, m.rule]),
        [
          [41n, 'identify'],
          [42n, 'identify'],
        ],
      );
      const decoded = answers.map((m) => decodeReceived(telemetry, m));
      assert.equal(decoded[0]!.error, undefined);
      assert.deepEqual(
        decoded.map((d) => [d.kind, d.data.serial, d.data.model, d.data.channels, d.data.calibrated, d.data.driver]),
        [
          ['info', 1000, 'board-7', 4, true, '1'],
          ['info', 1001, 'board-7', 4, true, '1'],
        ],
      );
      // The requests the test sent are not attributed to any rule.
      assert.deepEqual(
        t.seen.filter((m) => m.direction === 'tx' && m.type === 1n).map((m) => m.rule),
        [undefined, undefined],
      );
      assert.deepEqual(t.notices, []);
    } finally {
      t.answerer.close();
      await t.ep.close();
    }
  });

  test('a rule never answers its own answer when demo:echo sends it back', async () => {
    // The answer matches the rule's own filter: without the guard, every echo would be answered again.
    const t = await echoWithRules(`
rules:
  - name: mirror
    when: kind == "event"
    protocol: telemetry
    answer:
      kind: event
      fields: { severity: info, channel: 255, code: 7, text: answered }
`);
    try {
      t.send('event', 1n, { severity: 'error', channel: 1, code: 9, text: 'first' });
      await t.until(
        () =>
          t.seen.some(
            (m) =>
              m.direction === 'rx' &&
              m.id === 1n &&
              m.rule === undefined &&
              decodeReceived(telemetry, m).data.text === 'answered',
          ),
        'the answer echoed back',
      );
      // A second request after the first answer came back: its answer is the next one sent.
      t.send('event', 2n, { severity: 'error', channel: 1, code: 9, text: 'second' });
      await t.until(
        () =>
          t.seen.some(
            (m) => m.direction === 'rx' && m.id === 2n && decodeReceived(telemetry, m).data.text === 'answered',
          ),
        'the second answer echoed back',
      );
      assert.deepEqual(
        t.answers.map((a) => a.header.id),
        [1n, 2n],
      );
      assert.deepEqual(t.notices, []);
      assert.equal(t.answerer.isOn('demo:echo', 'mirror'), true);
    } finally {
      t.answerer.close();
      await t.ep.close();
    }
  });

  test('a rule that answers more than max_per_second is switched off on that target with a notice', async () => {
    const t = await echoWithRules(
      `
rules:
  - name: chatter
    when: kind == "event"
    protocol: telemetry
    max_per_second: 20
    answer:
      kind: configured
      fields: { result: busy, channel: 0, period_us: 0 }
`,
      () => 1_000_000, // one second that never ends: the limit is reached by count alone
    );
    try {
      for (let i = 1n; i <= 30n; i++) t.send('event', i, { severity: 'error', channel: 1, code: 9, text: 'flood' });
      await t.until(
        () => t.seen.filter((m) => m.direction === 'rx' && m.type === 6n).length === 30,
        'all 30 events echoed',
      );
      assert.equal(t.answers.length, 20);
      assert.deepEqual(t.notices, [
        {
          target: 'demo:echo',
          rule: 'chatter',
          message:
            'rule "chatter" answered 20 messages within a second (its max_per_second): switched off on demo:echo',
          switchedOff: true,
        },
      ]);
      assert.equal(t.answerer.isOn('demo:echo', 'chatter'), false);
      assert.equal(t.answerer.isOn('shm:other', 'chatter'), true);
    } finally {
      t.answerer.close();
      await t.ep.close();
    }
  });

  test('a rule switched off on a target stops answering there while traffic runs, and answers again when switched on', async () => {
    const t = await echoWithRules(INFO_RULE);
    try {
      t.send('get_info', 1n);
      await t.until(() => t.answers.length === 1, 'the first answer');
      t.answerer.setOn('demo:echo', 'identify', false);
      t.send('get_info', 2n);
      await t.until(() => t.seen.some((m) => m.direction === 'rx' && m.id === 2n), 'request 2 echoed');
      t.answerer.setOn('demo:echo', 'identify', true);
      t.send('get_info', 3n);
      await t.until(() => t.answers.length === 2, 'the answer to request 3');
      assert.deepEqual(
        t.answers.map((a) => a.header.id),
        [1n, 3n],
      );
    } finally {
      t.answerer.close();
      await t.ep.close();
    }
  });

  test('a rule with a delay answers after it; an answer it cannot build switches it off saying why', async () => {
    const t = await echoWithRules(`
rules:
  - name: later
    when: kind == "get_info"
    protocol: telemetry
    delay_ms: 50
    answer:
      kind: configured
      fields: { result: ok, channel: 0, period_us: 100 }
  - name: broken
    when: kind == "configure"
    protocol: telemetry
    answer:
      kind: configured
      fields: { result: ok, channel: { copy: data.nothing }, period_us: 1 }
`);
    try {
      t.send('get_info', 8n);
      await t.until(() => t.answers.length === 1, 'the delayed answer');
      const request = t.seen.find((m) => m.direction === 'rx' && m.id === 8n && m.type === 1n)!;
      const answer = t.seen.find((m) => m.direction === 'tx' && m.rule === 'later')!;
      assert.ok(
        answer.timestampNs - request.timestampNs >= 50_000_000n,
        'sent no earlier than the delay after the request',
      );
      t.send('configure', 9n, {
        channel: 0,
        sensor: 'none',
        options: [],
        control: { power: 0 },
        period_us: 1,
        alarm_above: 0,
        label: '',
      });
      await t.until(() => t.notices.length === 1, 'the notice');
      assert.deepEqual(
        t.notices.map((n) => [n.rule, n.switchedOff, n.message]),
        [
          [
            'broken',
            true,
            'rule "broken" cannot build its answer: answer.fields.channel: the request has no data.nothing to copy; switched off on demo:echo',
          ],
        ],
      );
    } finally {
      t.answerer.close();
      await t.ep.close();
    }
  });
});
