// Shared by the server tests: a Studio server on a free loopback port and a
// client over the real WebSocket transport, and waiting without timing.
import WebSocket from 'ws';
import { wsStudioApi, type SocketLike, type WsStudioApi } from '../shared/studio-client.ts';
import { StudioService } from '../services/studio/studio-service.ts';
import { startStudioServer, type StudioServer, type StudioServerOptions } from './ws-server.ts';
import { STATE_WAIT_MS } from '../services/testing/patience.ts';

/** Generous bound for other processes; never a timing assertion. */
export const WAIT_MS = STATE_WAIT_MS;

export interface Running {
  service: StudioService;
  server: StudioServer;
  stop(): Promise<void>;
}

export async function runServer(
  options: Partial<StudioServerOptions> = {},
  mode: 'serve' | 'agent' = 'serve',
): Promise<Running> {
  const service = options.service ?? new StudioService({ mode });
  const server = await startStudioServer({ ...options, service });
  return {
    service,
    server,
    async stop() {
      await server.close();
      await service.close();
    },
  };
}

/** Opens the API as a browser page of @origin would (or a program, without one). */
export function client(url: string, origin?: string): Promise<WsStudioApi> {
  const socket = new WebSocket(url, origin === undefined ? {} : { origin });
  return wsStudioApi(socket as unknown as SocketLike);
}

/** Polls @get until @done holds; throws with the last value after WAIT_MS. */
export async function waitFor<T>(what: string, get: () => Promise<T> | T, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last: T;
  do {
    last = await get();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 20));
  } while (Date.now() < deadline);
  throw new Error(`${what}: still not there after ${WAIT_MS} ms; last seen ${JSON.stringify(last)}`);
}
