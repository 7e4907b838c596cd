import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, expect, test } from 'vitest';
import type { WorkspaceView } from '../../electron/shared/api/workspace-api.ts';
import { useComposerStore } from '../src/stores/composer.ts';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useNoticesStore } from '../src/stores/notices.ts';
import { useWorkspaceStore } from '../src/stores/workspace.ts';
import { fakeApi } from './fake-api.ts';

const view = (dir: string, extra: Partial<WorkspaceView> = {}): WorkspaceView => ({
  dir,
  name: dir.split('/').at(-1) ?? '',
  files: { layouts: [], scripts: [], captures: [], reports: [] },
  settings: { settings: {}, errors: [] },
  recent: [dir],
  notices: [],
  ...extra,
});

let fake: ReturnType<typeof fakeApi>;
let open = view('/home/me/a');
let collections: Array<{ name: string; messages: [] }> = [];
beforeEach(async () => {
  setActivePinia(createPinia());
  collections = [{ name: 'smoke', messages: [] }];
  open = view('/home/me/a', {
    notices: ['the state file was damaged; it was set aside'],
    settings: {
      settings: {},
      errors: [
        { file: '/home/me/a/settings.json', line: 2, column: 20, path: 'defaultTarget', message: 'expected a string' },
      ],
    },
  });
  fake = fakeApi({
    getWorkspace: () => open,
    openWorkspace: (i: { dir: string }) => {
      if (i.dir.endsWith('.txt')) return Promise.reject(new Error(`${i.dir} is a file, not a folder`));
      open = view(i.dir);
      return open;
    },
    listProtocols: () => [],
    listCollections: () => collections,
  });
  await useConnectionStore().attach(fake.api);
});

test("loading tells the backend's notices and where settings.json is wrong", async () => {
  const ws = useWorkspaceStore();
  await ws.load();
  expect(ws.current?.name).toBe('a');
  expect(useNoticesStore().notices.map((n) => [n.level, n.message])).toEqual([
    ['warning', 'the state file was damaged; it was set aside'],
    ['error', 'settings.json is not taken (defaults apply): line 2 column 20: defaultTarget: expected a string'],
  ]);
});

test('a refused folder leaves the workspace as it was and gives the reason to the dialog', async () => {
  const ws = useWorkspaceStore();
  await ws.load();
  await expect(ws.open('/home/me/notes.txt')).rejects.toThrow('is a file, not a folder');
  expect(ws.current?.dir).toBe('/home/me/a');
  expect(ws.opening).toBe(false);
  await ws.open('/home/me/b');
  expect(ws.current?.name).toBe('b');
});

test('a switch made elsewhere shows: the store follows workspaceOpened', async () => {
  const ws = useWorkspaceStore();
  await ws.load();
  const stop = ws.subscribe();
  open = view('/srv/shared');
  fake.emit('workspaceOpened', { dir: '/srv/shared', name: 'shared' });
  await expect.poll(() => ws.current?.name).toBe('shared');
  stop();
});

test("the composer's collections follow collections.json changing on disk", async () => {
  const composer = useComposerStore();
  await composer.load();
  expect(composer.collections.map((c) => c.name)).toEqual(['smoke']);
  collections = [
    { name: 'smoke', messages: [] },
    { name: 'pulled', messages: [] },
  ];
  fake.emit('workspaceChanged', { area: 'collections', name: 'collections.json', change: 'changed' });
  await expect.poll(() => composer.collections.map((c) => c.name)).toEqual(['smoke', 'pulled']);
});
