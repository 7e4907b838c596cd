// The layout form and the YAML over one document: YAML -> form -> YAML keeps
// the meaning (and comments), form edits appear in the YAML, and YAML that
// does not parse leaves the form as it was.
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, expect, test } from 'vitest';
import { nextTick } from 'vue';
import { parse } from 'yaml';
import LayoutForm from '../src/components/LayoutForm.vue';
import { parseLayoutYaml, printLayout, readModel } from '../src/lib/layout-model.ts';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useProtocolsStore } from '../src/stores/protocols.ts';
import { fakeApi } from './fake-api.ts';

/** Every field type the format has: integers (widths, signed, endian, enum, flags, bits), floats, bool, bytes and strings of every size form, arrays of every count form, nested structs. */
const EVERY_TYPE = `# the sensor board
protocol: board
doc: A board.
endian: big
header:
  type: { name: kind, enum: kind, doc: which message }
  id: { name: seq }
  user_value: { name: stamp, volatile: true }
reply:
  match: [type, id]
messages:
  - name: sample   # the usual one
    doc: one sample
    when: { type: sample, user_value: 0x10 }
    fields:
      - { name: a, type: u8 }
      - { name: b, type: s24, endian: little }
      - { name: c, type: u16, enum: unit }
      - { name: d, type: u8, flags: status }
      - name: e
        type: u16
        bits:
          - { name: on, at: 0 }
          - { name: mode, at: 1, width: 2, enum: unit }
      - { name: f, type: f32 }
      - { name: g, type: f64, endian: little }
      - { name: h, type: bool, volatile: true }
      - { name: i, type: bytes, size: 4 }
      - { name: n, type: u8 }
      - { name: j, type: string, size: n }
      - { name: k, type: string, size: { prefix: u16, endian: big }, encoding: latin1 }
      - { name: l, type: string, size: 8, pad: 0 }
      - { name: m, type: point, count: 2 }
      - { name: o, type: s64, count: { prefix: u8 } }
      - { name: p, type: u8, count: n }
      - { name: q, type: bytes, size: rest }
  - name: other
types:
  point:
    doc: a position
    fields:
      - { name: x, type: s32 }
      - { name: y, type: s32 }
enums:
  kind:
    1: sample
    0xffffffffffffffff: last
  unit:
    0: celsius
    1: kelvin
flags:
  status:
    0: ready
    7: fault
`;

let store: ReturnType<typeof useProtocolsStore>;
beforeEach(async () => {
  setActivePinia(createPinia());
  const fake = fakeApi({
    checkLayout: () => ({ errors: [], compatibility: [] }),
    previewLayout: () => ({ bytes: '', decoded: { tree: [] } }),
    generateCode: () => ({ code: '', fileName: 'x' }),
  });
  await useConnectionStore().attach(fake.api);
  store = useProtocolsStore();
  store.readOnly = false;
  store.setText(EVERY_TYPE);
});

const model = (text: string) => {
  const r = parseLayoutYaml(text);
  if (!('doc' in r)) throw new Error(r.problem.message);
  return readModel(r.doc);
};

test('YAML -> form -> YAML keeps the meaning of every field type, and the comments', () => {
  const r = parseLayoutYaml(EVERY_TYPE);
  if (!('doc' in r)) throw new Error('does not parse');
  const printed = printLayout(r.doc);
  expect(parse(printed, { intAsBigInt: true })).toEqual(parse(EVERY_TYPE, { intAsBigInt: true }));
  for (const comment of ['# the sensor board', '# the usual one']) expect(printed).toContain(comment);
  const m = readModel(r.doc);
  expect(m.messages?.[0]?.when).toEqual({ type: 'sample', user_value: '0x10' });
  expect(Object.keys(m.enums?.kind ?? {})).toEqual(['1', '0xffffffffffffffff']);
  expect(m.messages?.[0]?.fields?.map((f) => f.type)).toEqual([
    'u8',
    's24',
    'u16',
    'u8',
    'u16',
    'f32',
    'f64',
    'bool',
    'bytes',
    'u8',
    'string',
    'string',
    'string',
    'point',
    's64',
    'u8',
    'bytes',
  ]);
});

