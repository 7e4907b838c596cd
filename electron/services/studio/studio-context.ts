// What the Studio's areas may use of the service they are part of: an area
// never imports another area, it reaches what it needs through this. Each
// area is a class with a `handlers` table for its calls (electron/shared/api/)
// and a close() for shutdown.
import type { z } from 'zod';
import type { CallSpec, CallTable } from '../../shared/api/call-spec.ts';
import type { Message } from '../../shared/message.ts';
import type { StudioApi, StudioEvents } from '../../shared/studio-api.ts';
import type { Endpoint } from '../endpoint.ts';
import type { Layout } from '../protocol/layout.ts';
import type { StateStore } from '../workspace/state-store.ts';
import type { Workspace } from '../workspace/workspace.ts';
import type { ProtocolRegistry } from './protocols.ts';
import type { TrafficStore } from './traffic/traffic-store.ts';
import type { TrafficViews } from './traffic/traffic-views.ts';

/** The handlers of one area's call table, given validated input. */
export type AreaHandlers<T extends CallTable> = {
  [K in keyof T]: (
    input: z.output<T[K]['input']>,
  ) => Promise<T[K] extends CallSpec<z.ZodType, infer R> ? NonNullable<R> : never>;
};

/** How a message reaches an open target: its local endpoint, or its agent's API and the target's name there. */
export type SendRoute = { endpoint: Endpoint } | { api: StudioApi; inner: string };

export interface StudioArea<T extends CallTable> {
  readonly handlers: AreaHandlers<T>;
  close(): Promise<void>;
}

export interface StudioContext {
  readonly mode: 'electron' | 'serve' | 'agent';
  emit<E extends keyof StudioEvents>(event: E, payload: StudioEvents[E]): void;
  readonly protocols: ProtocolRegistry;
  /** The open workspace (it can change: read it each time). */
  workspace(): Workspace;
  /** Makes @workspace the open one; the collections follow it. */
  setWorkspace(workspace: Workspace): void;
  /** Reads the open workspace's collections.json again (it changed on disk); returns why it was not taken, if so. */
  reloadCollections(): Error | undefined;
  /** What this machine remembers between runs: the last workspace, the UI's state. */
  readonly state: StateStore;
  readonly store: TrafficStore;
  readonly views: TrafficViews;
  /** The endpoint of an open local target; throws StudioError ENOTCONN (remote targets: ENOTSUP). */
  endpointOf(target: string): Endpoint;
  /** The layout a target's messages decode with, if any. */
  layoutOf(target: string): Layout | undefined;
  /** Calls @listener with every batch of messages of every open target, sent or received; returns the unsubscribe. */
  onMessages(listener: (target: string, messages: readonly Message[]) => void): () => void;
}
