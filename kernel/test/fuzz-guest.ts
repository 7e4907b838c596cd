// The kernel suite's fuzz runs (guest/95-fuzz.sh), in one node process: node
// and tsx start slowly in the emulated guest, so each run calls the CLI's
// main() (exactly what `kucomms-studio fuzz` runs) in this process instead of
// starting the command once per device. Each run's output goes to its own
// file, with its exit status in FILE.status, and the kernel log gets a marker
// before and after it; a run marked "planted" is wrapped in the
// expected-warnings window that run.mjs leaves to the guest script to check.
//
//   node --import tsx kernel/test/fuzz-guest.ts HANG_MS DEVICE:LAYOUT:OUT[:planted]...
import { appendFileSync, writeFileSync } from 'node:fs';
import { main } from '../../electron/cli/main.ts';

const [hangMs, ...runs] = process.argv.slice(2);
const kmsg = (text: string): void => writeFileSync('/dev/kmsg', `${text}\n`);
const stdoutWrite = process.stdout.write.bind(process.stdout);

for (const run of runs) {
  const [device, layout, out, planted] = run.split(':');
  if (!device || !layout || !out) throw new Error(`expected DEVICE:LAYOUT:OUT[:planted], got ${run}`);
  const module = device.replace('/dev/', '');
  writeFileSync(out, '');
  // The run's lines go to its file (the CLI writes them to stdout).
  process.stdout.write = ((chunk: string | Uint8Array) => {
    appendFileSync(out, chunk);
    return true;
  }) as typeof process.stdout.write;
  if (planted) kmsg(`kucomms-test expected-warnings-begin ${module}`);
  kmsg(`kucomms-test fuzz-begin ${module}`);
  let status: number;
  try {
    status = await main(['node', 'kucomms-studio', 'fuzz', device, '--kernel', '--layout', layout,
      '--workspace', `/tmp/fuzz-${module}`, '--hang-ms', hangMs!]);
  } finally {
    kmsg(`kucomms-test fuzz-end ${module}`);
    if (planted) kmsg(`kucomms-test expected-warnings-end ${module}`);
    process.stdout.write = stdoutWrite;
  }
  writeFileSync(`${out}.status`, `${status}\n`);
  stdoutWrite(`${module}: fuzz exited ${status}\n`);
}
