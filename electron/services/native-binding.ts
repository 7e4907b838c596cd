// Loads the kucomms addon built by `npm install` (node-gyp, native/addon).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type * as Binding from '../../native/addon/kucomms.d.ts';

export type { Binding };

/** The directory node-gyp builds into: the addon and the demo peer program. */
export const addonBuildDir = fileURLToPath(new URL('../../native/addon/build/Release/', import.meta.url));

let binding: typeof Binding | undefined;

export function loadBinding(): typeof Binding {
  if (binding) return binding;
  const file = path.join(addonBuildDir, 'kucomms.node');
  if (!existsSync(file))
    throw Object.assign(new Error(`the kucomms addon is not built (${file} is missing): run npm install`), {
      code: 'ERR_ADDON_MISSING',
    });
  binding = createRequire(import.meta.url)(file) as typeof Binding;
  return binding;
}
