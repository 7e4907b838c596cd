// The Studio's layout calls (electron/shared/api/layouts-api.ts): the layout
// workbench's list, checks, byte preview, generated code, saving and
// creating. The registry (ctx.protocols) decides which layouts are in use;
// after writing a file this area reloads it at once, so the composer sees
// the saved layout without waiting for the workspace watcher.
import { readFileSync } from 'node:fs';
import type {
  LayoutErrorJson,
  LayoutFileRef,
  LayoutFileView,
  LayoutSource,
  layoutCalls,
} from '../../../shared/api/layouts-api.ts';
import { bytesToBase64 } from '../../../shared/message.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import { GenerateError, generateC } from '../../protocol/gen-c.ts';
import { generateLua } from '../../protocol/gen-lua.ts';
import { generateTs } from '../../protocol/gen-ts.ts';
import type { Layout } from '../../protocol/layout.ts';
import { diffLayouts } from '../../protocol/layout-diff.ts';
import { layoutTemplate, protocolNameFor, renameProtocol } from './new-layout.ts';
import { sampleMessage } from './sample-message.ts';
import { decodedJson } from '../message-view.ts';
import { clashError, fileView, layoutSummary, loadLayoutChecked } from '../protocols.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';

/** The name errors and generated code give a text that has no file yet. */
const UNSAVED = 'unsaved.yaml';

export class LayoutsArea implements StudioArea<typeof layoutCalls> {
  readonly handlers: AreaHandlers<typeof layoutCalls>;

  constructor(readonly ctx: StudioContext) {
    this.handlers = {
      listLayouts: async () => ctx.protocols.files(),
      readLayout: async (i) => ({ text: this.#read(i.source, i.name), readOnly: i.source === 'builtin' }),
      checkLayout: async (i) => {
        const { layout, errors } = this.#check(i.text, i.file);
        if (!layout) return { errors, compatibility: [] };
        const saved = i.file?.source === 'workspace' ? this.#savedLayout(i.file.name) : undefined;
        return {
          errors,
          ...(errors.length === 0 ? { summary: layoutSummary(layout) } : {}),
          // What breaks messages of the saved version: the same changes kucomms-studio diff-layout lists.
          compatibility: saved
            ? diffLayouts(saved, layout)
                .filter((c) => c.breaking)
                .map(({ breaking: _, ...w }) => w)
            : [],
        };
      },
      previewLayout: async (i) => {
        const { bytes, decoded } = sampleMessage(this.#valid(i.text), i.kind, i.fields);
        return { bytes: bytesToBase64(bytes), decoded: decodedJson(decoded) };
      },
      generateCode: async (i) => {
        const layout = this.#valid(i.text, i.file?.name);
        const source = i.file?.name ?? `${layout.protocol}.yaml`;
        try {
          switch (i.language) {
            case 'c':
              return { code: generateC(layout, source), fileName: `${layout.protocol}_layout.h` };
            case 'ts':
              return { code: generateTs(layout, source), fileName: `${layout.protocol}_layout.ts` };
            case 'lua':
              return { code: generateLua(layout, source), fileName: `kucomms_${layout.protocol}.lua` };
          }
        } catch (err) {
          if (err instanceof GenerateError)
            throw new StudioError({ code: 'EINVAL_INPUT', message: `${source}: ${err.message}` });
          throw err;
        }
      },
      saveLayout: async (i) => {
        const file = this.#write(i.name, i.text);
        if (file.errors.length === 0) return { file };
        const n = file.errors.length;
        return {
          file,
          warning: `layouts/${i.name} was saved with ${n} error${n === 1 ? '' : 's'}: it is not used until ${n === 1 ? 'it is' : 'they are'} fixed`,
        };
      },
      createLayout: async (i) => {
        const ws = ctx.workspace();
        if (ctx.protocols.entry('workspace', i.name) || ws.list('layouts').some((f) => f.name === i.name))
          throw new StudioError({
            code: 'EEXIST',
            message: `layouts/${i.name} already exists: open it, or choose another name`,
          });
        ws.resolve('layouts', i.name); // the name's checks, before anything is read
        const protocol = protocolNameFor(i.name);
        const text = i.from
          ? renameProtocol(this.#read(i.from.source, i.from.name), protocol)
          : layoutTemplate(protocol);
        return { file: this.#write(i.name, text), text };
      },
    };
  }

  #read(source: LayoutSource, name: string): string {
    if (source === 'workspace') return this.ctx.workspace().readText('layouts', name);
    // Shipped layouts: only the files the registry lists, so a name cannot reach elsewhere.
    const entry = this.ctx.protocols.entry('builtin', name);
    if (!entry) throw new StudioError({ code: 'ENOENT', message: `there is no shipped layout ${name}` });
    return readFileSync(entry.file, 'utf8');
  }

  #write(name: string, text: string): LayoutFileView {
    this.ctx.workspace().writeText('layouts', name, text);
    this.ctx.protocols.reload();
    const entry = this.ctx.protocols.entry('workspace', name);
    if (!entry) throw new StudioError({ code: 'EIO', message: `layouts/${name} was written but cannot be listed` });
    return fileView(entry);
  }

  /** Errors of @text as @file (loader errors, and its protocol name taken by another file). */
  #check(text: string, file: LayoutFileRef | undefined): { layout?: Layout; errors: LayoutErrorJson[] } {
    const checked = loadLayoutChecked(text, file?.name ?? UNSAVED);
    if (!checked.layout) return checked;
    const owner = this.ctx.protocols.entries().find((e) => e.layout?.protocol === checked.layout!.protocol);
    if (owner && !(owner.source === file?.source && owner.name === file.name))
      return { layout: checked.layout, errors: [clashError(text, checked.layout.protocol, owner)] };
    return checked;
  }

  /** The layout of @text; throws EINVAL_INPUT with its first errors when it has any. */
  #valid(text: string, name?: string): Layout {
    const { layout, errors } = loadLayoutChecked(text, name ?? UNSAVED);
    if (layout) return layout;
    const first = errors.slice(0, 3).map((e) => `${e.line}:${e.column}: ${e.message}`);
    throw new StudioError({
      code: 'EINVAL_INPUT',
      message: `the layout has ${errors.length} error${errors.length === 1 ? '' : 's'} (${first.join('; ')}${errors.length > 3 ? '; …' : ''}): fix ${errors.length === 1 ? 'it' : 'them'} first`,
    });
  }

  /** The saved workspace file @name as a layout, when it exists and loads. */
  #savedLayout(name: string): Layout | undefined {
    let text: string;
    try {
      text = this.ctx.workspace().readText('layouts', name);
    } catch {
      return undefined; // not saved yet, or no workspace: nothing to break
    }
    return loadLayoutChecked(text, name).layout;
  }

  async close(): Promise<void> {}
}
