// The WebSocket transport as a browser and a program meet it: who gets in,
// what a bad call is answered with, and the Studio used through it against
// the demo echo peer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import WebSocket from 'ws';
import os from 'node:os';
import path from 'node:path';
import { StudioError } from '../shared/studio-api.ts';
import { stopAllDemoPeers } from '../services/demo-peers.ts';
import { contentSecurityPolicy, STYLE_NONCE_META } from './csp.ts';
import { client, runServer, waitFor, type Running } from './test-helpers.ts';
import { startStudioServer } from './ws-server.ts';
import { StudioService } from '../services/studio/studio-service.ts';

after(() => stopAllDemoPeers());

async function refusal(p: Promise<unknown>): Promise<StudioError> {
  const err = await p.then(
    () => assert.fail('the connection was accepted'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StudioError, `expected a StudioError, got ${String(err)}`);
  return err;
}

describe('who may connect', () => {
  let running: Running;
  let apiUrl: string;
  let origin: string;
  before(async () => {
    running = await runServer({ staticRoot: mkdtempSync(path.join(os.tmpdir(), 'studio-static-')) });
    apiUrl = `${running.server.apiUrl}/api`;
    origin = `http://127.0.0.1:${running.server.port}`;
  });
  after(() => running.stop());

  test('the printed URL carries a random token of at least 128 bits', () => {
    const url = new URL(running.server.url);
    assert.equal(url.origin, `http://127.0.0.1:${running.server.port}`);
    assert.match(url.searchParams.get('token') ?? '', /^[A-Za-z0-9_-]{32,}$/);
    assert.equal(running.server.host, '127.0.0.1');
  });

  test('a connection without the token is refused (401, saying why)', async () => {
    const err = await refusal(client(apiUrl, origin));
    assert.equal(err.code, 'ECONNREFUSED');
    assert.match(err.message, /401/);
  });

  test('a connection with a wrong token is refused', async () => {
    const err = await refusal(client(`${apiUrl}?token=${'x'.repeat(32)}`, origin));
    assert.match(err.message, /401/);
  });

  test('a page of a foreign Origin is refused even with the right token (403)', async () => {
    const err = await refusal(client(`${apiUrl}?token=${running.server.token}`, 'http://evil.example:8080'));
    assert.match(err.message, /403/);
  });

  test('the page of the server own origin (127.0.0.1 or localhost) with the token gets in', async () => {
    for (const o of [origin, `http://localhost:${running.server.port}`]) {
      const api = await client(`${apiUrl}?token=${running.server.token}`, o);
      assert.deepEqual((await api.hello({})).mode, 'serve');
      api.close();
    }
  });

  test('a program (no Origin) with the token gets in', async () => {
    const api = await client(`${apiUrl}?token=${running.server.token}`);
    assert.equal((await api.hello({})).defaultTarget, undefined);
    api.close();
  });
});

describe('what a bad call is answered with', () => {
  let running: Running;
  let api: Awaited<ReturnType<typeof client>>;
  before(async () => {
    running = await runServer();
    api = await client(`${running.server.apiUrl}/api?token=${running.server.token}`);
  });
  after(async () => {
    api.close();
    await running.stop();
  });

  test('an invalid input names the field and what was wrong', async () => {
    const err = await api.window({ start: -1, count: 10 }).catch((e: StudioError) => e);
    assert.ok(err instanceof StudioError);
    assert.equal(err.code, 'EINVAL_INPUT');
    assert.deepEqual(
      err.issues?.map((i) => i.path),
      ['start'],
    );
    assert.match(err.message, /^start: /, 'the field first, not the internal call name');
  });

  test('a u64 beyond 2^64-1 is refused with the field named', async () => {
    const err = await api
      .encode({ header: { type: '18446744073709551616', id: '0', userValue: '0' }, body: { format: 'raw', data: '' } })
      .catch((e: StudioError) => e);
    assert.ok(err instanceof StudioError);
    assert.equal(err.code, 'EINVAL_INPUT');
    assert.equal(err.issues?.[0]?.path, 'header.type');
  });

  test('an unknown call and an unknown input key are refused, each with its code', async () => {
    const ws = new WebSocket(`${running.server.apiUrl}/api?token=${running.server.token}`);
    await new Promise((resolve) => ws.once('open', resolve));
    const replies = new Promise<unknown[]>((resolve) => {
      const got: unknown[] = [];
      ws.on('message', (m) => {
        const frame = JSON.parse(String(m)) as { id?: number };
        if (frame.id === undefined) return;
        got.push(frame);
        if (got.length === 2) resolve(got);
      });
    });
    ws.send(JSON.stringify({ id: 1, call: 'noSuchCall', input: {} }));
    ws.send(JSON.stringify({ id: 2, call: 'hello', input: { extra: 1 } }));
    const [a, b] = (await replies) as Array<{ id: number; error: { code: string; message: string } }>;
    ws.close();
    assert.deepEqual([a?.id, a?.error.code, a?.error.message], [1, 'ENOCALL', 'there is no Studio call "noSuchCall"']);
    assert.deepEqual([b?.id, b?.error.code], [2, 'EINVAL_INPUT']);
    assert.match(b?.error.message ?? '', /extra/);
  });

  test('a bad filter is answered with EFILTER and the position', async () => {
    const err = await api.setFilter({ expression: 'type == 1 && && id' }).catch((e: StudioError) => e);
    assert.ok(err instanceof StudioError);
    assert.equal(err.code, 'EFILTER');
    assert.deepEqual(err.filter && { position: err.filter.position, message: err.filter.message }, {
      position: 13,
      message: 'expected a field, a number or a string, found "&&"',
    });
  });
});

describe('listening', () => {
  test('beyond loopback without TLS is refused unless opted out', async () => {
    const service = new StudioService({ mode: 'agent' });
    try {
      await assert.rejects(startStudioServer({ service, host: '0.0.0.0', port: 0 }), /needs TLS/);
    } finally {
      await service.close();
    }
  });

  test('pages come with the strict CSP; files outside the renderer are not served', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'studio-static-'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
    const running = await runServer({ staticRoot: root });
    try {
      const page = await fetch(`http://127.0.0.1:${running.server.port}/`);
      assert.equal(page.status, 200);
      const nonce = /'nonce-([A-Za-z0-9+/=]{24})'/.exec(page.headers.get('content-security-policy') ?? '')?.[1];
      assert.ok(nonce, "the page allows the editor's style elements by a nonce");
      assert.equal(page.headers.get('content-security-policy'), contentSecurityPolicy(nonce));
      assert.equal(
        await page.text(),
        `<!doctype html><meta name="${STYLE_NONCE_META}" nonce="${nonce}"><title>t</title>`,
      );
      const again = await fetch(`http://127.0.0.1:${running.server.port}/`);
      assert.ok(!again.headers.get('content-security-policy')?.includes(nonce), 'each page load has its own nonce');
      const fetchRaw = (rawPath: string) =>
        new Promise<[number | undefined, string]>((resolve, reject) =>
          get({ host: '127.0.0.1', port: running.server.port, path: rawPath }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () => resolve([res.statusCode, body]));
          }).on('error', reject),
        );
      assert.deepEqual(
        await fetchRaw('/..%2f..%2f..%2fetc%2fpasswd'),
        [403, ''],
        'an encoded way out of the renderer is refused',
      );
      const [status, body] = await fetchRaw('/../../../etc/passwd');
      assert.deepEqual(
        [status, body.replace(/<meta [^>]*>/, '')],
        [200, '<!doctype html><title>t</title>'],
        'dot segments stay inside',
      );
    } finally {
      await running.stop();
    }
  });
});

