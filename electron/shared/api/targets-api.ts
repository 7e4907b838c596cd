// The Studio API's target calls: the devices, demo peers and remote agents'
// targets, opening and closing them, the layout each decodes with, and the
// kucomms-studio agents whose targets join the list.
import { z } from 'zod';
import type { MessageJson } from '../message.ts';
import type { TargetKind } from '../target.ts';
import { call, empty, event, targetName, type CallTable, type EventPayloads, type EventTable } from './call-spec.ts';

export const agentInput = z
  .object({
    /** ws://HOST:PORT or wss://HOST:PORT */
    url: z.string().regex(/^wss?:\/\/[^/\s?#]+:[0-9]{1,5}\/?$/, 'expected ws://HOST:PORT or wss://HOST:PORT'),
    token: z.string().min(16, 'the token is the one the agent printed (at least 16 characters)').max(256),
    /** wss only: the SHA-256 fingerprint the agent printed (AA:BB:...). */
    fingerprint: z
      .string()
      .regex(
        /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/,
        'expected a SHA-256 fingerprint: 32 hex bytes separated by colons',
      )
      .optional(),
  })
  .strict();

export type TargetState = 'closed' | 'opening' | 'open' | 'down';

export interface TargetCounters {
  sent: string;
  received: string;
  bytesSent: string;
  bytesReceived: string;
  /** Sends refused because the ring was full. */
  fullEvents: string;
  /** Share of the send ring in use, 0..1. */
  txFill: number;
  /** Share of the receive ring waiting to be read, 0..1. */
  rxFill: number;
  /** Sends the peer says it had refused because its ring (our receive ring) was full. */
  peerFullEvents: string;
  /** Monitor targets: messages the monitor lost (its drop records add up to this); sent and received count what it saw each way. */
  dropped?: string;
}

/** A device's protocol handshake: what its kernel module said it speaks, against the layout the target decodes with. */
export interface ProtocolCheck {
  advertised: { name: string; version: string; hash: string };
  /** The layout file compared, and its hash; absent: the Studio has no layout of that name. */
  layoutFile?: string;
  layoutHash?: string;
  match: boolean;
  /** One sentence naming the device, the layout file and both hashes. */
  message: string;
  /** When the Studio also has the module's version of the layout: every change from it to the one used. */
  differences?: string[];
}

export interface TargetView {
  /** The name to pass to connect/send: /dev/kucomms_X, demo:echo, monitor:shm:NAME, ws://H:P/demo:echo ... */
  target: string;
  kind: TargetKind;
  description: string;
  state: TargetState;
  /** The agent this target lives behind (remote targets only). */
  agent?: string;
  /** The layout messages of this target are decoded with. */
  protocol?: string;
  /** Devices whose module said which protocol it speaks: the handshake, checked before the target opened. */
  protocolCheck?: ProtocolCheck;
  counters?: TargetCounters;
  /** Why the last open failed or the link went down. */
  error?: string;
}

export interface AgentView {
  url: string;
  state: 'connected' | 'down';
  /** The pinned certificate fingerprint (wss). */
  fingerprint?: string;
  error?: string;
}

const deviceName = z.object({ name: z.string().min(1).max(63) }).strict();

export const targetCalls = {
  listTargets: call<TargetView[]>()(empty, "devices, demo peers and remote agents' targets, with state and counters"),
  connect: call<TargetView>()(
    z.object({ target: targetName, protocol: z.string().min(1).optional() }).strict(),
    'opens a target; its messages then flow into the traffic store, decoded with `protocol` if given',
  ),
  disconnect: call<TargetView>()(z.object({ target: targetName }).strict(), 'closes a target'),
  setProtocol: call<TargetView>()(
    z.object({ target: targetName, protocol: z.string().min(1).nullable() }).strict(),
    "decodes a target's messages with this layout (null: none) from now on, in the table and filters",
  ),
  createDevice: call<TargetView[]>()(deviceName, 'creates /dev/NAME (root only)'),
  removeDevice: call<TargetView[]>()(deviceName, 'removes /dev/NAME (root only)'),

  // remote agents
  addAgent: call<AgentView>()(agentInput, 'connects to a kucomms-studio agent; its targets join listTargets'),
  removeAgent: call<AgentView[]>()(z.object({ url: agentInput.shape.url }).strict(), 'disconnects from an agent'),
  listAgents: call<AgentView[]>()(empty, 'the agents added'),
} satisfies CallTable;

export const targetEvents = {
  targets: event<TargetView[]>("The target list or a target's state or counters changed."),
  messages: event<{ target: string; messages: MessageJson[] }>(
    'Messages of one target, as they arrive (agents send these to the Studio).',
  ),
} satisfies EventTable;

export type TargetEvents = EventPayloads<typeof targetEvents>;
