// The layouts the Studio knows: every *.yaml in its protocol folders (the
// shipped protocols/ and the user's own), loaded on first use and again when
// a file changes. A broken layout is listed with its errors instead of
// throwing, so a view can show them next to the file.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Message } from '../../shared/message.ts';
import { decodeData } from './decode.ts';
import type { Layout } from './layout.ts';
import { LayoutLoadError, loadLayoutFile, type LayoutError } from './loader.ts';
import type { Decoded } from './values.ts';

export interface LayoutEntry {
  file: string;
  /** present when the file loaded without errors */
  layout?: Layout;
  /** every error of the file (empty when it loaded) */
  errors: LayoutError[];
}

interface Cached {
  stamp: string;
  entry: LayoutEntry;
}

export class ProtocolRegistry {
  readonly #cache = new Map<string, Cached>();

  constructor(readonly dirs: readonly string[]) {}

  /** Every layout file of the folders, sorted by path; missing folders are skipped. */
  list(): LayoutEntry[] {
    const files = this.dirs.flatMap((dir) => {
      try {
        return readdirSync(dir)
          .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
          .map((f) => path.join(dir, f));
      } catch {
        return [];
      }
    });
    return files.sort().map((f) => this.get(f));
  }

  /** One layout file, reloaded when its size or modification time changed. */
  get(file: string): LayoutEntry {
    let stamp: string;
    try {
      const st = statSync(file);
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch (err) {
      return { file, errors: [{ file, line: 0, column: 0, path: '', message: `cannot read the layout: ${(err as Error).message}` }] };
    }
    const cached = this.#cache.get(file);
    if (cached?.stamp === stamp) return cached.entry;
    let entry: LayoutEntry;
    try {
      entry = { file, layout: loadLayoutFile(file), errors: [] };
    } catch (err) {
      if (!(err instanceof LayoutLoadError)) throw err;
      entry = { file, errors: err.errors };
    }
    this.#cache.set(file, { stamp, entry });
    return entry;
  }

  /** The layout whose `protocol` is @name, if exactly one loaded layout has it. */
  byProtocol(name: string): Layout | undefined {
    const matches = this.list().filter((e) => e.layout?.protocol === name);
    return matches.length === 1 ? matches[0]?.layout : undefined;
  }
}

/** Decodes a message as targets deliver it (header fields and data). */
export function decodeReceived(layout: Layout, m: Pick<Message, 'length' | 'type' | 'id' | 'userValue' | 'data'>): Decoded {
  return decodeData(layout, { length: m.length, type: m.type, id: m.id, user_value: m.userValue }, m.data);
}
