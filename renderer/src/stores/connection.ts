// The one connection to the Studio API (Electron IPC or WebSocket: the
// renderer does not know which). Every other store reaches the backend
// through `api` here.
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import { connectStudio } from '../../../electron/shared/studio-client.ts';
import type { Hello, StudioApi } from '../../../electron/shared/studio-api.ts';

export type ConnectionState = 'connecting' | 'connected' | 'failed' | 'lost';

export const useConnectionStore = defineStore('connection', () => {
  const state = ref<ConnectionState>('connecting');
  const error = ref('');
  const hello = ref<Hello>();
  const apiRef = shallowRef<StudioApi>();

  /** Uses @api (tests pass a fake one). */
  async function attach(api: StudioApi): Promise<void> {
    apiRef.value = markRaw(api);
    hello.value = await api.hello({});
    state.value = 'connected';
    const closed = (api as { closed?: Promise<{ code: number; reason: string }> }).closed;
    void closed?.then((info) => {
      state.value = 'lost';
      error.value = `the connection to the Studio backend closed (${info.code}${info.reason ? `: ${info.reason}` : ''}); reload the page once it runs again`;
    });
  }

  async function connect(open: () => Promise<StudioApi> = connectStudio): Promise<void> {
    state.value = 'connecting';
    try {
      await attach(await open());
    } catch (err) {
      state.value = 'failed';
      error.value = (err as Error).message;
    }
  }

  /** The API; throws when there is no connection (callers report it as a notice). */
  function api(): StudioApi {
    if (!apiRef.value || state.value !== 'connected')
      throw new Error(error.value || 'not connected to the Studio backend');
    return apiRef.value;
  }

  return { state, error, hello, attach, connect, api };
});
