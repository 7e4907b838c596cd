import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, expect, test } from 'vitest';
import { nextTick } from 'vue';
import type { LayoutSummary } from '../../electron/shared/studio-api.ts';
import { useComposerStore } from '../src/stores/composer.ts';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useNoticesStore } from '../src/stores/notices.ts';
import { fakeApi } from './fake-api.ts';

const sensor: LayoutSummary = {
  protocol: 'sensor',
  file: 'sensor.yaml',
  header: {
    type: { name: 'kind', enum: [{ value: '3', name: 'reading' }] },
    id: { name: 'seq' },
    user_value: { name: 'user_value' },
  },
  kinds: [
    {
      name: 'reading',
      when: { type: '3' },
      fields: [{ name: 'temp', kind: 'int', type: 's16', bits: 16, signed: true }],
    },
    { name: 'reset', when: { type: '4', user_value: '9' }, fields: [] },
  ],
};

let fake: ReturnType<typeof fakeApi>;
beforeEach(async () => {
  setActivePinia(createPinia());
  fake = fakeApi({
    listProtocols: () => [sensor],
    listCollections: () => [],
    encode: () => ({ bytes: btoa('\0'.repeat(34)), decoded: { tree: [] } }),
    send: (i: { count: number }) => ({ sent: i.count }),
    saveMessage: () => ({ name: 'c', messages: [] }),
  });
  await useConnectionStore().attach(fake.api);
});

test('loading picks the first layout and kind, with the header values that select it', async () => {
  const c = useComposerStore();
  await c.load();
  expect(c.protocol).toBe('sensor');
  expect(c.kind).toBe('reading');
  expect(c.header.type).toBe('3');
  expect(c.fields).toEqual({ temp: '0' });
  c.selectKind('reset');
  expect(c.header).toMatchObject({ type: '4', userValue: '9' });
  expect(c.fields).toEqual({});
});

test('sending N copies sends the layout body with the edited field values', async () => {
  const c = useComposerStore();
  await c.load();
  c.fields.temp = '-12';
  c.target = 'demo:echo';
  await c.send(5);
  const send = fake.calls.find((x) => x.call === 'send');
  expect(send?.input).toEqual({
    target: 'demo:echo',
    header: { type: '3', id: '0', userValue: '0' },
    body: { format: 'layout', protocol: 'sensor', kind: 'reading', fields: { temp: '-12' } },
    count: 5,
  });
  expect(c.lastSent).toBe('sent 5 to demo:echo');
});

test('raw mode sends the hex as base64 and refuses hex that is not whole bytes', async () => {
  const c = useComposerStore();
  await c.load();
  c.mode = 'raw';
  c.target = 'demo:echo';
  c.rawHex = '68 69';
  await c.send(1);
  expect(fake.calls.find((x) => x.call === 'send')?.input).toMatchObject({ body: { format: 'raw', data: btoa('hi') } });
  c.rawHex = '6';
  await c.send(1);
  expect(useNoticesStore().notices.at(-1)?.message).toBe(
    'Sending to demo:echo: the data, at character 1: the last byte has one hex digit: write it with two (0f, not f)',
  );
});

test('the hex view follows each edit of the form', async () => {
  const c = useComposerStore();
  await c.load();
  await nextTick();
  const before = fake.calls.filter((x) => x.call === 'encode').length;
  c.fields.temp = '21';
  await nextTick();
  await Promise.resolve();
  const encodes = fake.calls.filter((x) => x.call === 'encode');
  expect(encodes.length).toBe(before + 1);
  expect(encodes.at(-1)?.input).toMatchObject({ body: { fields: { temp: '21' } } });
});

test('a saved raw message opens back into the raw editor', async () => {
  const c = useComposerStore();
  await c.load();
  c.open({ name: 'hi', header: { type: '1', id: '2', userValue: '3' }, body: { format: 'raw', data: btoa('hi') } });
  expect(c.mode).toBe('raw');
  expect(c.rawHex).toBe('68 69');
  expect(c.header).toEqual({ type: '1', id: '2', userValue: '3' });
});

test('a refused send becomes a notice naming the target and the reason, with a permission hint', async () => {
  setActivePinia(createPinia());
  const denied = Object.assign(new Error('open /dev/kucomms_x: Permission denied'), { code: 'EACCES' });
  const f = fakeApi({
    listProtocols: () => [sensor],
    listCollections: () => [],
    encode: () => ({ bytes: '', decoded: { tree: [] } }),
    send: () => Promise.reject(denied),
  });
  await useConnectionStore().attach(f.api);
  const c = useComposerStore();
  await c.load();
  c.target = '/dev/kucomms_x';
  await c.send(1);
  const n = useNoticesStore().notices.at(-1);
  expect(n?.level).toBe('error');
  expect(n?.message).toMatch(
    /^Sending to \/dev\/kucomms_x: open \/dev\/kucomms_x: Permission denied — this needs permission/,
  );
});
