// A remote agent as a user meets it: `kucomms-studio agent` started on
// another loopback address, added to a Studio by URL and token (and, over
// TLS, the fingerprint it printed), its targets listed beside the local ones
// and used through the API.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StudioError } from '../shared/studio-api.ts';
import { StudioService } from '../services/studio/studio-service.ts';
import { WAIT_MS, waitFor } from './test-helpers.ts';

const CLI = new URL('../cli/kucomms-studio.mjs', import.meta.url).pathname;

interface Agent {
  child: ChildProcess;
  url: string;
  token: string;
  fingerprint?: string;
  output: () => string;
}

/** Starts the agent CLI and reads the URL, token and fingerprint it prints. */
function startAgent(args: string[]): Promise<Agent> {
  const child = spawn(process.execPath, [CLI, 'agent', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => (out += s));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the agent printed no URL within ${WAIT_MS} ms: ${out}`)), WAIT_MS);
    child.on('exit', (code) => reject(new Error(`the agent exited with ${code}: ${out}`)));
    child.stdout!.on('data', (s: string) => {
      out += s;
      const m = /agent: (wss?:\/\/\S+) token (\S+)/.exec(out);
      const needsPrint = args.includes('--tls');
      const fp = /fingerprint \(SHA-256\) (\S+)/.exec(out);
      if (!m || (needsPrint && !fp)) return;
      clearTimeout(timer);
      resolve({ child, url: m[1]!, token: m[2]!, ...(fp ? { fingerprint: fp[1]! } : {}), output: () => out });
    });
  });
}

async function stopAgent(agent: Agent | undefined): Promise<void> {
  if (!agent || agent.child.exitCode !== null) return;
  const exited = new Promise((r) => agent.child.once('exit', r));
  agent.child.kill('SIGTERM');
  await exited;
}

describe('an agent on 127.0.0.2 (plain WebSocket on loopback)', () => {
  let agent: Agent;
  let studio: StudioService;
  before(async () => {
    agent = await startAgent(['--host', '127.0.0.2']);
    // A workspace whose layout the agent does not have: messages built from it are encoded by the Studio.
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'studio-agent-ws-'));
    mkdirSync(path.join(workspace, 'layouts'));
    copyFileSync(
      new URL('../services/scripts/fixtures/greeter.yaml', import.meta.url),
      path.join(workspace, 'layouts', 'greeter.yaml'),
    );
    studio = new StudioService({ mode: 'serve', workspaceDir: workspace });
  });
  after(async () => {
    await studio.close();
    await stopAgent(agent);
  });

  test('it prints its ws:// URL on 127.0.0.2 and a token', () => {
    assert.match(agent.url, /^ws:\/\/127\.0\.0\.2:[0-9]+$/);
    assert.match(agent.token, /^[A-Za-z0-9_-]{32,}$/);
  });

  test('a wrong token is refused', async () => {
    const err = await studio.handlers.addAgent({ url: agent.url, token: 'y'.repeat(32) }).catch((e: unknown) => e);
    assert.ok(err instanceof StudioError);
    assert.equal(err.code, 'ECONNREFUSED');
    assert.match(err.message, /401/);
  });

  test('an address where no agent runs is reported as unreachable, not as the Studio refusing it', async () => {
    // Port 1 on another loopback address: nothing listens there.
    const err = await studio.handlers
      .addAgent({ url: 'ws://127.0.0.3:1', token: 'y'.repeat(32) })
      .catch((e: unknown) => e);
    assert.ok(err instanceof StudioError);
    assert.equal(
      err.message,
      'agent ws://127.0.0.3:1: nothing answers at that address (connect ECONNREFUSED 127.0.0.3:1): is it running there, and are the host and port right?',
    );
  });

  test('added by URL and token, its targets show beside the local ones and its echo peer answers', async () => {
    const view = await studio.handlers.addAgent({ url: agent.url, token: agent.token });
    assert.equal(view.state, 'connected');
    const targets = await studio.handlers.listTargets({});
    const remoteEcho = `${agent.url}/demo:echo`;
    assert.ok(
      targets.some((t) => t.target === 'demo:echo' && t.kind === 'demo'),
      'the local demo target is listed',
    );
    const remote = targets.find((t) => t.target === remoteEcho);
    assert.deepEqual(remote && [remote.kind, remote.agent, remote.state], ['remote', agent.url, 'closed']);

    const opened = await studio.handlers.connect({ target: remoteEcho, protocol: 'echo' });
    assert.equal(opened.state, 'open');
    const sent = await studio.handlers.send({
      target: remoteEcho,
      header: { type: '3', id: '42', userValue: '0' },
      body: { format: 'raw', data: Buffer.from('remote').toString('base64') },
      count: 1,
    });
    assert.equal(sent.sent, 1);
    await waitFor(
      'the echo from the agent in the local store',
      () => studio.store.total,
      (n) => n >= 2,
    );
    const w = await studio.handlers.window({ view: 'all', start: 0, count: 10 });
    assert.deepEqual(
      w.rows.map((r) => [r.target, r.direction, r.type, r.id, r.kind, r.summary]),
      [
        [remoteEcho, 'tx', '3', '42', 'any', 'data=72656d6f7465 (6 bytes)'],
        [remoteEcho, 'rx', '3', '42', 'any', 'data=72656d6f7465 (6 bytes)'],
      ],
    );
    await studio.handlers.disconnect({ target: remoteEcho });
  });

  test("a message built from a layout only this Studio has is encoded here and the agent target's counters move", async () => {
    const remoteEcho = `${agent.url}/demo:echo`;
    await studio.handlers.connect({ target: remoteEcho, protocol: 'greeter' });
    const sent = await studio.handlers.send({
      target: remoteEcho,
      header: { type: '1', id: '5', userValue: '0' },
      body: { format: 'layout', protocol: 'greeter', kind: 'hello', fields: { count: 2, name: 'agent' } },
      count: 1,
    });
    assert.equal(sent.sent, 1);
    const counted = await waitFor(
      'the agent target counting the message sent and its echo',
      async () => (await studio.handlers.listTargets({})).find((t) => t.target === remoteEcho)?.counters,
      (c) => c !== undefined && c.sent === '1' && c.received === '1',
    );
    assert.equal(counted?.bytesSent, String(2 + 1 + 'agent'.length));
    await studio.handlers.disconnect({ target: remoteEcho });
  });
});

describe('the command line talking to an agent on 127.0.0.4', () => {
  let agent: Agent;
  before(async () => {
    agent = await startAgent(['--host', '127.0.0.4']);
  });
  after(() => stopAgent(agent));

  const cli = (
    args: string[],
    env: Record<string, string>,
  ): Promise<{ code: number | null; out: string; err: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, KUCOMMS_AGENT_TOKEN: '', KUCOMMS_AGENT_TOKEN_FILE: '', ...env },
      });
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => resolve({ code, out, err }));
    });

  test('send --reply to ws://HOST:PORT/demo:echo with the token from KUCOMMS_AGENT_TOKEN prints the echo', async () => {
    const r = await cli(['send', `${agent.url}/demo:echo`, '--id', '12', '--data', 'far', '--reply', '20000'], {
      KUCOMMS_AGENT_TOKEN: agent.token,
    });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^rx \S+ type=0 id=12 user_value=0 length=3 data=666172 "far"\n$/);
  });

  test('the token may come from the file KUCOMMS_AGENT_TOKEN_FILE names; without one it says where to put it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'studio-agent-token-'));
    const file = path.join(dir, 'token');
    writeFileSync(file, `${agent.token}\n`, { mode: 0o600 });
    const r = await cli(['listen', `${agent.url}/demo:longtest`, '--count', '1', '--timeout', '20'], {
      KUCOMMS_AGENT_TOKEN_FILE: file,
    });
    // The longtest peer speaks only once spoken to: the listen times out having opened the target through the agent.
    assert.equal(r.code, 4, r.err);
    assert.match(r.err, /0 of 1 messages from ws:\/\/127\.0\.0\.4:\d+\/demo:longtest within 20 s/);
    const none = await cli(['send', `${agent.url}/demo:echo`, '--data', 'x'], {});
    assert.equal(none.code, 2);
    assert.match(
      none.err,
      /needs the token the agent printed: put it in KUCOMMS_AGENT_TOKEN, or in a file named by KUCOMMS_AGENT_TOKEN_FILE/,
    );
  });
});

describe('an agent over TLS on 127.0.0.3 (certificate pinned by fingerprint)', () => {
  let agent: Agent;
  let studio: StudioService;
  before(async () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'studio-agent-tls-'));
    agent = await startAgent(['--host', '127.0.0.3', '--tls', '--state-dir', stateDir]);
    studio = new StudioService({ mode: 'serve' });
  });
  after(async () => {
    await studio.close();
    await stopAgent(agent);
  });

  test('it prints a wss:// URL and the SHA-256 fingerprint of its certificate', () => {
    assert.match(agent.url, /^wss:\/\/127\.0\.0\.3:[0-9]+$/);
    assert.match(agent.fingerprint ?? '', /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  test('a different fingerprint is refused before the token is sent', async () => {
    const wrong = agent.fingerprint!.replace(/^../, agent.fingerprint!.startsWith('00') ? '11' : '00');
    const err = await studio.handlers
      .addAgent({ url: agent.url, token: agent.token, fingerprint: wrong })
      .catch((e: unknown) => e);
    assert.ok(err instanceof StudioError);
    assert.equal(err.code, 'ECERTMISMATCH');
  });

  test('without a fingerprint a wss agent is refused', async () => {
    const err = await studio.handlers.addAgent({ url: agent.url, token: agent.token }).catch((e: unknown) => e);
    assert.ok(err instanceof StudioError);
    assert.match(err.message, /needs the certificate fingerprint/);
  });

  test('with the printed fingerprint it connects and lists its targets', async () => {
    const view = await studio.handlers.addAgent({
      url: agent.url,
      token: agent.token,
      fingerprint: agent.fingerprint!,
    });
    assert.deepEqual([view.state, view.fingerprint], ['connected', agent.fingerprint]);
    const targets = await studio.handlers.listTargets({});
    assert.ok(targets.some((t) => t.target === `${agent.url}/demo:echo`));
  });
});
