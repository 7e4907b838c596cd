// The layouts the Studio knows: the shipped ones in protocols/ (read-only)
// and the open workspace's layouts/*.yaml, by protocol name. Loaded on first
// use and kept until reload() (the workspace watcher calls it when a layout
// changes on disk or the workspace switches); each layout's compiled codec is
// generated as it loads. A file with errors, or whose protocol name another
// file already took, is listed with its errors and left out, so one broken
// file never hides the others.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, isMap, isPair, isScalar, parseDocument, type Node } from 'yaml';
import type { LayoutErrorJson, LayoutFileView, LayoutSource } from '../../shared/api/layouts-api.ts';
import { StudioError, type LayoutSummary } from '../../shared/studio-api.ts';
import type { Layout } from '../protocol/layout.ts';
import { layoutAccess } from '../protocol/field-access.ts';
import { LayoutLoadError, loadLayoutText } from '../protocol/loader.ts';
import { fieldSchema, headerSchema } from './layout-schema.ts';

export const PROTOCOLS_DIR = fileURLToPath(new URL('../../../protocols/', import.meta.url));

export interface LayoutEntry {
  source: LayoutSource;
  /** The file name (echo.yaml). */
  name: string;
  /** The full path. */
  file: string;
  /** Present when the file loaded and its protocol name is its own. */
  layout?: Layout;
  errors: LayoutErrorJson[];
}

const isLayoutFile = (f: string): boolean => /\.ya?ml$/.test(f);

/** Loads layout text; its errors as the API shows them (none: the layout). */
export function loadLayoutChecked(text: string, file: string): { layout?: Layout; errors: LayoutErrorJson[] } {
  try {
    return { layout: loadLayoutText(text, file), errors: [] };
  } catch (err) {
    if (!(err instanceof LayoutLoadError)) throw err;
    return { errors: err.errors.map(({ line, column, path: at, message }) => ({ line, column, path: at, message })) };
  }
}

/** Where the `protocol:` value of a layout text sits, for errors about the name. */
export function protocolPosition(text: string): { line: number; column: number } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const pair = isMap(doc.contents)
    ? doc.contents.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === 'protocol')
    : undefined;
  const offset = (pair?.value as Node | undefined)?.range?.[0] ?? 0;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** The error a file gets when an earlier file already defines its protocol. */
export function clashError(
  text: string,
  protocol: string,
  owner: { source: LayoutSource; name: string },
): LayoutErrorJson {
  const where = owner.source === 'builtin' ? `the shipped layout protocols/${owner.name}` : `layouts/${owner.name}`;
  return {
    ...protocolPosition(text),
    path: 'protocol',
    message: `protocol "${protocol}" is already defined by ${where}: give this layout another protocol name`,
  };
}

export class ProtocolRegistry {
  #entries: LayoutEntry[] | undefined;

  readonly builtinDir: string;
  readonly #workspaceDir: () => string | undefined;

  /**
   * builtinDir: the shipped layouts; workspaceDir: the open workspace's
   * folder (its layouts/ are read), asked on each load since it can change.
   */
  constructor(options: { builtinDir?: string; workspaceDir?: () => string | undefined } = {}) {
    this.builtinDir = options.builtinDir ?? PROTOCOLS_DIR;
    this.#workspaceDir = options.workspaceDir ?? (() => undefined);
  }

  /** The open workspace's layouts folder, if a workspace is open. */
  workspaceLayoutsDir(): string | undefined {
    const dir = this.#workspaceDir();
    return dir === undefined ? undefined : path.join(dir, 'layouts');
  }

  /** Forgets what was loaded: the next use reads the files again. */
  reload(): void {
    this.#entries = undefined;
  }

  /** Every layout file, shipped ones first, each with its errors. */
  entries(): LayoutEntry[] {
    if (this.#entries) return this.#entries;
    const entries: LayoutEntry[] = [];
    const owners = new Map<string, LayoutEntry>();
    const sources: Array<[LayoutSource, string | undefined]> = [
      ['builtin', this.builtinDir],
      ['workspace', this.workspaceLayoutsDir()],
    ];
    for (const [source, dir] of sources) {
      if (dir === undefined) continue;
      let names: string[];
      try {
        names = readdirSync(dir).filter(isLayoutFile).sort();
      } catch {
        continue; // a workspace without a layouts folder yet
      }
      for (const name of names) {
        const file = path.join(dir, name);
        const entry: LayoutEntry = { source, name, file, errors: [] };
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          entry.errors.push({
            line: 1,
            column: 1,
            path: '',
            message: `cannot read the file: ${(err as Error).message}`,
          });
          entries.push(entry);
          continue;
        }
        const { layout, errors } = loadLayoutChecked(text, file);
        entry.errors = errors;
        if (layout) {
          const owner = owners.get(layout.protocol);
          if (owner) entry.errors.push(clashError(text, layout.protocol, owner));
          else {
            owners.set(layout.protocol, entry);
            entry.layout = layout;
            // Its decoder, encoder and field readers are generated now, so that the first filter or decode is not slow.
            layoutAccess(layout);
          }
        }
        entries.push(entry);
      }
    }
    this.#entries = entries;
    return entries;
  }

  /** The entry of one file, if it exists. */
  entry(source: LayoutSource, name: string): LayoutEntry | undefined {
    return this.entries().find((e) => e.source === source && e.name === name);
  }

  /** The layout of @protocol; throws StudioError ENOENT naming those there are. */
  get(protocol: string): Layout {
    const layout = this.#layouts().find((l) => l.protocol === protocol);
    if (!layout) {
      const known = this.#layouts().map((l) => l.protocol);
      throw new StudioError({
        code: 'ENOENT',
        message: `no protocol "${protocol}": the protocols are ${known.join(', ') || 'none'} (shipped ones and the workspace's layouts/)`,
      });
    }
    return layout;
  }

  /** The layouts that loaded, as the composer needs them. */
  list(): LayoutSummary[] {
    return this.#layouts().map(layoutSummary);
  }

  /** Every file as the layouts list shows it. */
  files(): LayoutFileView[] {
    return this.entries().map(fileView);
  }

  #layouts(): Layout[] {
    return this.entries().flatMap((e) => (e.layout ? [e.layout] : []));
  }
}

export function fileView(e: LayoutEntry): LayoutFileView {
  return {
    source: e.source,
    name: e.name,
    readOnly: e.source === 'builtin',
    ...(e.layout ? { protocol: e.layout.protocol } : {}),
    errors: e.errors,
  };
}

export function layoutSummary(l: Layout): LayoutSummary {
  return {
    protocol: l.protocol,
    file: path.basename(l.file),
    ...(l.doc !== undefined ? { doc: l.doc } : {}),
    header: headerSchema(l),
    kinds: l.messages.map((m) => ({
      name: m.name,
      ...(m.doc !== undefined ? { doc: m.doc } : {}),
      when: Object.fromEntries(Object.entries(m.when).map(([k, v]) => [k, String(v)])),
      fields: m.struct.fields.map(fieldSchema),
    })),
  };
}
