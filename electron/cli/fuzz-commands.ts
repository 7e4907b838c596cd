// kucomms-studio fuzz: its arguments and options. What it does is in
// fuzz-actions.ts, imported when it runs.
import { InvalidArgumentError, type Command } from 'commander';
import { EXIT } from './exit-codes.ts';
import { lazy, type Runner } from './cli-support.ts';

const wholeArg =
  (min: number, what: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`expected ${what}, a whole number of at least ${min}`);
    return n;
  };

export function registerFuzzCommands(p: Command, run: Runner): void {
  p.command('fuzz')
    .description(
      `send a layout's messages mutated field by field (boundary values, out-of-range enum values, flipped bits, wrong lengths, truncation, trailing bytes, wrong kinds), probing after each that the target still answers; reduce each finding to the fewest messages, save it as a capture and a test; exit ${EXIT.FOUND} when something was found`,
    )
    .argument('<target>', 'e.g. demo:echo, shm:NAME, /dev/kucomms_NAME (with --kernel)')
    .requiredOption('--layout <file>', 'the layout the messages are built from (it must declare reply: match:)')
    .option(
      '--kernel',
      'allow a /dev/kucomms_* target: fuzzing a kernel module can crash the kernel it runs in, so do it in a virtual machine',
      false,
    )
    .option('--workspace <dir>', 'where captures/ and tests/ are written', '.')
    .option(
      '--hang-ms <ms>',
      'how long a valid message may go unanswered before the target counts as hung',
      wholeArg(1, 'milliseconds'),
      5000,
    )
    .option('--max-messages <n>', 'fuzz at most this many messages (default: the whole plan)', wholeArg(1, 'a count'))
    .addHelpText(
      'after',
      `
Fuzzing a kernel device can crash the kernel it runs on: run it in a virtual
machine (QEMU, as the kernel tests do), never on a machine you need.

The kernel log (/dev/kmsg) is watched for Oops, BUG, WARNING and the module's
own warning and error lines. Reading it needs privilege where
kernel.dmesg_restrict is set (Debian's default): without it, fuzz says so and
watches the link only.

Every message sent is recorded in captures/fuzz-PROTOCOL-run.kucap; finding N
is saved as captures/fuzz-PROTOCOL-N.kucap (the reduced reproducer) and
tests/fuzz-PROTOCOL-N.yaml (a regression test for kucomms-studio test).`,
    )
    .action(run(lazy(async () => (await import('./fuzz-actions.ts')).fuzzCommand)));
}