describe('a malformed request never ends the server', () => {
  const rawRequest = (port: number, requestLine: string, headers = 'Connection: close\r\n') =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.end(`${requestLine}\r\nHost: 127.0.0.1\r\n${headers}\r\n`),
      );
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (c: string) => (answer += c));
      socket.on('end', () => resolve(answer.split('\r\n')[0]!));
      socket.on('error', reject);
    });

  for (const mode of ['serve', 'agent'] as const) {
    test(`${mode}: GET /%, //, /%ff, /%00 and a bad upgrade are each answered, and the next page and API call still work`, async () => {
      const root = mkdtempSync(path.join(os.tmpdir(), 'studio-static-'));
      writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
      const running = await runServer(mode === 'serve' ? { staticRoot: root } : {}, mode);
      try {
        const port = running.server.port;
        const badPaths = ['/%', '//', '/%ff', '/a%00b', '/%E0%A4%A'];
        for (const bad of badPaths) {
          const status = await rawRequest(port, `GET ${bad} HTTP/1.1`);
          assert.match(status, mode === 'serve' ? /^HTTP\/1\.1 400 / : /^HTTP\/1\.1 404 /, `GET ${bad}`);
          const upgrade = await rawRequest(
            port,
            `GET ${bad} HTTP/1.1`,
            'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n',
          );
          assert.match(upgrade, /^HTTP\/1\.1 404 /, `an upgrade at ${bad}`);
        }
        if (mode === 'serve')
          assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200, 'pages are still served');
        const api = await client(`${running.server.apiUrl}/api?token=${running.server.token}`);
        try {
          assert.equal(typeof (await api.hello({})).version, 'string', 'the API still answers');
        } finally {
          api.close();
        }
      } finally {
        await running.stop();
      }
    });
  }
});

