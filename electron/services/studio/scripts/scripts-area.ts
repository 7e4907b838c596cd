// The Studio's handler-script calls (electron/shared/api/scripts-api.ts):
// the workspace's scripts/ folder, runs on open targets (scripts/script-runs.ts)
// and the editor's completion and type errors (scripts/script-language.ts).
import { StudioError } from '../../../shared/studio-api.ts';
import type { scriptCalls, ScriptFile } from '../../../shared/api/scripts-api.ts';
import type { Workspace } from '../../workspace/workspace.ts';
import { ScriptLanguage } from './script-language.ts';
import { ScriptRuns } from './script-runs.ts';
import { scriptTemplate } from './script-template.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';

/** The layout a new script is typed for unless told otherwise. */
const DEFAULT_TEMPLATE_PROTOCOL = 'echo';

export class ScriptsArea implements StudioArea<typeof scriptCalls> {
  readonly handlers: AreaHandlers<typeof scriptCalls>;
  readonly #runs: ScriptRuns;
  readonly #language: ScriptLanguage;
  #warming: NodeJS.Immediate | undefined;

  constructor(readonly ctx: StudioContext) {
    this.#runs = new ScriptRuns(ctx);
    this.#language = new ScriptLanguage({
      layout: (protocol) => {
        try {
          return ctx.protocols.get(protocol);
        } catch {
          return undefined;
        }
      },
      protocols: () => ctx.protocols.list().map((l) => l.protocol),
    });
    this.handlers = {
      listScripts: async () => {
        this.#warmLanguage();
        return ctx.workspace().list('scripts');
      },
      readScript: async ({ name }) => ({ name, text: ctx.workspace().readText('scripts', name) }),
      saveScript: async ({ name, text }) => {
        const ws = ctx.workspace();
        ws.writeText('scripts', name, text);
        return fileEntry(ws, name);
      },
      createScript: async (i) => {
        const ws = ctx.workspace();
        // A bare name becomes a TypeScript script.
        const name = /\.(ts|js|mjs)$/.test(i.name) ? i.name : `${i.name}.ts`;
        if (ws.list('scripts').some((f) => f.name === name))
          throw new StudioError({
            code: 'EEXIST',
            message: `scripts/${name} already exists: open it, or choose another name`,
          });
        const text = scriptTemplate(name, ctx.protocols.get(i.protocol ?? DEFAULT_TEMPLATE_PROTOCOL));
        ws.writeText('scripts', name, text);
        return { name, text };
      },
      runScript: async (i) => ({ run: await this.#runs.start(i) }),
      stopScript: ({ run }) => this.#runs.stop(run),
      listRuns: async () => this.#runs.list(),
      scriptCompletions: async ({ text, offset }) => this.#language.completions(text, offset),
      scriptDiagnostics: async ({ text, protocol }) => this.#language.diagnostics(text, protocol),
    };
  }

  // The language service takes about a second to build: start on it once the
  // Scripts view lists its files, before the first keystroke asks for it.
  #warmLanguage(): void {
    this.#warming ??= setImmediate(() => this.#language.warm());
  }

  async close(): Promise<void> {
    clearImmediate(this.#warming);
    await this.#runs.close();
  }
}

function fileEntry(ws: Workspace, name: string): ScriptFile {
  const entry = ws.list('scripts').find((f) => f.name === name);
  if (!entry) throw new StudioError({ code: 'EIO', message: `scripts/${name} was written but cannot be listed` });
  return entry;
}
