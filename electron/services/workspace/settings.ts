// settings.json of a workspace: read with every problem located (line and
// column), so a hand-edited file with a typo says where, and the Studio goes
// on with the defaults instead of stopping.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import {
  workspaceSettingsSchema,
  type WorkspaceSettings,
  type WorkspaceSettingsView,
} from '../../shared/api/workspace-api.ts';
import { ErrorSink } from '../protocol/load-errors.ts';

export function readSettings(file: string): WorkspaceSettingsView {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { settings: {}, errors: [] };
    return {
      settings: {},
      errors: [{ file, line: 1, column: 1, path: '', message: `cannot read: ${(err as Error).message}` }],
    };
  }
  return parseSettings(text, file);
}

export function parseSettings(text: string, file: string): WorkspaceSettingsView {
  const lines = new LineCounter();
  // JSON is YAML: the YAML document gives each value's position for the schema's errors.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const sink = new ErrorSink(file, doc, lines);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    sink.atOffset(syntaxErrorOffset(err as Error, text), '', `not valid JSON: ${jsonMessage(err as Error)}`);
    return { settings: {}, errors: sink.errors };
  }
  const parsed = workspaceSettingsSchema.safeParse(value);
  if (parsed.success) return { settings: parsed.data, errors: [] };
  for (const issue of parsed.error.issues) {
    const docPath = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys')
      for (const key of issue.keys)
        sink.at(
          [...docPath, key],
          `unknown setting "${key}"; the settings are ${Object.keys(workspaceSettingsSchema.shape).join(', ')}`,
          true,
        );
    else sink.at(docPath, issue.message);
  }
  return { settings: {}, errors: sink.errors };
}

export function formatSettings(settings: WorkspaceSettings): string {
  return `${JSON.stringify(settings, null, 2)}\n`;
}

/** Where JSON.parse stopped: V8 names the position ("... at position 17"), or the input ended. */
function syntaxErrorOffset(err: Error, text: string): number {
  const at = /at position (\d+)/.exec(err.message);
  return at ? Number(at[1]) : text.length;
}

function jsonMessage(err: Error): string {
  return err.message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
}
