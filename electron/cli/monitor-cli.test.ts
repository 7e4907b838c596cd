// Monitor targets from the command line and through an agent, against the
// native longtest pair started here as a user would (the peer publishing its
// link with KUCOMMS_MONITOR=1).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { messageFromJson } from '../shared/message.ts';
import { StudioError } from '../shared/studio-api.ts';
import { StudioService } from '../services/studio/studio-service.ts';
import {
  startLongtestApp,
  startPublishingPeer,
  uniqueLinkName,
  type ProgramRun,
} from '../services/testing/longtest-pair.ts';
import { runCli } from './run-cli.ts';

const run = runCli;

test('listen --help and capture --help show the monitor target forms', async () => {
  for (const verb of ['listen', 'capture']) {
    const r = await run(verb, '--help');
    assert.equal(r.code, 0, r.stderr);
    for (const form of ['monitor:/dev/kucomms_NAME', 'monitor:/dev/kucomms ', 'monitor:shm:NAME'])
      assert.ok(r.stdout.includes(form), `${verb} --help does not show ${form}:\n${r.stdout}`);
  }
});

test('send to a monitor target is refused: a monitor only watches', async () => {
  const r = await run('send', 'monitor:shm:anything', '--type', '1');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /monitor:shm:anything only watches/);
});

describe('the longtest pair, published', () => {
  let name: string;
  let peer: ProgramRun;
  let app: ProgramRun;
  before(async () => {
    name = uniqueLinkName('moncli');
    peer = await startPublishingPeer(name);
  });
  after(async () => {
    await app?.stop();
    await peer.stop();
  });

  test('targets lists monitor:shm:NAME for the link the peer publishes', async () => {
    const r = await run('targets', '--json');
    assert.equal(r.code, 0, r.stderr);
    const listed = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { target: string; kind: string });
    assert.ok(
      listed.some((t) => t.target === `monitor:shm:${name}` && t.kind === 'monitor'),
      `not listed:\n${r.stdout}`,
    );
  });

  test("listen monitor:shm:NAME prints both programs' messages with their link, pid and process", async () => {
    app = startLongtestApp(name);
    const r = await run('listen', `monitor:shm:${name}`, '--count', '40', '--json');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => messageFromJson(JSON.parse(l)));
    const messages = lines.filter((m) => m.origin?.note === undefined);
    assert.equal(messages.length, 40);
    assert.deepEqual(
      [lines[0]?.origin?.note, lines[0]?.origin?.value],
      ['link-open', 1n],
      'first the link, open before the monitor came',
    );
    const fromApp = messages.filter((m) => m.direction === 'tx');
    assert.ok(fromApp.length > 0);
    for (const m of fromApp) assert.deepEqual([m.origin?.pid, m.origin?.process], [app.process.pid, 'kucomms_lib_lon']);
    for (const m of messages.filter((x) => x.direction === 'rx'))
      assert.deepEqual([m.origin?.pid, m.origin?.process], [peer.process.pid, 'kucomms_peer']);
  });

  test('an agent offers monitor targets only when started with --monitor-targets', async () => {
    const target = `monitor:shm:${name}`;
    const plain = new StudioService({ mode: 'agent' });
    const opted = new StudioService({ mode: 'agent', monitorTargets: true });
    try {
      assert.ok(!(await plain.handlers.listTargets({})).some((t) => t.kind === 'monitor'));
      await assert.rejects(plain.handlers.connect({ target }), (err: StudioError) => {
        assert.equal(err.code, 'EACCES');
        assert.match(err.message, /--monitor-targets/);
        return true;
      });
      assert.ok((await opted.handlers.listTargets({})).some((t) => t.target === target));
    } finally {
      await plain.close();
      await opted.close();
    }
  });
});
