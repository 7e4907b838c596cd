// npm start: the Electron app where it can run; otherwise one line saying
// why, and the same Studio served to a browser (the URL printed with its
// token), as `npm run serve` does directly.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { main as cli } from '../cli/main.ts';
import { displayMissing, findElectronBinary } from './electron-binary.ts';
import { makeDirectory } from '../services/make-directory.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, '../../node_modules/.cache/kucomms-studio');

/** A sandboxed preload cannot import: bundle it into one CommonJS file. */
async function bundlePreload(): Promise<string> {
  makeDirectory(outDir);
  const outfile = path.join(outDir, 'preload.cjs');
  await build({
    entryPoints: [path.join(here, '../preload/preload.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['electron'],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/** Runs Electron until it exits; resolves with its exit code. */
async function runElectron(binary: string): Promise<number> {
  const preload = await bundlePreload();
  const child = spawn(binary, [path.join(here, 'entry.mjs')], {
    stdio: 'inherit',
    env: { ...process.env, KUCOMMS_STUDIO_PRELOAD: preload },
  });
  return new Promise((resolve) => {
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

function serveInstead(reason: string): Promise<number> {
  process.stdout.write(
    `kucomms-studio: cannot open the Electron app (${reason}); serving the Studio to a browser instead\n`,
  );
  return cli([process.argv[0]!, 'kucomms-studio', 'serve', ...process.argv.slice(2)]);
}

const lookup = findElectronBinary();
const noDisplay = displayMissing();
if (!lookup.found) process.exitCode = await serveInstead(lookup.reason);
else if (noDisplay) process.exitCode = await serveInstead(noDisplay);
else {
  const code = await runElectron(lookup.binary);
  process.exitCode = code === 0 ? 0 : await serveInstead(`Electron exited with status ${code}`);
}
