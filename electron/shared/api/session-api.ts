// The Studio API's session calls and events: who is answering, and what went
// wrong in the background (a periodic send, an agent link) where no call was
// waiting to hear it.
import { call, empty, event, type CallTable, type EventPayloads, type EventTable } from './call-spec.ts';

export interface Hello {
  /** 'electron' | 'serve' (a browser) | 'agent' (a target board) */
  mode: 'electron' | 'serve' | 'agent';
  version: string;
  /** The target the Studio opens on start-up (demo:echo unless told otherwise). */
  defaultTarget?: string;
}

export const sessionCalls = {
  hello: call<Hello>()(empty, 'who is answering, and how it was started'),
} satisfies CallTable;

export const sessionEvents = {
  notice: event<{ level: 'info' | 'warning' | 'error'; message: string }>(
    'Something failed in the background (a periodic send, an agent link).',
  ),
} satisfies EventTable;

export type SessionEvents = EventPayloads<typeof sessionEvents>;
