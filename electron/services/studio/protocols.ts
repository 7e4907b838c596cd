// The layouts the Studio knows: every *.yaml in protocols/ (loaded once, on
// first use), by protocol name.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError, type LayoutSummary } from '../../shared/studio-api.ts';
import type { Layout } from '../protocol/layout.ts';
import { loadLayoutFile } from '../protocol/loader.ts';
import { fieldSchema, headerSchema } from './layout-schema.ts';

export const PROTOCOLS_DIR = fileURLToPath(new URL('../../../protocols/', import.meta.url));

export class ProtocolRegistry {
  #layouts: Map<string, Layout> | undefined;

  constructor(readonly dir: string = PROTOCOLS_DIR) {}

  #all(): Map<string, Layout> {
    if (this.#layouts) return this.#layouts;
    const layouts = new Map<string, Layout>();
    for (const file of readdirSync(this.dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
      const layout = loadLayoutFile(path.join(this.dir, file));
      layouts.set(layout.protocol, layout);
    }
    this.#layouts = layouts;
    return layouts;
  }

  /** The layout of @protocol; throws StudioError ENOENT naming those there are. */
  get(protocol: string): Layout {
    const layout = this.#all().get(protocol);
    if (!layout)
      throw new StudioError({ code: 'ENOENT', message: `no protocol "${protocol}": the protocols are ${[...this.#all().keys()].join(', ') || 'none'} (files in ${this.dir})` });
    return layout;
  }

  list(): LayoutSummary[] {
    return [...this.#all().values()].map((l) => ({
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
    }));
  }
}
