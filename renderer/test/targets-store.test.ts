import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, expect, test } from 'vitest';
import type { TargetView } from '../../electron/shared/studio-api.ts';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useNoticesStore } from '../src/stores/notices.ts';
import { useTargetsStore } from '../src/stores/targets.ts';
import { fakeApi } from './fake-api.ts';

const echo: TargetView = { target: 'demo:echo', kind: 'demo', description: 'echoes', state: 'open', protocol: 'echo' };
let listed: TargetView[];
let fake: ReturnType<typeof fakeApi>;

beforeEach(async () => {
  setActivePinia(createPinia());
  listed = [echo];
  fake = fakeApi({
    listTargets: () => listed,
    listAgents: () => [],
    setProtocol: (i: { target: string; protocol: string | null }) => {
      if (i.protocol === 'nosuch')
        throw Object.assign(new Error('no protocol "nosuch": the protocols are echo, telemetry'), { code: 'ENOENT' });
      const { protocol: _old, ...unset } = echo;
      listed = [i.protocol ? { ...echo, protocol: i.protocol } : unset];
      return listed[0];
    },
  });
  await useConnectionStore().attach(fake.api);
});

test('picking a layout for a target sets it in the backend and the table shows it', async () => {
  const store = useTargetsStore();
  await store.setProtocol('demo:echo', 'telemetry');
  expect(fake.calls.find((c) => c.call === 'setProtocol')?.input).toEqual({
    target: 'demo:echo',
    protocol: 'telemetry',
  });
  expect(store.targets[0]?.protocol).toBe('telemetry');
  expect(store.busy.has('demo:echo')).toBe(false);
  await store.setProtocol('demo:echo', null);
  expect(fake.calls.filter((c) => c.call === 'setProtocol').at(-1)?.input).toEqual({
    target: 'demo:echo',
    protocol: null,
  });
  expect(store.targets[0]?.protocol).toBeUndefined();
});

test('a layout the backend refuses is an error notice naming the target and the layout, the old layout stays', async () => {
  const store = useTargetsStore();
  await store.setProtocol('demo:echo', 'nosuch');
  const notice = useNoticesStore().notices.at(-1);
  expect(notice?.level).toBe('error');
  expect(notice?.message).toMatch(/^Setting the layout of demo:echo to nosuch: no protocol "nosuch"/);
  expect(store.targets[0]?.protocol).toBe('echo');
});
