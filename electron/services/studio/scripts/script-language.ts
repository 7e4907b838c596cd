// Completion and type errors for handler scripts, from a real TypeScript
// language service over a small virtual project: the script's text as the
// editor holds it, the script API (scripts/script-api.ts, read from disk),
// the types generated from every layout the script imports
// ('kucomms:layout/NAME', generated on demand and again when the layout
// changes) and the few globals a script's worker thread offers.
//
// One service serves every script: creating one parses the standard library
// (about a second), after which a request re-checks only the script's text.
// The layouts a script may import are named by its own import, so one
// project covers them all.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { ScriptCompletionOption, ScriptCompletions, ScriptDiagnostic } from '../../../shared/api/scripts-api.ts';
import { generateTs } from '../../protocol/gen-ts.ts';
import type { Layout } from '../../protocol/layout.ts';
import { LAYOUT_MODULE_PREFIX, SCRIPT_API_MODULE, layoutModule, protocolOfModule } from './script-modules.ts';

/** Where the service finds layouts by protocol name. */
export interface LayoutSource {
  layout(protocol: string): Layout | undefined;
  protocols(): string[];
}

const SCRIPT_API_FILE = fileURLToPath(new URL('../../scripts/script-api.ts', import.meta.url));
const VIRTUAL_DIR = '/__kucomms_script__';
const SCRIPT_FILE = `${VIRTUAL_DIR}/script.ts`;
const GLOBALS_FILE = `${VIRTUAL_DIR}/globals.d.ts`;
const layoutFile = (protocol: string): string => `${VIRTUAL_DIR}/layouts/${protocol}.ts`;

// What a script's worker thread offers besides the language itself.
const GLOBALS = `
interface Console {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  debug(...data: unknown[]): void;
}
declare var console: Console;
declare class TextEncoder { encode(input?: string): Uint8Array; }
declare class TextDecoder { constructor(label?: string); decode(input?: Uint8Array): string; }
declare function setTimeout(handler: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare var performance: { now(): number };
`;

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2023.d.ts'],
  types: [],
  strict: true,
  noEmit: true,
  allowImportingTsExtensions: true,
  // What the runner drops is exactly what is imported with `import type`.
  verbatimModuleSyntax: true,
  skipLibCheck: true,
};

/** Above this many options, no per-option type (asking costs a few ms each). */
const DETAIL_LIMIT = 60;
const OPTION_LIMIT = 400;

const COMPLETION_TYPES: Partial<Record<string, string>> = {
  [ts.ScriptElementKind.memberVariableElement]: 'property',
  [ts.ScriptElementKind.memberGetAccessorElement]: 'property',
  [ts.ScriptElementKind.memberFunctionElement]: 'method',
  [ts.ScriptElementKind.functionElement]: 'function',
  [ts.ScriptElementKind.localFunctionElement]: 'function',
  [ts.ScriptElementKind.variableElement]: 'variable',
  [ts.ScriptElementKind.letElement]: 'variable',
  [ts.ScriptElementKind.constElement]: 'constant',
  [ts.ScriptElementKind.localVariableElement]: 'variable',
  [ts.ScriptElementKind.parameterElement]: 'variable',
  [ts.ScriptElementKind.alias]: 'variable',
  [ts.ScriptElementKind.classElement]: 'class',
  [ts.ScriptElementKind.interfaceElement]: 'interface',
  [ts.ScriptElementKind.typeElement]: 'type',
  [ts.ScriptElementKind.enumElement]: 'enum',
  [ts.ScriptElementKind.keyword]: 'keyword',
  [ts.ScriptElementKind.moduleElement]: 'namespace',
  [ts.ScriptElementKind.string]: 'text',
};

interface Versioned {
  text: string;
  version: number;
}

export class ScriptLanguage {
  readonly #layouts: LayoutSource;
  #script: Versioned = { text: '', version: 0 };
  readonly #generated = new Map<string, Versioned>();
  #service: ts.LanguageService | undefined;

  constructor(layouts: LayoutSource) {
    this.#layouts = layouts;
  }

  /** Builds the service and type-checks a first script, so the first real request is quick. */
  warm(): void {
    this.diagnostics(
      `import type { ScriptContext, ScriptMessage } from '${SCRIPT_API_MODULE}';\nexport function onMessage(msg: ScriptMessage, ctx: ScriptContext) { ctx.send({ type: msg.type }); }\n`,
    );
  }

