// Captures as the Captures tab and Traffic's source selector see them: the
// recorder's status (kept current by `capture` events), the capture files of
// the workspace (refreshed when the workspace says captures/ changed), the
// captures opened into Traffic with their indexing progress and damage, and
// the actions on them.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type {
  CaptureFileView,
  CaptureSourceView,
  CaptureStatus,
  CaptureWritten,
} from '../../../electron/shared/api/captures-api.ts';
import { base64ToBytes } from '../../../electron/shared/message.ts';
import { useConnectionStore } from './connection.ts';
import { useNoticesStore } from './notices.ts';
import { useTrafficStore } from './traffic.ts';

const IDLE: CaptureStatus = { recording: false, targets: [], messages: 0, bytes: 0, lost: [] };

export const useCapturesStore = defineStore('captures', () => {
  const conn = useConnectionStore();
  const notices = useNoticesStore();
  const traffic = useTrafficStore();

  const status = shallowRef<CaptureStatus>(IDLE);
  const files = shallowRef<CaptureFileView[]>([]);
  const sources = shallowRef<CaptureSourceView[]>([]);
  /** Names of files an action is running on (export, save, download). */
  const busy = ref(new Set<string>());
  /** What the last save or export wrote, for the line under the list. */
  const lastWritten = ref<string>();

  async function refresh(): Promise<void> {
    try {
      files.value = await conn.api().listCaptures({});
    } catch (err) {
      notices.report('Listing the captures', err);
    }
  }

  async function start(): Promise<() => void> {
    const api = conn.api();
    const offs = [
      api.on('capture', (s) => {
        const stopped = status.value.recording && !s.recording;
        status.value = s;
        if (stopped) void refresh();
      }),
      api.on('captureSources', (s) => (sources.value = s)),
      api.on('workspaceChanged', (c) => {
        if (c.area === 'captures') void refresh();
      }),
    ];
    try {
      const [s, open] = await Promise.all([api.captureStatus({}), api.openCaptures({}), refresh()]);
      status.value = s;
      sources.value = open;
    } catch (err) {
      notices.report('Loading the captures', err);
    }
    return () => offs.forEach((off) => off());
  }

  async function run<T>(what: string, name: string, action: () => Promise<T>): Promise<T | undefined> {
    // The line about the last save or export is about what was done before this: it goes.
    lastWritten.value = undefined;
    busy.value = new Set(busy.value).add(name);
    // A failure is about @name (a file, or 'record'): its next success there settles it.
    const topic = `capture ${name}`;
    try {
      const result = await action();
      notices.settle(topic);
      return result;
    } catch (err) {
      notices.report(what, err, topic);
      return undefined;
    } finally {
      const left = new Set(busy.value);
      left.delete(name);
      busy.value = left;
    }
  }

  /** Starts recording @targets (empty: every open target) into @name (empty: a dated name). */
  async function record(targets: string[], name: string): Promise<boolean> {
    const s = await run('Starting the capture', 'record', () =>
      conn.api().startCapture({ targets, ...(name.trim() ? { name: name.trim() } : {}) }),
    );
    if (!s) return false;
    status.value = s;
    void refresh();
    return true;
  }

  async function stop(): Promise<void> {
    const r = await run('Stopping the capture', 'record', () => conn.api().stopCapture({}));
    if (!r) return;
    status.value = {
      ...status.value,
      recording: false,
      name: r.name,
      messages: r.messages,
      bytes: r.bytes,
      lost: r.lost,
    };
    await refresh();
  }

  /** Opens @name as a Traffic source and shows it there. */
  async function open(name: string): Promise<boolean> {
    const view = await run(`Opening ${name}`, name, () => conn.api().openCapture({ name }));
    if (!view) return false;
    sources.value = [...sources.value.filter((s) => s.source !== view.source), view];
    await traffic.setSource(view.source);
    return true;
  }

  async function close(source: string): Promise<void> {
    const left = await run(`Closing ${source}`, source, () => conn.api().closeCapture({ source }));
    if (!left) return;
    sources.value = left;
    if (traffic.source === source) await traffic.setSource('live');
  }

  function wrote(verb: string, w: CaptureWritten): void {
    lastWritten.value = `${verb} ${w.messages.toLocaleString('en-US')} message${w.messages === 1 ? '' : 's'} to ${w.name}`;
  }

  /** Saves a Traffic source ('live' or an opened capture) as @name in the workspace. */
  async function save(source: string, name: string): Promise<boolean> {
    const w = await run(`Saving ${source === 'live' ? 'the live traffic' : source} as ${name}`, name, () =>
      conn.api().saveCapture({ source, name }),
    );
    if (!w) return false;
    wrote('saved', w);
    await refresh();
    return true;
  }

  async function exportPcapng(name: string): Promise<void> {
    const w = await run(`Exporting ${name} to pcapng`, name, () => conn.api().exportPcapng({ name }));
    if (!w) return;
    wrote('exported', w);
    await refresh();
  }

  /** Renames capture file @name to @to (its extension is kept when @to has none). */
  async function rename(name: string, to: string): Promise<boolean> {
    const left = await run(`Renaming ${name} to ${to}`, name, () => conn.api().renameCapture({ name, to }));
    if (!left) return false;
    files.value = left;
    return true;
  }

  /** Deletes capture file @name (the view asks first). */
  async function remove(name: string): Promise<void> {
    const left = await run(`Deleting ${name}`, name, () => conn.api().deleteCapture({ name }));
    if (left) files.value = left;
  }

  /** Hands the file to the browser as a download. */
  async function download(name: string): Promise<void> {
    const file = await run(`Downloading ${name}`, name, () => conn.api().downloadCapture({ name }));
    if (!file) return;
    const bytes = base64ToBytes(file.data);
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = file.name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  return {
    status,
    files,
    sources,
    busy,
    lastWritten,
    start,
    refresh,
    record,
    stop,
    open,
    close,
    save,
    exportPcapng,
    rename,
    remove,
    download,
  };
});
