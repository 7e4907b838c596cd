// Keyboard shortcuts: one registry, one keydown listener, and the list the
// help overlay (press ?) shows. A view registers the common actions it has:
//
//   useShortcut('Ctrl+S', 'Save the layout', save, { view: 'protocols' });
//
// Keys are modifiers (Ctrl, Alt, Shift) and one key joined by +: 'Ctrl+S',
// 'Ctrl+Enter', 'Alt+1', 'Ctrl+Shift+L', '?', 'F1', 'Escape'. Ctrl also
// answers to the Command key. Letters and digits match the key's place on
// the keyboard (so Alt+1 works whatever Alt makes the key type); a symbol
// like '?' matches the character typed, whichever Shift it takes.
//
// While the focus is in a text field (input, textarea, CodeMirror), only
// shortcuts with Ctrl or Alt and the F keys act: the rest are typing. A
// shortcut with a view acts only while that tab is shown, and wins over a
// global one with the same keys; none acts behind a modal dialog except the
// global ones. Registered inside a component or a store, a shortcut goes
// away with it.
import { getCurrentScope, onScopeDispose, shallowRef, type Ref } from 'vue';
import type { TabId } from './tabs.ts';

export type { TabId } from './tabs.ts';

export interface Combo {
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
  /** 'S', '1', '?', 'Enter', 'F1', ... (letters upper case) */
  key: string;
}

export interface Shortcut {
  keys: string;
  description: string;
  view?: TabId;
  combo: Combo;
  run: () => void;
}

const MODIFIERS = ['Ctrl', 'Alt', 'Shift'] as const;
const NAMED_KEYS = new Set([
  'Enter',
  'Escape',
  'Tab',
  'Space',
  'Backspace',
  'Delete',
  'Insert',
  'Home',
  'End',
  'PageUp',
  'PageDown',
  'ArrowUp',
  'ArrowDown',
  'ArrowLeft',
  'ArrowRight',
]);

const registry = shallowRef<readonly Shortcut[]>([]);
/** Every registered shortcut, in the order registered (the help overlay lists them). */
export const shortcuts: Readonly<Ref<readonly Shortcut[]>> = registry;

let shownView: () => TabId | undefined = () => undefined;
let listening = false;

/** Tells the registry which tab is shown (the App does, once). */
export function setShortcutView(view: () => TabId | undefined): void {
  shownView = view;
}

/** Parses 'Ctrl+Shift+L'; throws naming what is wrong (a mistake in the code that registers it). */
export function parseKeys(keys: string): Combo {
  const parts = keys.length > 1 && keys.endsWith('++') ? [...keys.slice(0, -2).split('+'), '+'] : keys.split('+');
  const key = parts.pop() ?? '';
  const combo: Combo = { ctrl: false, alt: false, shift: false, key: key.length === 1 ? key.toUpperCase() : key };
  for (const m of parts) {
    if (!(MODIFIERS as readonly string[]).includes(m))
      throw new Error(`shortcut "${keys}": "${m}" is not a modifier (${MODIFIERS.join(', ')})`);
    combo[m.toLowerCase() as 'ctrl' | 'alt' | 'shift'] = true;
  }
  if (key.length !== 1 && !NAMED_KEYS.has(key) && !/^F([1-9]|1[0-2])$/.test(key))
    throw new Error(
      `shortcut "${keys}": "${key}" is not a key (one character, F1-F12, or ${[...NAMED_KEYS].join(', ')})`,
    );
  return combo;
}

/** A symbol such as '?' is typed with or without Shift depending on the keyboard: Shift is not compared. */
function isSymbol(key: string): boolean {
  return key.length === 1 && !/[A-Z0-9]/.test(key);
}

/** The names an event's key goes by: what it typed, and for letters and digits its place on the keyboard. */
function eventKeys(e: KeyboardEvent): string[] {
  const names = [e.key === ' ' ? 'Space' : e.key.length === 1 ? e.key.toUpperCase() : e.key];
  const place = /^(?:Key([A-Z])|Digit([0-9]))$/.exec(e.code);
  if (place) names.push(place[1] ?? place[2] ?? '');
  return names;
}

export function matches(combo: Combo, e: KeyboardEvent): boolean {
  if ((e.ctrlKey || e.metaKey) !== combo.ctrl || e.altKey !== combo.alt) return false;
  if (!isSymbol(combo.key) && e.shiftKey !== combo.shift) return false;
  return eventKeys(e).includes(combo.key);
}

function isTyping(e: KeyboardEvent): boolean {
  const el = e.target as HTMLElement | null;
  if (!el || typeof el.closest !== 'function') return false;
  return el.isContentEditable || el.closest('input, textarea, select, [contenteditable="true"], .cm-editor') !== null;
}

/** Acts even while typing: it cannot be text. */
function actsWhileTyping(combo: Combo): boolean {
  return combo.ctrl || combo.alt || /^F[0-9]+$/.test(combo.key);
}

function onKeydown(e: KeyboardEvent): void {
  if (e.isComposing || e.defaultPrevented) return;
  const typing = isTyping(e);
  const view = shownView();
  const modal = document.querySelector('[aria-modal="true"]') !== null;
  const candidates = registry.value.filter(
    (s) =>
      matches(s.combo, e) &&
      (!typing || actsWhileTyping(s.combo)) &&
      (s.view === undefined || (s.view === view && !modal)),
  );
  // A view's own shortcut over a global one; among equals, the one registered last.
  const chosen = candidates.filter((s) => s.view !== undefined).at(-1) ?? candidates.at(-1);
  if (!chosen) return;
  e.preventDefault();
  e.stopPropagation();
  chosen.run();
}

/** Registers a shortcut; returns its removal (also done when the calling component or store goes away). */
export function useShortcut(
  keys: string,
  description: string,
  run: () => void,
  options: { view?: TabId } = {},
): () => void {
  const shortcut: Shortcut = {
    keys,
    description,
    combo: parseKeys(keys),
    run,
    ...(options.view ? { view: options.view } : {}),
  };
  registry.value = [...registry.value, shortcut];
  if (!listening && typeof window !== 'undefined') {
    // The capture phase: a shortcut acts before an editor (CodeMirror) takes the same keys for itself.
    window.addEventListener('keydown', onKeydown, true);
    listening = true;
  }
  const remove = (): void => {
    registry.value = registry.value.filter((s) => s !== shortcut);
  };
  if (getCurrentScope()) onScopeDispose(remove);
  return remove;
}
