import { afterEach, expect, test, vi } from 'vitest';
import { effectScope } from 'vue';
import { parseKeys, setShortcutView, shortcuts, useShortcut } from '../src/lib/shortcuts.ts';
import type { TabId } from '../src/lib/tabs.ts';

const removals: Array<() => void> = [];
function register(keys: string, run: () => void, view?: TabId): void {
  removals.push(useShortcut(keys, `does ${keys}`, run, view ? { view } : {}));
}
afterEach(() => {
  removals.splice(0).forEach((remove) => remove());
  document.body.innerHTML = '';
  setShortcutView(() => undefined);
});

function press(init: KeyboardEventInit, target: EventTarget = document.body): KeyboardEvent {
  const e = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(e);
  return e;
}

test('a combination runs its action and keeps the browser from acting on it', () => {
  const save = vi.fn();
  register('Ctrl+S', save);
  const e = press({ key: 's', code: 'KeyS', ctrlKey: true });
  expect(save).toHaveBeenCalledOnce();
  expect(e.defaultPrevented).toBe(true);
  press({ key: 'S', code: 'KeyS', ctrlKey: true, shiftKey: true });
  press({ key: 's', code: 'KeyS' });
  expect(save).toHaveBeenCalledOnce();
});

test('Alt+digit matches the key by its place even when Alt types another character', () => {
  const second = vi.fn();
  register('Alt+2', second);
  press({ key: '™', code: 'Digit2', altKey: true });
  expect(second).toHaveBeenCalledOnce();
});

test('? answers to the character, whichever Shift the keyboard needs, but not while typing', () => {
  const help = vi.fn();
  register('?', help);
  press({ key: '?', code: 'Slash', shiftKey: true });
  expect(help).toHaveBeenCalledOnce();
  const input = document.createElement('input');
  document.body.append(input);
  press({ key: '?', code: 'Slash', shiftKey: true }, input);
  expect(help).toHaveBeenCalledOnce();
});

test('Ctrl shortcuts and F keys act while typing in a field', () => {
  const run = vi.fn();
  const help = vi.fn();
  register('Ctrl+Enter', run);
  register('F1', help);
  const editor = document.createElement('div');
  editor.className = 'cm-editor';
  const content = document.createElement('div');
  editor.append(content);
  document.body.append(editor);
  press({ key: 'Enter', code: 'Enter', ctrlKey: true }, content);
  press({ key: 'F1', code: 'F1' }, content);
  expect(run).toHaveBeenCalledOnce();
  expect(help).toHaveBeenCalledOnce();
});

test("a view's shortcut acts only on its tab, wins over a global one there, and not behind a modal dialog", () => {
  let view: TabId = 'traffic';
  setShortcutView(() => view);
  const global = vi.fn();
  const scripts = vi.fn();
  register('Ctrl+Enter', global);
  register('Ctrl+Enter', scripts, 'scripts');
  press({ key: 'Enter', code: 'Enter', ctrlKey: true });
  expect([global.mock.calls.length, scripts.mock.calls.length]).toEqual([1, 0]);
  view = 'scripts';
  press({ key: 'Enter', code: 'Enter', ctrlKey: true });
  expect([global.mock.calls.length, scripts.mock.calls.length]).toEqual([1, 1]);
  const dialog = document.createElement('div');
  dialog.setAttribute('aria-modal', 'true');
  document.body.append(dialog);
  press({ key: 'Enter', code: 'Enter', ctrlKey: true });
  expect([global.mock.calls.length, scripts.mock.calls.length]).toEqual([2, 1]);
});

test('a shortcut registered in a scope (a component, a store) goes away with it', () => {
  const run = vi.fn();
  const scope = effectScope();
  scope.run(() => useShortcut('Ctrl+K', 'clear', run));
  expect(shortcuts.value.map((s) => s.keys)).toEqual(['Ctrl+K']);
  scope.stop();
  expect(shortcuts.value).toEqual([]);
  press({ key: 'k', code: 'KeyK', ctrlKey: true });
  expect(run).not.toHaveBeenCalled();
});

test('a misspelt shortcut is an error naming it', () => {
  expect(() => parseKeys('Control+S')).toThrow('"Control" is not a modifier');
  expect(() => parseKeys('Ctrl+Enterr')).toThrow('"Enterr" is not a key');
  expect(parseKeys('Ctrl+Shift+l')).toEqual({ ctrl: true, alt: false, shift: true, key: 'L' });
});