  completions(text: string, offset: number): ScriptCompletions {
    const at = Math.min(offset, text.length);
    const modules = this.#moduleNameCompletions(text, at);
    if (modules) return modules;
    const service = this.#update(text);
    const found = service.getCompletionsAtPosition(SCRIPT_FILE, at, {
      includeCompletionsWithInsertText: true,
      includeCompletionsForModuleExports: false,
    });
    if (!found) return { from: at, options: [] };
    const entries = [...found.entries]
      .sort((a, b) => a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name))
      .slice(0, OPTION_LIMIT);
    const span = entries.find((e) => e.replacementSpan)?.replacementSpan ?? found.optionalReplacementSpan;
    const from = span ? span.start : wordStart(text, at);
    const withDetail = entries.length <= DETAIL_LIMIT;
    const options = entries.map((e): ScriptCompletionOption => {
      const option: ScriptCompletionOption = { label: e.name, type: COMPLETION_TYPES[e.kind] ?? 'text' };
      if (!withDetail) return option;
      const details = service.getCompletionEntryDetails(
        SCRIPT_FILE,
        at,
        e.name,
        undefined,
        e.source,
        undefined,
        e.data,
      );
      if (!details) return option;
      const detail = typeOfDeclaration(ts.displayPartsToString(details.displayParts), e.name);
      const tags = (details.tags ?? []).map((t) => `@${t.name} ${ts.displayPartsToString(t.text)}`.trim());
      const info = [ts.displayPartsToString(details.documentation), ...tags].filter(Boolean).join('\n');
      return { ...option, ...(detail ? { detail } : {}), ...(info ? { info } : {}) };
    });
    return { from, options };
  }

  /** Type errors of the script's text; with @runProtocol (null: none), a warning where it imports another layout's types. */
  diagnostics(text: string, runProtocol?: string | null): ScriptDiagnostic[] {
    const service = this.#update(text);
    const program = service.getProgram();
    const source = program?.getSourceFile(SCRIPT_FILE);
    if (!source) return [];
    const found = [...service.getSyntacticDiagnostics(SCRIPT_FILE), ...service.getSemanticDiagnostics(SCRIPT_FILE)];
    const out = found.map((d) => this.#diagnostic(source, d.start ?? 0, d.length ?? 0, d.category, this.#message(d)));
    if (runProtocol !== undefined) out.push(...this.#layoutMismatches(source, runProtocol));
    return out.sort((a, b) => a.line - b.line || a.column - b.column);
  }

  #diagnostic(
    source: ts.SourceFile,
    start: number,
    length: number,
    category: ts.DiagnosticCategory,
    message: string,
  ): ScriptDiagnostic {
    const begin = source.getLineAndCharacterOfPosition(start);
    const end = source.getLineAndCharacterOfPosition(start + length);
    const severity =
      category === ts.DiagnosticCategory.Error
        ? 'error'
        : category === ts.DiagnosticCategory.Warning
          ? 'warning'
          : 'info';
    return {
      line: begin.line + 1,
      column: begin.character + 1,
      endLine: end.line + 1,
      endColumn: end.character + 1,
      severity,
      message,
    };
  }

  #message(d: ts.Diagnostic): string {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    // "Cannot find module 'kucomms:layout/x'": say which layouts there are.
    const missing = d.code === 2307 ? /'(kucomms:[^']*)'/.exec(text)?.[1] : undefined;
    if (missing === undefined) return text;
    const known = [SCRIPT_API_MODULE, ...this.#layouts.protocols().map(layoutModule)];
    return `no module '${missing}': a script imports its types from ${known.map((m) => `'${m}'`).join(', ')}`;
  }

  // A script typed for one layout but run with another would see messages its types misdescribe.
  #layoutMismatches(source: ts.SourceFile, runProtocol: string | null): ScriptDiagnostic[] {
    const out: ScriptDiagnostic[] = [];
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const imported = protocolOfModule(statement.moduleSpecifier.text);
      if (imported === undefined || imported === runProtocol) continue;
      const spec = statement.moduleSpecifier;
      const message =
        runProtocol === null
          ? `this script is typed for the ${imported} layout but runs without one: msg.decoded will be absent (pick the ${imported} layout to run with)`
          : `this script is typed for the ${imported} layout but runs with ${runProtocol}: its messages will be decoded as ${runProtocol} (pick the ${imported} layout, or import '${layoutModule(runProtocol)}')`;
      out.push(
        this.#diagnostic(source, spec.getStart(source), spec.getWidth(source), ts.DiagnosticCategory.Warning, message),
      );
    }
    return out;
  }

  // Inside the quotes of an import from 'kucomms:...': the modules there are.
  #moduleNameCompletions(text: string, at: number): ScriptCompletions | undefined {
    const before = text.slice(Math.max(0, text.lastIndexOf('\n', at - 1) + 1), at);
    const m = /\bfrom\s*(['"])(k[\w:/.-]*)$/.exec(before) ?? /\bimport\s*(['"])(k[\w:/.-]*)$/.exec(before);
    if (!m?.[2] || !'kucomms:'.startsWith(m[2].slice(0, 8))) return undefined;
    const modules = [SCRIPT_API_MODULE, ...this.#layouts.protocols().map(layoutModule)];
    return {
      from: at - m[2].length,
      options: modules.map((label) => ({
        label,
        type: 'namespace',
        detail:
          label === SCRIPT_API_MODULE
            ? 'the script API'
            : `types of the ${label.slice(LAYOUT_MODULE_PREFIX.length)} layout`,
      })),
    };
  }

  /** The service, with the script's text (and the layouts' generated types) as they are now. */
  #update(text: string): ts.LanguageService {
    if (text !== this.#script.text) this.#script = { text, version: this.#script.version + 1 };
    // A layout edited since the last request gets its types generated again.
    for (const [protocol, known] of this.#generated) {
      const now = this.#generate(protocol);
      if (now !== undefined && now !== known.text)
        this.#generated.set(protocol, { text: now, version: known.version + 1 });
    }
    this.#service ??= ts.createLanguageService(this.#host(), ts.createDocumentRegistry());
    return this.#service;
  }

  #generate(protocol: string): string | undefined {
    const layout = this.#layouts.layout(protocol);
    return layout ? generateTs(layout, path.basename(layout.file)) : undefined;
  }

  #virtualText(file: string): string | undefined {
    if (file === SCRIPT_FILE) return this.#script.text;
    if (file === GLOBALS_FILE) return GLOBALS;
    const protocol = file.startsWith(`${VIRTUAL_DIR}/layouts/`) ? path.basename(file, '.ts') : undefined;
    return protocol === undefined ? undefined : this.#generated.get(protocol)?.text;
  }

  #resolve(specifier: string, containingFile: string): ts.ResolvedModuleWithFailedLookupLocations {
    const resolved = (file: string): ts.ResolvedModuleWithFailedLookupLocations => ({
      resolvedModule: { resolvedFileName: file, extension: ts.Extension.Ts },
    });
    if (specifier === SCRIPT_API_MODULE) return resolved(SCRIPT_API_FILE);
    const protocol = protocolOfModule(specifier);
    if (protocol === undefined) return ts.resolveModuleName(specifier, containingFile, OPTIONS, ts.sys);
    if (!this.#generated.has(protocol)) {
      const text = this.#generate(protocol);
      if (text === undefined) return { resolvedModule: undefined };
      this.#generated.set(protocol, { text, version: 1 });
    }
    return resolved(layoutFile(protocol));
  }

  #host(): ts.LanguageServiceHost {
    return {
      getCompilationSettings: () => OPTIONS,
      getScriptFileNames: () => [SCRIPT_FILE, GLOBALS_FILE],
      getScriptVersion: (file) => {
        if (file === SCRIPT_FILE) return String(this.#script.version);
        const protocol = file.startsWith(`${VIRTUAL_DIR}/layouts/`) ? path.basename(file, '.ts') : undefined;
        return String(protocol === undefined ? 0 : (this.#generated.get(protocol)?.version ?? 0));
      },
      getScriptSnapshot: (file) => {
        const text = this.#virtualText(file) ?? ts.sys.readFile(file);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => VIRTUAL_DIR,
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      fileExists: (file) => this.#virtualText(file) !== undefined || ts.sys.fileExists(file),
      readFile: (file) => this.#virtualText(file) ?? ts.sys.readFile(file),
      resolveModuleNameLiterals: (literals, containingFile) =>
        literals.map((l) => this.#resolve(l.text, containingFile)),
    };
  }
}

function wordStart(text: string, at: number): number {
  let i = at;
  while (i > 0 && /[\w$]/.test(text[i - 1] ?? '')) i--;
  return i;
}

/**
 * The type part of a declaration as the service displays it, e.g.
 * "(property) SampleData.temperature: number" -> ": number",
 * "(method) ScriptContext.send(header: ..., data?: ...): void" -> "(header: ..., data?: ...): void".
 */
function typeOfDeclaration(display: string, name: string): string {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^(?:\\([^)]*\\)\\s*)?(?:[\\w$.<>, ]+\\.)?${escaped}(\\??[:(<][\\s\\S]*)$`).exec(display);
  const out = (m?.[1] ?? '').replace(/\s+/g, ' ').trim();
  return out.length > 120 ? `${out.slice(0, 119)}…` : out;
}