test('the form shows every field of the YAML with its type, sizes and counts', () => {
  const w = mount(LayoutForm);
  const kind = w.find('[data-kind-index="0"]');
  expect(kind.find<HTMLInputElement>('[data-test=kind-name]').element.value).toBe('sample');
  expect(kind.find<HTMLInputElement>('[data-test=when-user_value]').element.value).toBe('0x10');
  const field = (i: number) => kind.find(`[data-field="messages.0.fields.${i}"]`);
  expect(field(1).find<HTMLSelectElement>('[data-test=field-endian]').element.value).toBe('little');
  expect(field(2).find<HTMLSelectElement>('[data-test=field-meaning]').element.value).toBe('enum');
  expect(field(3).find<HTMLSelectElement>('[data-test=field-flags]').element.value).toBe('status');
  expect(field(4).findAll('[data-bit]')).toHaveLength(2);
  expect(field(10).find<HTMLInputElement>('[data-test=length-size] [data-test=length-value]').element.value).toBe('n');
  expect(field(11).find<HTMLSelectElement>('[data-test=length-size] [data-test=length-prefix]').element.value).toBe(
    'u16',
  );
  expect(field(13).find<HTMLSelectElement>('[data-test=field-type]').element.value).toBe('point');
  expect(field(14).find<HTMLSelectElement>('[data-test=length-array] [data-test=length-mode]').element.value).toBe(
    'prefix',
  );
  expect(field(16).find<HTMLSelectElement>('[data-test=length-size] [data-test=length-mode]').element.value).toBe(
    'rest',
  );
  expect(w.find('[data-type=point]').findAll('[data-field]')).toHaveLength(2);
});

test('form edits appear in the YAML, in place, comments kept', async () => {
  const w = mount(LayoutForm);
  const kind = w.find('[data-kind-index="0"]');
  await kind.find('[data-field="messages.0.fields.0"] [data-test=field-name]').setValue('alpha');
  await kind.find('[data-field="messages.0.fields.5"] [data-test=field-type]').setValue('s16');
  await kind.find('[data-test=when-id]').setValue('7');
  await w.find('[data-kind-index="1"] [data-test=add-field]').trigger('click');
  await kind.find('[data-field="messages.0.fields.16"] button[title="move up"]').trigger('click');
  await nextTick();
  expect(store.text).toContain('{ name: alpha, type: u8 }');
  expect(store.text).toContain('{ name: f, type: s16 }');
  expect(store.text).toContain('when: { type: sample, id: 7, user_value: 0x10 }');
  expect(store.text).toContain('# the usual one');
  const m = model(store.text);
  expect(m.messages?.[1]?.fields).toEqual([{ name: 'field_1', type: 'u32' }]);
  expect(m.messages?.[0]?.fields?.slice(-2).map((f) => f.name)).toEqual(['q', 'p']);
  expect(store.dirty).toBe(false); // nothing is open: the editor text alone changed
});

test('a form edit rewrites only the lines of what it edits', async () => {
  const w = mount(LayoutForm);
  /** The lines of @next that differ from the same lines of the form's text before, for edits that keep the line count. */
  const differing = (before: string, next: string): string[] => {
    const old = before.split('\n');
    const now = next.split('\n');
    expect(now).toHaveLength(old.length);
    return now.filter((line, i) => line !== old[i]);
  };
  await w.find('[data-field="messages.0.fields.1"] [data-test=field-name]').setValue('beta');
  expect(differing(EVERY_TYPE, store.text)).toEqual(['      - { name: beta, type: s24, endian: little }']);
  const renamed = store.text;
  const replyByUserValue = w.findAll('label.check input[type=checkbox]')[2]!;
  await replyByUserValue.setValue(true);
  // The form builds a new `reply`; the list stays written as it was: flow, unpadded.
  expect(differing(renamed, store.text)).toEqual(['  match: [type, id, user_value]']);
});

