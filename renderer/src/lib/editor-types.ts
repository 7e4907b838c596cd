// What CodeEditor.vue is given besides its text: located problems to mark
// inline, and a completion provider. Lines and columns are 1-based (as
// compilers and the layout loader report them); offsets are 0-based.

export interface EditorDiagnostic {
  line: number;
  column: number;
  /** Where the marked range ends; absent: to the end of the word at line:column. */
  endLine?: number;
  endColumn?: number;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

export interface EditorCompletions {
  /** Offset where the replaced word starts. */
  from: number;
  options: Array<{ label: string; type?: string; detail?: string; info?: string }>;
}

/** Completions at @offset of @text; null when there are none to offer. */
export type CompletionProvider = (text: string, offset: number) => Promise<EditorCompletions | null>;

export type EditorLanguage = 'yaml' | 'typescript' | 'c' | 'lua' | 'text';
