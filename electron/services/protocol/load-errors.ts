// Layout errors carry the file, line and column of the offending YAML node.
// Every check (YAML syntax, JSON Schema, meaning) reports a path into the
// document; locate() turns it into a position.
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type DocPath = Array<string | number>;

export interface LayoutError {
  file: string;
  line: number;
  column: number;
  /** where in the layout, e.g. messages[1].fields[0].size */
  path: string;
  message: string;
}

export class LayoutLoadError extends Error {
  constructor(readonly errors: LayoutError[]) {
    super(errors.map(formatLayoutError).join('\n'));
    this.name = 'LayoutLoadError';
  }
}

/** A file refused for its size before it is parsed: @what ("a layout") is at most @limit bytes. */
export function tooLargeError(file: string, bytes: number, what: string, limit: string): LayoutLoadError {
  return new LayoutLoadError([
    { file, line: 1, column: 1, path: '', message: `the file is ${bytes} bytes; ${what} is at most ${limit}` },
  ]);
}

export function formatLayoutError(e: LayoutError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

export function pathToString(path: DocPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

/**
 * The source offset of the node at @path (its key when @atKey, which is
 * where "unknown key" belongs), or of the deepest node that exists on the way.
 */
function locateOffset(doc: Document, path: DocPath, atKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const [i, step] of path.entries()) {
    let next: unknown;
    let keyNode: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
      next = pair?.value;
      keyNode = pair?.key;
    } else if (isSeq(node) && typeof step === 'number') {
      next = node.items[step];
    }
    const last = i === path.length - 1;
    const target = last && atKey && keyNode ? keyNode : next;
    const range = (target as Node | undefined)?.range;
    if (!range) {
      const keyRange = (keyNode as Node | undefined)?.range;
      if (keyRange) offset = keyRange[0];
      break;
    }
    offset = range[0];
    node = next;
  }
  return offset;
}

/** Collects errors for one file and gives each its line and column. */
export class ErrorSink {
  readonly errors: LayoutError[] = [];
  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  at(path: DocPath, message: string, atKey = false): void {
    this.atOffset(locateOffset(this.doc, path, atKey), pathToString(path), message);
  }

  atOffset(offset: number, path: string, message: string): void {
    const { line, col } = this.lines.linePos(offset);
    this.errors.push({ file: this.file, line, column: col, path, message });
  }
}
