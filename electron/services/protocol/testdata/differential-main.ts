// npm run fuzz:differential [-- --seed N] [-- --layouts N]: the differential
// test for longer than npm test runs it (200 layouts by default), keeping
// each shrunk failure in differential-regressions/ for differential.test.ts.
import { fileURLToPath } from 'node:url';
import { differentialRun } from './differential-run.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const seed = arg('seed', Math.floor(Math.random() * 2 ** 31));
const layouts = arg('layouts', 200);
console.log(`differential: seed ${seed}, ${layouts} layouts`);
const t0 = Date.now();
const r = await differentialRun({
  seed,
  layouts,
  batch: 16,
  regressions: fileURLToPath(new URL('./differential-regressions/', import.meta.url)),
  shrinkSeconds: 300,
  log: console.log,
});
console.log(`differential: ${r.layouts} layouts, ${r.messages} messages, ${r.failures.length} failure(s) in ${Math.round((Date.now() - t0) / 1000)} s`);
console.log(`${r.failures.length === 0 ? 1 : 0} passed, ${r.failures.length === 0 ? 0 : 1} failed`);
process.exitCode = r.failures.length === 0 ? 0 : 1;
