// Finds the Electron binary the way the electron package does, but never
// downloads it: requiring `electron` from Node downloads a missing binary
// (Electron 42 and later do it on first use), which fails offline and must
// not happen as a side effect of `npm start`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ELECTRON_PACKAGE_DIR = fileURLToPath(new URL('../../node_modules/electron/', import.meta.url));

export type ElectronLookup = { found: true; binary: string } | { found: false; reason: string };

/** Where the binary is, or why there is none (env: ELECTRON_OVERRIDE_DIST_PATH, as the package honours it). */
export function findElectronBinary(
  packageDir = ELECTRON_PACKAGE_DIR,
  env: NodeJS.ProcessEnv = process.env,
): ElectronLookup {
  if (!existsSync(path.join(packageDir, 'package.json')))
    return { found: false, reason: `the electron package is not installed (${packageDir})` };
  const pathFile = path.join(packageDir, 'path.txt');
  const executable = existsSync(pathFile)
    ? readFileSync(pathFile, 'utf8').trim()
    : process.platform === 'linux'
      ? 'electron'
      : '';
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = override ? path.join(override, executable || 'electron') : path.join(packageDir, 'dist', executable);
  if (executable && existsSync(binary)) return { found: true, binary };
  return {
    found: false,
    reason: `the Electron binary is not downloaded (${override ? binary : path.join(packageDir, 'dist')} is missing; "npx install-electron" fetches it where the network allows)`,
  };
}

/** Whether a window can be shown here (Linux needs an X or Wayland display). */
export function displayMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (process.platform !== 'linux') return undefined;
  return env.DISPLAY || env.WAYLAND_DISPLAY
    ? undefined
    : 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
}
