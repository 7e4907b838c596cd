// Property tests of what reaches `serve` over the network: HTTP request
// paths and headers (anyone who can reach the port) and WebSocket frames
// (whoever has the token). Every request is answered with a status that is
// not 500, every well-formed call is answered with its id, a malformed frame
// closes only its own connection, and the server serves on afterwards.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import { CALL_NAMES } from '../shared/studio-api.ts';
import { StudioService } from '../services/studio/studio-service.ts';
import { runServer, type Running } from '../server/test-helpers.ts';
import { fuzz } from './fuzz.ts';

const work = mkdtempSync(path.join(tmpdir(), 'kucomms-fuzz-server-'));
let running: Running;
before(async () => {
  const root = path.join(work, 'static');
  const workspace = path.join(work, 'workspace');
  for (const dir of [root, workspace]) mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Studio</title>');
  running = await runServer({
    staticRoot: root,
    service: new StudioService({ mode: 'serve', workspaceDir: workspace }),
  });
});
after(async () => {
  await running.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Sends @request as raw bytes and resolves with everything the server answers until it closes. */
function rawRequest(request: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(running.server.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.end(request);
  });
}

const PATH_PIECES = [
  '/',
  '//',
  '%',
  '%2',
  '%ff',
  '%00',
  '%2e%2e',
  '..',
  '.',
  '?',
  '#',
  'index.html',
  'assets',
  '\\',
  ';',
  '@',
  ':',
  '~',
  'api',
  'token=',
  '\u00e9',
  '\u{1f600}',
  ' ',
];
const requestPath = fc.oneof(
  fc.array(fc.constantFrom(...PATH_PIECES), { maxLength: 12 }).map((p) => `/${p.join('')}`),
  fc.string({ maxLength: 40 }).map((s) => `/${s}`),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

test('fuzz: any HTTP request path or header gets an answer that is not 500, and the server serves on', async () => {
  const inputs = fc
    .record({
      path: requestPath,
      method: fc.constantFrom('GET', 'HEAD', 'POST', 'OPTIONS', 'GET'),
      upgrade: fc.boolean(),
      header: fc.string({ maxLength: 30 }),
    })
    .map(({ path: p, method, upgrade, header }) =>
      [
        `${method} ${p} HTTP/1.1`,
        'Host: 127.0.0.1',
        `X-Fuzz: ${header}`,
        ...(upgrade
          ? [
              'Connection: Upgrade',
              'Upgrade: websocket',
              'Sec-WebSocket-Version: 13',
              'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
            ]
          : ['Connection: close']),
        '',
        '',
      ].join('\r\n'),
    );
  await fuzz('http-request', inputs, async (request) => {
    const answer = await rawRequest(Buffer.from(request, 'utf8'));
    const status = /^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1];
    assert.ok(status !== undefined, `no HTTP status line in the answer: ${JSON.stringify(answer.slice(0, 80))}`);
    assert.notEqual(status, '500', `answered 500: ${answer.slice(0, 200)}`);
  });
  const index = await rawRequest(Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
  assert.match(index, /^HTTP\/1\.1 200 /);
});

/** An open, authenticated API connection, and the replies and close it receives. */
interface Connection {
  ws: WebSocket;
  replies: Map<number, unknown>;
  closed?: number;
}

function open(): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${running.server.apiUrl}/api?token=${running.server.token}`);
    const c: Connection = { ws, replies: new Map() };
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { id?: number };
      if (typeof frame.id === 'number') c.replies.set(frame.id, frame);
    });
    ws.on('close', (code) => (c.closed = code));
    ws.on('open', () => resolve(c));
    ws.on('error', reject);
  });
}

async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 20 s`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

test('fuzz: a WebSocket frame is answered with its id when it is a call (whatever its name and input), and closes only its own connection when it is not', async () => {
  let c = await open();
  let nextId = 1;
  const wellFormed = fc
    .record({
      call: fc.oneof(fc.constantFrom(...CALL_NAMES), fc.string({ maxLength: 12 })),
      input: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant({})),
    })
    .map((f) => JSON.stringify({ id: 0, ...f }));
  const malformed = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    fc.constant('{"id": -1, "call": "hello", "input": {}}'),
    fc.constant('{"id": 1, "call": "hello", "input": {}, "extra": 1}'),
  );
  await fuzz('ws-frame', fc.oneof(wellFormed, malformed), async (text) => {
    if (c.closed !== undefined) c = await open();
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      frame = undefined;
    }
    const isCall =
      typeof frame === 'object' &&
      frame !== null &&
      !Array.isArray(frame) &&
      Object.keys(frame).sort().join() === 'call,id,input' &&
      (frame as { id: unknown }).id === 0 &&
      typeof (frame as { call: unknown }).call === 'string';
    if (!isCall) {
      c.ws.send(text);
      await until('the connection closing after a malformed frame', () => c.closed !== undefined);
      assert.equal(c.closed, 1003);
      return;
    }
    const id = nextId++;
    c.ws.send(JSON.stringify({ ...(frame as object), id }));
    await until(
      `the reply to call ${JSON.stringify((frame as { call: string }).call)}`,
      () => c.replies.has(id) || c.closed !== undefined,
    );
    assert.equal(c.closed, undefined, 'a well-formed call closed the connection');
    const reply = c.replies.get(id) as { result?: unknown; error?: { code: unknown; message: unknown } };
    if (reply.error)
      assert.ok(
        typeof reply.error.code === 'string' && typeof reply.error.message === 'string',
        `error without code or message: ${JSON.stringify(reply.error)}`,
      );
  });
  if (c.closed === undefined) c.ws.close();
  const again = await open();
  const id = nextId++;
  again.ws.send(JSON.stringify({ id, call: 'hello', input: {} }));
  await until('hello after the fuzzing', () => again.replies.has(id));
  again.ws.close();
});
