#!/usr/bin/env node
// Builds the addon and the demo peer with node-gyp (npm's own copy), against
// the headers of the Node that runs this, so nothing is downloaded: npm runs
// this at install (`npm ci` builds everything the Studio needs).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const addonDir = path.dirname(fileURLToPath(import.meta.url));
// Node installs its headers under <prefix>/include/node next to <prefix>/bin/node.
const prefix = path.resolve(path.dirname(process.execPath), '..');
const headers = path.join(prefix, 'include/node/node_api.h');
if (!existsSync(headers)) {
  console.error(`build.mjs: Node's headers are missing (${headers}); install them with this Node (e.g. the nodejs package's headers)`);
  process.exit(1);
}
// npm tells lifecycle scripts where its bundled node-gyp is.
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp ? [process.execPath, [gyp]] : ['node-gyp', []];
const jobs = String(Math.max(1, Math.min(4, (await import('node:os')).availableParallelism())));
const r = spawnSync(cmd, [...args, 'rebuild', `--nodedir=${prefix}`, '--jobs', jobs], { cwd: addonDir, stdio: 'inherit' });
if (r.error) console.error(`build.mjs: cannot run node-gyp: ${r.error.message}`);
process.exit(r.status ?? 1);
