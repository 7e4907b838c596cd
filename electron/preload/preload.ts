// The only thing the Studio page gets from Electron: window.kucommsStudio,
// one function per API call plus `on` for the API's events. No ipcRenderer,
// no Node. Bundled into one file at start-up (a sandboxed preload cannot
// import modules).
import { contextBridge, ipcRenderer } from 'electron';
import { CALL_NAMES, EVENT_NAMES, type EventName } from '../shared/studio-api.ts';
import { ELECTRON_BRIDGE, type ElectronBridge } from '../shared/studio-client.ts';
import { callChannel, eventChannel } from '../main/security.ts';

const bridge: Record<string, unknown> = {};
for (const name of CALL_NAMES) bridge[name] = (input: unknown) => ipcRenderer.invoke(callChannel(name), input);

bridge.on = (event: EventName, listener: (payload: unknown) => void): (() => void) => {
  if (!EVENT_NAMES.includes(event)) throw new Error(`there is no Studio event ${JSON.stringify(event)}`);
  const forward = (_e: unknown, payload: unknown): void => listener(payload);
  ipcRenderer.on(eventChannel(event), forward);
  return () => {
    ipcRenderer.off(eventChannel(event), forward);
  };
};

contextBridge.exposeInMainWorld(
  ELECTRON_BRIDGE,
  bridge satisfies Record<keyof ElectronBridge, unknown> as ElectronBridge,
);
