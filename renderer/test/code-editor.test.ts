import { mount } from '@vue/test-utils';
import { EditorView } from '@codemirror/view';
import { expect, test } from 'vitest';
import { nextTick } from 'vue';
import CodeEditor from '../src/components/CodeEditor.vue';

const viewOf = (el: Element): EditorView => {
  const view = EditorView.findFromDOM(el.querySelector('.cm-editor') as HTMLElement);
  if (!view) throw new Error('no editor view in the component');
  return view;
};

test('the editor shows its text, follows the model and reports what the user types', async () => {
  const w = mount(CodeEditor, { props: { modelValue: 'protocol: demo\n', language: 'yaml' }, attachTo: document.body });
  const view = viewOf(w.element);
  expect(view.state.doc.toString()).toBe('protocol: demo\n');
  await w.setProps({ modelValue: 'protocol: other\nmessages: []\n' });
  expect(view.state.doc.toString()).toBe('protocol: other\nmessages: []\n');
  // A change from the model is not echoed back as an edit...
  expect(w.emitted('update:modelValue')).toBeUndefined();
  // ...one from the user is.
  view.dispatch({ changes: { from: 0, insert: '# layout\n' } });
  expect(w.emitted('update:modelValue')?.at(-1)).toEqual(['# layout\nprotocol: other\nmessages: []\n']);
  w.unmount();
});

test('diagnostics are marked at their line and column, and replaced when they change', async () => {
  const text = 'protocol: demo\nmessages:\n  - name: ping\n    fields: 3\n';
  const w = mount(CodeEditor, {
    props: {
      modelValue: text,
      language: 'yaml',
      diagnostics: [{ line: 4, column: 13, severity: 'error', message: 'fields: expected a list' }],
    },
    attachTo: document.body,
  });
  await nextTick();
  const marks = (): string[] => [...w.element.querySelectorAll('.cm-lintRange-error')].map((e) => e.textContent ?? '');
  expect(marks()).toEqual(['3']);
  await w.setProps({ diagnostics: [{ line: 3, column: 11, severity: 'error', message: 'duplicate kind' }] });
  await nextTick();
  expect(marks()).toEqual(['ping']);
  await w.setProps({ diagnostics: [] });
  await nextTick();
  expect(marks()).toEqual([]);
  w.unmount();
});

test('a read-only editor refuses edits from the keyboard', async () => {
  const w = mount(CodeEditor, {
    props: { modelValue: 'int x;', language: 'c', readOnly: true },
    attachTo: document.body,
  });
  const view = viewOf(w.element);
  expect(view.state.readOnly).toBe(true);
  expect(w.element.querySelector('.cm-content')?.getAttribute('contenteditable')).toBe('false');
  w.unmount();
});
