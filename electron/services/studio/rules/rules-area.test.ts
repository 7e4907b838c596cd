// The auto-answer rule calls through the StudioService the way serve runs
// them: a temporary workspace with a rules.yaml, the demo echo peer, and
// Traffic showing each answer as a sent message of its rule.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RuleNoticeEvent } from '../../../shared/api/rules-api.ts';
import type { TrafficRow } from '../../../shared/api/traffic-api.ts';
import { StudioService } from '../studio-service.ts';
import { stopAllDemoPeers } from '../../demo-peers.ts';

const WAIT_MS = 30_000;

let dir: string;
let studio: StudioService;
const h = () => studio.handlers;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kucomms-rules-'));
  studio = new StudioService({ mode: 'serve', workspaceDir: dir });
  await h().connect({ target: 'demo:echo' });
});
after(async () => {
  await studio.close();
  await stopAllDemoPeers();
  rmSync(dir, { recursive: true, force: true });
});

const RULES = `rules:
  - name: identify
    when: type == 1
    protocol: telemetry
    answer:
      kind: info
      fields: { firmware: { major: 2, minor: 0, patch: 1 }, serial: 1, model: m, channels: 1, calibrated: false, driver: d }
  - name: marker
    when: type == 3
    protocol: telemetry
    answer:
      kind: configured
      fields: { result: ok, channel: 0, period_us: 0 }
  - name: careless
    when: type == 6
    protocol: telemetry
    answer:
      kind: configured
      fields: { result: ok, channel: { copy: data.missing }, period_us: 0 }
`;

const sendType = (type: number, id: number) =>
  h().send({
    target: 'demo:echo',
    header: { type: String(type), id: String(id), userValue: '0' },
    body: { format: 'raw', data: '' },
    count: 1,
  });

/** Resolves with every stored row once @done holds of them (checked after every traffic event). */
function rowsWhen(done: (rows: TrafficRow[]) => boolean, what: string): Promise<TrafficRow[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      studio.off('traffic', check);
      reject(new Error(`${what}: not seen within ${WAIT_MS} ms`));
    }, WAIT_MS);
    let busy = false;
    const check = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      const w = await h().window({ view: 'all', start: 0, count: 5000 });
      busy = false;
      if (!done(w.rows)) return;
      clearTimeout(timer);
      studio.off('traffic', check);
      resolve(w.rows);
    };
    studio.on('traffic', check);
    void check();
  });
}

describe('rules area', () => {
  test('a rules.yaml with errors is saved, reported at line and column, and answers nothing', async () => {
    const state = await h().saveRules({ text: 'rules:\n  - name: x\n    when: type ==\n' });
    assert.deepEqual(state.rules, []);
    assert.deepEqual(
      state.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`),
      [
        '2:5 rules[0]: missing required key "protocol"',
        '2:5 rules[0]: missing required key "answer"',
        '3:11 rules[0].when: at character 8: expected a field, a number or a string, found the end of the expression',
      ],
    );
    assert.equal(state.text, 'rules:\n  - name: x\n    when: type ==\n');
  });

  test('Traffic shows each answer as a sent message of its rule; a rule switched off on the target stops answering', async () => {
    const saved = await h().saveRules({ text: RULES });
    assert.deepEqual(saved.errors, []);
    assert.deepEqual(
      saved.rules.map((r) => r.name),
      ['identify', 'marker', 'careless'],
    );
    await sendType(1, 71);
    let rows = await rowsWhen((r) => r.some((x) => x.rule === 'identify' && x.id === '71'), 'the answer to 71');
    const answer = rows.find((x) => x.rule === 'identify')!;
    assert.deepEqual([answer.direction, answer.type, answer.target], ['tx', '2', 'demo:echo']);
    // The request the Composer sent is nobody's rule's.
    assert.equal(rows.find((x) => x.direction === 'tx' && x.type === '1')?.rule, undefined);

    const off = await h().setRuleOn({ target: 'demo:echo', rule: 'identify', on: false });
    assert.deepEqual(off.on['demo:echo'], ['marker', 'careless']);
    await sendType(1, 72);
    await sendType(3, 73);
    // The marker's answer comes after anything 72 would have caused.
    rows = await rowsWhen((r) => r.some((x) => x.rule === 'marker' && x.id === '73'), 'the marker answer');
    assert.deepEqual(
      rows.filter((x) => x.rule !== undefined).map((x) => [x.rule, x.id]),
      [
        ['identify', '71'],
        ['marker', '73'],
      ],
    );
  });

  test('a rule that cannot build its answer is switched off with a notice', async () => {
    const notice = new Promise<RuleNoticeEvent>((resolve) => studio.once('ruleNotice', resolve));
    await sendType(6, 74);
    assert.deepEqual(await notice, {
      target: 'demo:echo',
      rule: 'careless',
      message:
        'rule "careless" cannot build its answer: answer.fields.channel: the request has no data.missing to copy; switched off on demo:echo',
      switchedOff: true,
    });
    assert.deepEqual((await h().rulesState({})).on['demo:echo'], ['marker']);
  });
});
