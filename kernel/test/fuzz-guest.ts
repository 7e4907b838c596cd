// The kernel suite's fuzz runs (guest/95-fuzz.sh), in one node process: node
// and tsx start slowly in the emulated guest, so each run calls the CLI's
// main() (exactly what `kucomms-studio fuzz` runs) in this process instead of
// starting the command once per device. Each run's output goes to its own
// file, with its exit status in FILE.status, and the kernel log gets a marker
// before and after it; a run marked "planted" is wrapped in the
// expected-warnings window that run.mjs leaves to the guest script to check.
//
// After a planted run, the regression tests it wrote are run with
// `kucomms-studio test` (main() again) into OUT.tests, status in
// OUT.tests.status: the planted bugs are still there, so the stall's test fails.
//
//   node --import tsx kernel/test/fuzz-guest.ts HANG_MS DEVICE:LAYOUT:OUT[:planted]...
import { appendFileSync, writeFileSync } from 'node:fs';
import { main } from '../../electron/cli/main.ts';

const [hangMs, ...runs] = process.argv.slice(2);
const kmsg = (text: string): void => writeFileSync('/dev/kmsg', `${text}\n`);
const stdoutWrite = process.stdout.write.bind(process.stdout);

/** Runs the CLI with @args, its output into @out; returns its exit status. */
async function cli(out: string, args: string[]): Promise<number> {
  writeFileSync(out, '');
  // The command's lines go to its file (the CLI writes them to stdout).
  process.stdout.write = ((chunk: string | Uint8Array) => {
    appendFileSync(out, chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    return await main(['node', 'kucomms-studio', ...args]);
  } finally {
    process.stdout.write = stdoutWrite;
  }
}

for (const run of runs) {
  const [device, layout, out, planted] = run.split(':');
  if (!device || !layout || !out) throw new Error(`expected DEVICE:LAYOUT:OUT[:planted], got ${run}`);
  const module = device.replace('/dev/', '');
  if (planted) kmsg(`kucomms-test expected-warnings-begin ${module}`);
  kmsg(`kucomms-test fuzz-begin ${module}`);
  let status: number;
  try {
    status = await cli(out, ['fuzz', device, '--kernel', '--layout', layout, '--workspace', `/tmp/fuzz-${module}`, '--hang-ms', hangMs!]);
    if (planted) {
      const tests = await cli(`${out}.tests`, ['test', '--workspace', `/tmp/fuzz-${module}`]);
      writeFileSync(`${out}.tests.status`, `${tests}\n`);
    }
  } finally {
    kmsg(`kucomms-test fuzz-end ${module}`);
    if (planted) kmsg(`kucomms-test expected-warnings-end ${module}`);
  }
  writeFileSync(`${out}.status`, `${status}\n`);
  stdoutWrite(`${module}: fuzz exited ${status}\n`);
}
