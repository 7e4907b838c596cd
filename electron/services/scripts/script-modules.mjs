// Module hooks for handler scripts' worker threads: the modules a script
// imports its types from ('kucomms:script', 'kucomms:layout/NAME') hold only
// types, which vanish when the script is transpiled; should an import of them
// survive (e.g. under verbatimModuleSyntax), it loads as an empty module
// instead of failing on the unknown URL scheme.
const SCHEME = 'kucomms:';

export async function resolve(specifier, context, next) {
  if (specifier.startsWith(SCHEME)) return { url: specifier, shortCircuit: true };
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith(SCHEME)) return { format: 'module', source: 'export {};', shortCircuit: true };
  return next(url, context);
}