test('pairing replies by a header field in a layout that had no `reply` writes it as the shipped layouts do, a flow list', async () => {
  store.setText(EVERY_TYPE.replace('reply:\n  match: [type, id]\n', ''));
  const w = mount(LayoutForm);
  await w.findAll('label.check input[type=checkbox]')[1]!.setValue(true);
  expect(store.text).toMatch(/^reply:\n {2}match: \[ ?id ?\]\nmessages:$/m);
  expect(model(store.text).reply).toEqual({ match: ['id'] });
});

test('a new enum or flags set is written as the shipped layouts write them: a block map with integer keys', async () => {
  const w = mount(LayoutForm);
  await w.find('[data-test=add-enums]').trigger('click');
  await w.find('[data-test=add-flags]').trigger('click');
  const m = model(store.text);
  const added = (what: 'enums' | 'flags'): string => Object.keys(m[what] ?? {}).at(-1)!;
  const lines = store.text.split('\n');
  const after = (key: string): string[] => lines.slice(lines.indexOf(key), lines.indexOf(key) + 2);
  expect(after(`  ${added('enums')}:`)).toEqual([`  ${added('enums')}:`, '    1: one']);
  expect(after(`  ${added('flags')}:`)).toEqual([`  ${added('flags')}:`, '    0: bit_0']);
});

test('changing a field to a string gives it a size; removing a field and a kind edits the YAML', async () => {
  const w = mount(LayoutForm);
  await w.find('[data-field="messages.0.fields.0"] [data-test=field-type]').setValue('string');
  await w.find('[data-field="messages.0.fields.2"] [data-test=remove-field]').trigger('click');
  await w.find('[data-kind-index="1"] [data-test=remove-kind]').trigger('click');
  const m = model(store.text);
  expect(m.messages?.[0]?.fields?.[0]).toEqual({ name: 'a', type: 'string', size: 4 });
  expect(m.messages?.[0]?.fields?.map((f) => f.name)).not.toContain('c');
  expect(m.messages?.map((k) => k.name)).toEqual(['sample']);
});

test('YAML that does not parse leaves the form as it was, and it follows again once it parses', async () => {
  const w = mount(LayoutForm);
  store.setText(EVERY_TYPE.replace('protocol: board', 'protocol: [board'));
  await nextTick();
  expect(store.yamlProblem?.line).toBeGreaterThan(0);
  expect(w.find<HTMLInputElement>('[data-test=form-protocol]').element.value).toBe('board');
  expect(w.find('[data-kind-index="0"] [data-test=kind-name]').exists()).toBe(true);
  store.setText(EVERY_TYPE.replace('protocol: board', 'protocol: card'));
  await nextTick();
  expect(store.yamlProblem).toBeUndefined();
  expect(w.find<HTMLInputElement>('[data-test=form-protocol]').element.value).toBe('card');
});

test('typing `- ` to start a new list item keeps the form showing every item, the new one empty and editable', async () => {
  const w = mount(LayoutForm);
  // A new kind, a new field and a new bit, each just begun: `- ` with nothing after it yet.
  const begun = EVERY_TYPE.replace('  - name: other\n', '  - name: other\n  - \n')
    .replace(
      '      - { name: q, type: bytes, size: rest }\n',
      '      - { name: q, type: bytes, size: rest }\n      - \n',
    )
    .replace(
      '          - { name: mode, at: 1, width: 2, enum: unit }\n',
      '          - { name: mode, at: 1, width: 2, enum: unit }\n          - \n',
    );
  store.setText(begun);
  await nextTick();
  expect(store.yamlProblem).toBeUndefined();
  expect(store.kinds).toEqual(['sample', 'other']);
  expect(w.findAll('[data-kind-index]')).toHaveLength(3);
  expect(w.find<HTMLInputElement>('[data-kind-index="2"] [data-test=kind-name]').element.value).toBe('');
  expect(w.find('[data-kind-index="0"]').findAll('[data-field^="messages.0.fields."]')).toHaveLength(18);
  expect(w.find('[data-field="messages.0.fields.4"]').findAll('[data-bit]')).toHaveLength(3);
  // Naming the new kind in the form fills in the item the YAML began.
  await w.find('[data-kind-index="2"] [data-test=kind-name]').setValue('third');
  expect(model(store.text).messages?.map((k) => k.name)).toEqual(['sample', 'other', 'third']);
});
