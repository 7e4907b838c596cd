// Reading a YAML file the Studio checks (layouts, rules): duplicate keys are
// errors, integers keep every digit (BigInt), and every syntax error is
// collected with its line and column for the caller to report with its own.
import { LineCounter, parseDocument } from 'yaml';
import { ErrorSink, LayoutLoadError } from './load-errors.ts';

export interface YamlText {
  /** The document as plain values (integers as BigInt); undefined for an empty file. */
  js: unknown;
  /** The syntax errors so far; the caller adds its own and throws LayoutLoadError when there are any. */
  sink: ErrorSink;
}

/** Parses @text; throws LayoutLoadError only when the document cannot be turned into values at all. */
export function readYamlText(text: string, file: string): YamlText {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, intAsBigInt: true, prettyErrors: false });
  const sink = new ErrorSink(file, doc, lines);
  for (const e of [...doc.errors, ...doc.warnings])
    sink.atOffset(
      e.pos[0],
      '',
      yamlMessage(e.code, e.message, /^("[^"]*"|'[^']*'|[^:\s,}\]]+)/.exec(text.slice(e.pos[0]))?.[0] ?? ''),
    );
  try {
    return { js: doc.toJS({ maxAliasCount: 100 }), sink };
  } catch (err) {
    // An alias without its anchor, or aliases that expand too far: the YAML
    // library says so by throwing; report it where the first alias is.
    sink.atOffset(Math.max(0, text.indexOf('*')), '', (err as Error).message);
    throw new LayoutLoadError(sink.errors);
  }
}

function yamlMessage(code: string, message: string, source: string): string {
  if (code === 'DUPLICATE_KEY') return `duplicate key "${source}": a key may appear only once in a map`;
  return (message.split('\n')[0] ?? message).replace(/ at line.*$/, '');
}
