// The modules a handler script imports its types from, by name:
//   'kucomms:script'        the script API (ScriptMessage, ScriptContext, DecodedAs ...)
//   'kucomms:layout/NAME'   the types `kucomms-studio gen ts` generates from layout NAME
// The editor's language service resolves them to real declarations; the
// runner loads them as empty modules (electron/services/scripts/script-modules.mjs),
// since a script only imports types from them.

export const SCRIPT_API_MODULE = 'kucomms:script';
export const LAYOUT_MODULE_PREFIX = 'kucomms:layout/';

export const layoutModule = (protocol: string): string => `${LAYOUT_MODULE_PREFIX}${protocol}`;

/** The layout a module name stands for, if it is a layout module. */
export function protocolOfModule(specifier: string): string | undefined {
  return specifier.startsWith(LAYOUT_MODULE_PREFIX) ? specifier.slice(LAYOUT_MODULE_PREFIX.length) : undefined;
}

/** The name gen-ts gives a layout's message union (`export type EchoMessage =`), found in the generated text. */
export function messageUnionName(generated: string): string | undefined {
  return /^export type (\w+Message) =$/m.exec(generated)?.[1];
}
