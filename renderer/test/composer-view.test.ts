// The Composer as a new user meets it: a header type that contradicts the
// kind chosen is flagged; switching to raw keeps the data composed; raw hex
// takes the ways people paste bytes and says where a mistake is, under the
// box; and the layout follows the chosen target's own.
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, expect, test } from 'vitest';
import { reactive } from 'vue';
import type { FieldSchemaJson, LayoutSummary, TargetView } from '../../electron/shared/studio-api.ts';
import ComposerView from '../src/components/ComposerView.vue';
import FieldInput from '../src/components/FieldInput.vue';
import type { FormStruct } from '../src/lib/form-values.ts';
import { parseHexText } from '../src/lib/hex-dump.ts';
import { useComposerStore } from '../src/stores/composer.ts';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useTargetsStore } from '../src/stores/targets.ts';
import { fakeApi } from './fake-api.ts';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 4; i++) await new Promise((r) => setTimeout(r, 0));
};
const layout = (protocol: string, type: string): LayoutSummary => ({
  protocol,
  file: `${protocol}.yaml`,
  header: { type: { name: 'kind' }, id: { name: 'seq' }, user_value: { name: 'user_value' } },
  kinds: [
    { name: 'reading', when: { type }, fields: [{ name: 'temp', kind: 'int', type: 'u8', bits: 8, signed: false }] },
  ],
});
const HEADER = '\0'.repeat(32);

beforeEach(async () => {
  setActivePinia(createPinia());
  const fake = fakeApi({
    listProtocols: () => [layout('sensor', '3'), layout('telemetry', '5')],
    listCollections: () => [],
    // The form's one u8 field after the header: 0x2a.
    encode: () => ({
      bytes: btoa(`${HEADER}\x2a`),
      decoded: { tree: [{ name: 'header', path: 'header', offset: 0, size: 32, type: 'header' }] },
    }),
  });
  await useConnectionStore().attach(fake.api);
});

test('a header type that contradicts the kind chosen is flagged beside the header', async () => {
  const c = useComposerStore();
  await c.load();
  const w = mount(ComposerView);
  await flush();
  expect(w.find('[data-test=kind-mismatch]').exists()).toBe(false);
  await w.find('#hdr-type').setValue('7');
  expect(w.find('[data-test=kind-mismatch]').text()).toBe(
    'type 7 does not select reading (it needs 3): the message will be read as another kind.',
  );
  await w.find('#hdr-type').setValue('0x3');
  expect(w.find('[data-test=kind-mismatch]').exists()).toBe(false);
});

test('switching to raw keeps the data composed in the form as hex', async () => {
  const c = useComposerStore();
  await c.load();
  const w = mount(ComposerView);
  await flush();
  await w.find('[data-test=protocol]').setValue('(raw)');
  expect(c.mode).toBe('raw');
  expect((w.find('textarea[data-path=data]').element as HTMLTextAreaElement).value).toBe('2a');
});

test('raw hex takes 0x…, de:ad, \\x.. and spaces, and says under the box which character is wrong', async () => {
  const bytes = (text: string) => {
    const r = parseHexText(text);
    return 'bytes' in r ? Array.from(r.bytes) : r;
  };
  for (const text of [
    'de ad be ef',
    'deadbeef',
    '0xde 0xad 0xbe 0xef',
    '0xdeadbeef',
    'de:ad:be:ef',
    '\\xde\\xad\\xbe\\xef',
    'de, ad, be, ef',
  ])
    expect(bytes(text), text).toEqual([0xde, 0xad, 0xbe, 0xef]);
  expect(bytes('de ag')).toEqual({ error: '"g" is not a hex digit', at: 4 });
  expect(bytes('de a')).toEqual({ error: 'the last byte has one hex digit: write it with two (0f, not f)', at: 3 });
  const c = useComposerStore();
  await c.load();
  const w = mount(ComposerView);
  await flush();
  c.useRaw();
  await flush();
  await w.find('textarea[data-path=data]').setValue('ca fe zz');
  expect(w.find('[data-test=raw-error]').text()).toBe('Character 7: "z" is not a hex digit');
  expect(w.find('textarea[data-path=data]').classes()).toContain('invalid');
});

test("choosing a target composes with the target's own layout", async () => {
  const c = useComposerStore();
  await c.load();
  expect(c.protocol).toBe('sensor');
  const targets: TargetView[] = [
    { target: 'demo:echo', kind: 'demo', description: 'echo', state: 'open', protocol: 'telemetry' },
  ];
  useTargetsStore().targets = targets;
  c.target = 'demo:echo';
  await flush();
  expect(c.protocol).toBe('telemetry');
  expect(c.header.type).toBe('5');
});

test('flags are check boxes, one per named flag, over the number: ticking one sets its bit and keeps the rest', async () => {
  const field: FieldSchemaJson = {
    name: 'options',
    kind: 'int',
    type: 'u8',
    bits: 8,
    signed: false,
    flags: [
      { value: '0', name: 'enabled' },
      { value: '2', name: 'fifo' },
    ],
  };
  const container: FormStruct = reactive({ options: '0x80' });
  const w = mount(FieldInput, { props: { field, container, at: 'options', path: 'data.options' } });
  const box = (flag: string) => w.find(`[data-test=flags] input[data-flag=${flag}]`);
  expect(w.findAll('[data-test=flags] label').map((l) => l.text())).toEqual(['enabled bit 0', 'fifo bit 2']);
  expect((box('enabled').element as HTMLInputElement).checked).toBe(false);
  await box('fifo').setValue(true);
  expect(container.options).toBe('132'); // bit 7 (no name) kept, bit 2 set
  await w.find('input[data-path="data.options"]').setValue('1');
  expect([
    (box('enabled').element as HTMLInputElement).checked,
    (box('fifo').element as HTMLInputElement).checked,
  ]).toEqual([true, false]);
});
