// The renderer's way to the Studio API, whatever the transport:
//
//   const api = await connectStudio();
//
// In Electron the preload script has put `window.kucommsStudio` in the page
// (one function per call, plus `on`); elsewhere (serve mode in a browser) the
// page's own URL carries the token and the API is a WebSocket to `/api` on
// the same origin. The Node side uses wsStudioApi() directly to talk to a
// remote agent. No Node import here: this module runs in browsers too.
import {
  CALL_NAMES,
  StudioError,
  type CallName,
  type EventName,
  type ReplyFrame,
  type StudioApi,
  type StudioErrorData,
  type StudioEvents,
} from './studio-api.ts';

/** The global the Electron preload exposes. */
export const ELECTRON_BRIDGE = 'kucommsStudio';

/**
 * What the preload exposes: one function per call, answering with a reply
 * envelope (an Error crossing contextBridge would lose its code), and `on`.
 */
export type IpcReply = { result: unknown } | { error: StudioErrorData };
export type ElectronBridge = { [K in CallName]: (input: unknown) => Promise<IpcReply> } & Pick<StudioApi, 'on'>;

/** The StudioApi over the Electron bridge: unwraps each reply envelope. */
export function bridgeStudioApi(bridge: ElectronBridge): StudioApi {
  const api = Object.fromEntries(
    CALL_NAMES.map((name) => [
      name,
      async (input: unknown) => {
        const reply = await bridge[name](input ?? {});
        if ('error' in reply) throw new StudioError(reply.error);
        return reply.result;
      },
    ]),
  ) as unknown as StudioApi;
  api.on = (event, listener) => bridge.on(event, listener);
  return api;
}

/** The subset of the WHATWG WebSocket this client needs (browsers and `ws` both have it). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (ev: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (ev: unknown) => void): void;
}

const OPEN = 1;

export interface WsStudioApi extends StudioApi {
  /** Closes the socket; pending calls reject with code 'ECONNRESET'. */
  close(): void;
  /** Resolves when the socket closes, with the server's reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/**
 * A StudioApi over an open (or opening) WebSocket. Resolves once it is open;
 * rejects with code 'ECONNREFUSED' and the server's reason if it closes first.
 */
export function wsStudioApi(socket: SocketLike): Promise<WsStudioApi> {
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; call: string }>();
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  let resolveClosed!: (info: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => (resolveClosed = r));

  socket.addEventListener('message', (ev) => {
    if (typeof ev.data !== 'string') return;
    const frame = JSON.parse(ev.data) as ReplyFrame | { event: EventName; payload: unknown };
    if ('event' in frame) {
      for (const l of listeners.get(frame.event) ?? []) (l as (p: unknown) => void)(frame.payload);
      return;
    }
    const p = pending.get(frame.id);
    if (!p) return;
    pending.delete(frame.id);
    if ('error' in frame) p.reject(new StudioError(frame.error));
    else p.resolve(frame.result);
  });
  // A failed connection reports an error, then closes: keep its words for the close.
  let lastError = '';
  /** The system's error code when nothing answered at the address (`ws` gives it; browsers do not). */
  let unreachable: string | undefined;
  socket.addEventListener('error', (ev) => {
    const { message, error } = ev as { message?: unknown; error?: { code?: unknown } };
    if (typeof message === 'string') lastError = message;
    if (typeof error?.code === 'string' && /^E[A-Z]+$/.test(error.code)) unreachable = error.code;
  });
  socket.addEventListener('close', (ev) => {
    for (const p of pending.values())
      p.reject(
        new StudioError({
          code: 'ECONNRESET',
          message: `${p.call}: the Studio backend closed the connection (${ev.code} ${ev.reason})`,
        }),
      );
    pending.clear();
    resolveClosed({ code: ev.code, reason: ev.reason || lastError });
  });

  const invoke = (call: CallName, input: unknown): Promise<unknown> => {
    if (socket.readyState !== OPEN)
      return Promise.reject(
        new StudioError({ code: 'ECONNRESET', message: `${call}: not connected to the Studio backend` }),
      );
    const id = next++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, call });
      socket.send(JSON.stringify({ id, call, input: input ?? {} }));
    });
  };

  const api = Object.fromEntries(
    CALL_NAMES.map((name) => [name, (input: unknown) => invoke(name, input)]),
  ) as unknown as WsStudioApi;
  Object.assign(api, {
    on<E extends EventName>(event: E, listener: (payload: StudioEvents[E]) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    close: () => socket.close(1000, 'closed by the client'),
    closed,
  });

  return new Promise((resolve, reject) => {
    if (socket.readyState === OPEN) return resolve(api);
    socket.addEventListener('open', () => resolve(api));
    void closed.then((info) =>
      reject(
        unreachable
          ? new StudioError({
              code: unreachable,
              message: `nothing answers at that address (${lastError}): is it running there, and are the host and port right?`,
            })
          : new StudioError({
              code: 'ECONNREFUSED',
              message: `the Studio backend refused the connection: ${info.reason || `closed with code ${info.code} (a wrong token or Origin is refused)`}`,
            }),
      ),
    );
  });
}

/** The WebSocket URL of the API for a page served at @pageUrl (token from its query). */
export function apiUrlOf(pageUrl: string): string {
  const page = new URL(pageUrl);
  const token = page.searchParams.get('token');
  if (!token)
    throw new StudioError({
      code: 'EACCES',
      message: `the page URL has no ?token=...: open the URL the Studio printed, token included`,
    });
  const api = new URL('/api', page);
  api.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  api.search = `?token=${encodeURIComponent(token)}`;
  return api.toString();
}

/** The API for this page: the Electron bridge if there is one, else a WebSocket to its origin. */
export async function connectStudio(): Promise<StudioApi> {
  const g = globalThis as {
    [ELECTRON_BRIDGE]?: ElectronBridge;
    location?: { href: string };
    WebSocket?: new (url: string) => SocketLike;
  };
  const bridge = g[ELECTRON_BRIDGE];
  if (bridge) return bridgeStudioApi(bridge);
  if (!g.location || !g.WebSocket)
    throw new StudioError({
      code: 'ENOTSUP',
      message: 'no Studio backend: neither the Electron bridge nor a page URL with a token',
    });
  return wsStudioApi(new g.WebSocket(apiUrlOf(g.location.href)));
}
