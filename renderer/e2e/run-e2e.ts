// npm run test:ui's end-to-end part: the Studio in Chromium against the real
// backend, then the Electron shell where an Electron binary exists. Prints
// one line per test; the caller adds the closing line.
import { electronTests } from './electron.e2e.ts';
import { Suite } from './harness.ts';
import { studioTests } from './studio.e2e.ts';

const suite = new Suite();
await studioTests(suite);
await electronTests(suite);
process.exitCode = suite.failed === 0 ? 0 : 1;
