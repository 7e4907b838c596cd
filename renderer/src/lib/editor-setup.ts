// The CodeMirror 6 pieces CodeEditor.vue assembles: languages, the Studio's
// theme (drawn from the CSS variables, so it follows the light or dark
// theme without rebuilding the editor) and the conversion of located
// diagnostics to document ranges.
import { javascript } from '@codemirror/lang-javascript';
import { yaml } from '@codemirror/lang-yaml';
import { HighlightStyle, StreamLanguage, syntaxHighlighting, type LanguageSupport } from '@codemirror/language';
import { c } from '@codemirror/legacy-modes/mode/clike';
import { lua } from '@codemirror/legacy-modes/mode/lua';
import type { Diagnostic } from '@codemirror/lint';
import type { Extension, Text } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import type { EditorDiagnostic, EditorLanguage } from './editor-types.ts';

export function languageExtension(language: EditorLanguage): Extension | LanguageSupport {
  switch (language) {
    case 'yaml':
      return yaml();
    case 'typescript':
      return javascript({ typescript: true });
    case 'c':
      return StreamLanguage.define(c);
    case 'lua':
      return StreamLanguage.define(lua);
    case 'text':
      return [];
  }
}

// Each colour is a CSS variable with a fallback, so a theme only has to set
// the variables (base.css) for the editor to follow it.
const syntax = (name: string, fallback: string): string => `var(--syntax-${name}, ${fallback})`;

const highlightStyle = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.moduleKeyword, t.operatorKeyword], color: syntax('keyword', '#7b4fc4') },
  { tag: [t.string, t.special(t.string), t.regexp], color: syntax('string', '#1f7a3a') },
  { tag: [t.number, t.bool, t.null, t.atom], color: syntax('number', '#b35c00') },
  {
    tag: [t.comment, t.lineComment, t.blockComment, t.docComment],
    color: syntax('comment', '#6b7785'),
    fontStyle: 'italic',
  },
  { tag: [t.typeName, t.className, t.namespace], color: syntax('type', '#1f6f8c') },
  { tag: [t.propertyName, t.definition(t.propertyName)], color: syntax('property', '#2f5fb8') },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: syntax('function', '#8a3f9e') },
  { tag: [t.meta, t.processingInstruction], color: syntax('meta', '#7a6a00') },
  { tag: t.invalid, color: 'var(--error)' },
]);

const theme = EditorView.theme({
  '&': { color: 'var(--text)', backgroundColor: 'var(--panel)', height: '100%', fontSize: '12.5px' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.5' },
  '.cm-content': { caretColor: 'var(--text)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused': { outline: 'none' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': {
    backgroundColor: 'var(--row-selected)',
  },
  '.cm-activeLine': { backgroundColor: 'var(--row-hover)' },
  '.cm-gutters': { backgroundColor: 'var(--bg)', color: 'var(--text-dim)', borderRight: '1px solid var(--border)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--row-hover)' },
  '.cm-tooltip': { backgroundColor: 'var(--panel)', color: 'var(--text)', border: '1px solid var(--border-strong)' },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: 'var(--accent)', color: 'var(--panel)' },
  '.cm-panels': { backgroundColor: 'var(--bg)', color: 'var(--text)' },
  '.cm-searchMatch': { backgroundColor: 'var(--highlight)' },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--error)' },
  '.cm-diagnostic-warning': { borderLeftColor: 'var(--warn)' },
});

export const studioTheme: Extension = [theme, syntaxHighlighting(highlightStyle)];

/** The document offset of 1-based @line and @column, clamped into the document. */
export function offsetOf(doc: Text, line: number, column: number): number {
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return Math.min(l.from + Math.max(column - 1, 0), l.to);
}

/** Located diagnostics as document ranges; one without an end covers the word at its start (at least a character). */
export function toCmDiagnostics(doc: Text, diagnostics: readonly EditorDiagnostic[]): Diagnostic[] {
  return diagnostics.map((d) => {
    const from = offsetOf(doc, d.line, d.column);
    let to = d.endLine !== undefined ? offsetOf(doc, d.endLine, d.endColumn ?? 1) : from;
    if (d.endLine === undefined) {
      const rest = doc.sliceString(from, doc.lineAt(from).to);
      to = from + (/^[\w.-]+/.exec(rest)?.[0].length ?? 0);
    }
    if (to <= from) to = Math.min(from + 1, doc.length);
    return { from, to: Math.max(to, from), severity: d.severity, message: d.message };
  });
}
