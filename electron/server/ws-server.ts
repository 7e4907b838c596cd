// The Studio API over WebSocket, plus the built renderer over HTTP(S): the
// server behind `kucomms-studio serve` (a browser) and `agent` (a Studio on
// another machine). Listens on 127.0.0.1 unless told otherwise; anything but
// loopback needs TLS unless the caller explicitly opted out.
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  EVENT_NAMES,
  requestFrame,
  type EventFrame,
  type ReplyFrame,
  type StudioEvents,
} from '../shared/studio-api.ts';
import type { StudioService } from '../services/studio/studio-service.ts';
import { dispatch } from '../services/studio/dispatch.ts';
import { toStudioError } from '../services/studio/errors.ts';
import { LIMITS } from '../shared/limits.ts';
import { checkAccess, newToken, ownOrigins, type AccessPolicy } from './access.ts';
import { parseRequestUrl } from './request-url.ts';
import { serveStatic } from './static-files.ts';
import type { TlsIdentity } from './tls-identity.ts';

/** Largest frame a client may send (a send call with a large message). */

export interface StudioServerOptions {
  service: StudioService;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default: a new random one. */
  token?: string;
  /** Present: serve HTTPS / WSS with this identity. */
  tls?: TlsIdentity;
  /** Listen beyond loopback without TLS (the user said so). */
  insecure?: boolean;
  /** Serve the renderer from here (serve mode); absent: API only (agent mode). */
  staticRoot?: string;
}

export interface StudioServer {
  /** http(s)://HOST:PORT/?token=... (serve) or ws(s)://HOST:PORT (agent). */
  url: string;
  /** The bare address to give `addAgent`: ws(s)://HOST:PORT. */
  apiUrl: string;
  host: string;
  port: number;
  token: string;
  fingerprint?: string;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

function refuse(socket: Duplex, status: 401 | 403 | 404, reason: string): void {
  const text = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status];
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\nConnection: close\r\n\r\n${reason}`,
  );
}

export async function startStudioServer(o: StudioServerOptions): Promise<StudioServer> {
  const host = o.host ?? '127.0.0.1';
  if (!isLoopback(host) && !o.tls && !o.insecure)
    throw new Error(
      `listening on ${host} (beyond loopback) needs TLS; pass --tls, or --insecure to opt out knowingly, or tunnel over SSH instead`,
    );
  const token = o.token ?? newToken();
  const staticRoot = o.staticRoot;
  const onRequest = (req: IncomingMessage, res: import('node:http').ServerResponse): void => {
    try {
      if (staticRoot) serveStatic(staticRoot, req, res);
      else
        res
          .writeHead(404, { 'Content-Type': 'text/plain' })
          .end('a kucomms Studio agent: connect a Studio to it with its URL and token\n');
    } catch (err) {
      // One failed request (a file gone mid-read, a bug) answers 500; the server lives on.
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`the Studio could not answer this request: ${(err as Error).message}\n`);
    }
  };
  const server: Server = o.tls
    ? createHttpsServer({ key: o.tls.key, cert: o.tls.cert }, onRequest)
    : createHttpServer(onRequest);
  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.wsFrameBytes });
  let policy: AccessPolicy | undefined;

  server.on('upgrade', (req, socket, head) => {
    if (parseRequestUrl(req.url)?.pathname !== '/api') return refuse(socket, 404, 'the Studio API is at /api');
    const access = checkAccess(req, policy!);
    if (!access.ok) return refuse(socket, access.status, access.reason);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const clients = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (raw, isBinary) => {
      let frame;
      try {
        if (isBinary) throw new Error('frames are JSON text');
        frame = requestFrame.parse(JSON.parse(String(raw)));
      } catch (err) {
        ws.close(1003, `a bad frame: ${(err as Error).message}`.slice(0, 120));
        return;
      }
      const { id } = frame;
      dispatch(o.service.handlers, frame.call, frame.input).then(
        (result) => send(ws, { id, result }),
        (err: unknown) => send(ws, { id, error: toStudioError(err).toJSON() }),
      );
    });
  });

  const forwarders = EVENT_NAMES.map((event) => {
    const listener = (payload: StudioEvents[typeof event]): void => {
      const text = JSON.stringify({ event, payload } satisfies EventFrame);
      for (const ws of clients) ws.send(text);
    };
    o.service.on(event, listener);
    return () => o.service.off(event, listener);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (o.port ?? 0);
  const scheme = o.tls ? 'https' : 'http';
  policy = { token, origins: ownOrigins(scheme, host, port) };
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const apiUrl = `${o.tls ? 'wss' : 'ws'}://${hostPart}:${port}`;
  return {
    url: staticRoot ? `${scheme}://${hostPart}:${port}/?token=${token}` : apiUrl,
    apiUrl,
    host,
    port,
    token,
    ...(o.tls ? { fingerprint: o.tls.fingerprint } : {}),
    async close() {
      for (const f of forwarders) f();
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(ws: WebSocket, frame: ReplyFrame): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
}
