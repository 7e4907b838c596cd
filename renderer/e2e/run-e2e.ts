// npm run test:ui's end-to-end part: the Studio in Chromium against the real
// backend, then the Electron shell where an Electron binary exists. Prints
// one line per test; the caller adds the closing line. Arguments narrow it
// to the named suites (e.g. `node --import tsx renderer/e2e/run-e2e.ts studio`).
import { analysisTests } from './analysis.e2e.ts';
import { capturesTests } from './captures.e2e.ts';
import { electronTests } from './electron.e2e.ts';
import { Suite } from './harness.ts';
import { monitorTests } from './monitor.e2e.ts';
import { packetListTests } from './packet-list.e2e.ts';
import { protocolsTests } from './protocols.e2e.ts';
import { replayTests } from './replay.e2e.ts';
import { scriptsTests } from './scripts.e2e.ts';
import { studioTests } from './studio.e2e.ts';
import { testsViewTests } from './tests.e2e.ts';
import { workspaceTests } from './workspace.e2e.ts';

const suites: Record<string, (suite: Suite) => Promise<void>> = {
  studio: studioTests,
  workspace: workspaceTests,
  electron: electronTests,
  scripts: scriptsTests,
  captures: capturesTests,
  protocols: protocolsTests,
  replay: replayTests,
  'packet-list': packetListTests,
  analysis: analysisTests,
  tests: testsViewTests,
  monitor: monitorTests,
};

const only = process.argv.slice(2);
const unknown = only.filter((name) => !Object.hasOwn(suites, name));
if (unknown.length > 0)
  throw new Error(`no end-to-end suite ${unknown.join(', ')}: the suites are ${Object.keys(suites).join(', ')}`);
const suite = new Suite();
for (const [name, run] of Object.entries(suites)) if (only.length === 0 || only.includes(name)) await run(suite);
process.exitCode = suite.failed === 0 ? 0 : 1;