describe('the Studio through the WebSocket transport, against demo:echo', () => {
  let running: Running;
  let api: Awaited<ReturnType<typeof client>>;
  before(async () => {
    running = await runServer();
    api = await client(
      `${running.server.apiUrl}/api?token=${running.server.token}`,
      `http://127.0.0.1:${running.server.port}`,
    );
  });
  after(async () => {
    api.close();
    await running.stop();
  });

  test('connect, send a raw and a layout message, see both echoes decoded in the traffic window', async () => {
    const view = await api.connect({ target: 'demo:echo' });
    assert.equal(view.state, 'open');
    assert.equal(view.protocol, 'echo');
    await api.send({
      target: 'demo:echo',
      header: { type: '1', id: '7', userValue: '0' },
      body: { format: 'raw', data: Buffer.from('hi').toString('base64') },
    });
    await api.send({
      target: 'demo:echo',
      header: { type: '2', id: '0x10', userValue: '5' },
      body: { format: 'layout', protocol: 'echo', kind: 'any', fields: { data: 'cafe' } },
    });
    const w = await waitFor(
      'four rows',
      () => api.window({ start: 0, count: 10 }),
      (w) => w.total >= 4,
    );
    assert.deepEqual(
      w.rows.map((r) => [r.direction, r.type, r.id, r.length, r.kind, r.summary]),
      [
        ['tx', '1', '7', 2, 'any', 'data=6869 (2 bytes)'],
        ['rx', '1', '7', 2, 'any', 'data=6869 (2 bytes)'],
        ['tx', '2', '16', 2, 'any', 'data=cafe (2 bytes)'],
        ['rx', '2', '16', 2, 'any', 'data=cafe (2 bytes)'],
      ],
    );
    const filtered = await api.setFilter({ expression: 'direction == "rx" && type == 2' });
    const fw = await api.window({ view: filtered.view, start: 0, count: 10 });
    assert.deepEqual(
      fw.rows.map((r) => [r.direction, r.id]),
      [['rx', '16']],
    );
    const detail = await api.detail({ row: fw.rows[0]!.row });
    const leaf = detail.decoded?.tree[1]?.children?.[0];
    assert.deepEqual(leaf && [leaf.path, leaf.offset, leaf.size, leaf.value], ['data.data', 32, 2, 'cafe']);
    assert.equal(Buffer.from(detail.bytes, 'base64').subarray(32).toString('hex'), 'cafe');
  });

  test('sending to a target that is not connected says so', async () => {
    const err = await api
      .send({
        target: 'demo:longtest',
        header: { type: '0', id: '0', userValue: '0' },
        body: { format: 'raw', data: '' },
      })
      .catch((e: StudioError) => e);
    assert.ok(err instanceof StudioError);
    assert.equal(err.code, 'ENOTCONN');
    assert.match(err.message, /demo:longtest is not connected: connect it first/);
  });

  test('pause freezes the view under a burst, resume shows every message (none lost)', async () => {
    await api.setFilter({ expression: '' });
    const before = (await api.window({ start: 0, count: 0 })).total;
    const paused = await api.pause({});
    assert.equal(paused.total, before);
    const burst = 20_000;
    const sent = await api.send({
      target: 'demo:echo',
      header: { type: '9', id: '0', userValue: '0' },
      body: { format: 'raw', data: 'AAAAAA==' },
      count: burst,
    });
    assert.equal(sent.sent, burst);
    await waitFor(
      'the store to hold the burst and its echoes',
      () => running.service.store.total,
      (n) => n >= before + 2 * burst,
    );
    assert.equal((await api.window({ start: 0, count: 0 })).total, before, 'the paused view did not move');
    await api.resume({});
    const after = await api.window({ start: before, count: 5000 });
    assert.equal(after.total, before + 2 * burst);
    const f = await api.setFilter({ expression: `type == 9 && direction == "rx"` });
    assert.equal(f.total, burst, 'every echo of the burst is there');
    const ids = (await api.window({ view: f.view, start: burst - 3, count: 3 })).rows.map((r) => r.id);
    assert.deepEqual(ids, [String(burst - 3), String(burst - 2), String(burst - 1)]);
  });
});
