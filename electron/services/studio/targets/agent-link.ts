// The Studio's side of a remote agent: a Studio API client over WebSocket
// (`ws://HOST:PORT`, or `wss://` with the certificate pinned by the
// fingerprint the agent printed). For wss, a first TLS handshake fetches
// the agent's certificate and checks its fingerprint; the API connection
// then trusts exactly that certificate, so the token is only ever sent to
// the pinned agent.
import { connect as tlsConnect, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import WebSocket from 'ws';
import { StudioError } from '../../../shared/studio-api.ts';
import { wsStudioApi, type SocketLike, type WsStudioApi } from '../../../shared/studio-client.ts';

const HANDSHAKE_TIMEOUT_MS = 5000;

export interface AgentConnection {
  api: WsStudioApi;
  /** wss: the pinned fingerprint. */
  fingerprint?: string;
}

function sameFingerprint(a: string, b: string): boolean {
  return a.replace(/:/g, '').toUpperCase() === b.replace(/:/g, '').toUpperCase();
}

function peerCertificate(host: string, port: number): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, timeout: HANDSHAKE_TIMEOUT_MS }, () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      resolve(cert);
    });
    socket.on('timeout', () =>
      socket.destroy(new Error(`no TLS handshake from ${host}:${port} within ${HANDSHAKE_TIMEOUT_MS} ms`)),
    );
    socket.on('error', reject);
  });
}

function pem(raw: Buffer): string {
  const b64 = raw.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64.trimEnd()}\n-----END CERTIFICATE-----\n`;
}

/** Connects to an agent; rejects with a StudioError saying what did not match. */
export async function connectAgent(url: string, token: string, fingerprint?: string): Promise<AgentConnection> {
  const base = new URL(url);
  const apiUrl = new URL('/api', base);
  apiUrl.searchParams.set('token', token);
  const where = `${base.hostname}:${base.port}`;
  if (base.protocol === 'ws:') {
    const api = await wsStudioApi(
      new WebSocket(apiUrl, { handshakeTimeout: HANDSHAKE_TIMEOUT_MS }) as unknown as SocketLike,
    ).catch((err: Error) => {
      throw new StudioError({ code: 'ECONNREFUSED', message: `agent ${url}: ${err.message}` });
    });
    return { api };
  }
  if (!fingerprint)
    throw new StudioError({
      code: 'EINVAL_INPUT',
      message: `agent ${url}: a wss:// agent needs the certificate fingerprint it printed with its token`,
    });
  let cert: PeerCertificate;
  try {
    cert = await peerCertificate(base.hostname, Number(base.port));
  } catch (err) {
    throw new StudioError({
      code: 'ECONNREFUSED',
      message: `agent ${url}: cannot reach ${where} over TLS: ${(err as Error).message}`,
    });
  }
  if (!sameFingerprint(cert.fingerprint256, fingerprint))
    throw new StudioError({
      code: 'ECERTMISMATCH',
      message: `agent ${url}: its certificate's fingerprint is ${cert.fingerprint256}, not the ${fingerprint.toUpperCase()} given: refusing to send it the token`,
    });
  const pinned: ConnectionOptions = {
    ca: pem(cert.raw),
    // The certificate is pinned by fingerprint, not by host name.
    checkServerIdentity: (_host, presented) =>
      sameFingerprint(presented.fingerprint256, fingerprint)
        ? undefined
        : new Error(`certificate fingerprint ${presented.fingerprint256} is not the pinned one`),
  };
  // ws hands TLS options to tls.connect; its typings know an older checkServerIdentity.
  const socket = new WebSocket(apiUrl, {
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    ...pinned,
  } as unknown as WebSocket.ClientOptions);
  const api = await wsStudioApi(socket as unknown as SocketLike).catch((err: Error) => {
    throw new StudioError({ code: 'ECONNREFUSED', message: `agent ${url}: ${err.message}` });
  });
  return { api, fingerprint: cert.fingerprint256 };
}
