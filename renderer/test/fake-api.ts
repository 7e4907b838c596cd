// A StudioApi double for store and component tests: each call answers from
// a handler the test gives (else rejects naming the call), records its input,
// and events are emitted by the test.
import type { CallName, EventName, StudioApi, StudioEvents } from '../../electron/shared/studio-api.ts';
import { CALL_NAMES } from '../../electron/shared/studio-api.ts';

export interface FakeApi {
  api: StudioApi;
  calls: Array<{ call: CallName; input: unknown }>;
  emit<E extends EventName>(event: E, payload: StudioEvents[E]): void;
}

export function fakeApi(handlers: Partial<Record<CallName, (input: never) => unknown>>): FakeApi {
  const calls: FakeApi['calls'] = [];
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const api = Object.fromEntries(
    CALL_NAMES.map((call) => [
      call,
      async (input: unknown) => {
        calls.push({ call, input });
        const h = handlers[call] as ((i: unknown) => unknown) | undefined;
        if (call === 'hello' && !h) return { mode: 'serve', version: 'test' };
        if (!h) throw new Error(`unexpected call ${call}`);
        return h(input);
      },
    ]),
  ) as unknown as StudioApi;
  api.on = (event, listener) => {
    const set = listeners.get(event) ?? new Set();
    listeners.set(event, set);
    set.add(listener as (p: unknown) => void);
    return () => set.delete(listener as (p: unknown) => void);
  };
  return { api, calls, emit: (event, payload) => listeners.get(event)?.forEach((l) => l(payload)) };
}
