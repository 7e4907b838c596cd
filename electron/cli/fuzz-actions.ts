// kucomms-studio fuzz (its options: fuzz-commands.ts).
import { parseTarget } from '../shared/target.ts';
import { KernelLog } from '../services/fuzz/kernel-log.ts';
import { fuzz } from '../services/fuzz/fuzz-run.ts';
import { CliError } from './cli-support.ts';
import { EXIT } from './exit-codes.ts';
import { loadLayoutOrReport } from './protocol-actions.ts';

interface FuzzOptions {
  layout: string;
  kernel: boolean;
  workspace: string;
  hangMs: number;
  maxMessages?: number;
}

export async function fuzzCommand(target: string, o: FuzzOptions): Promise<number> {
  const parsed = parseTarget(target);
  if (parsed.kind === 'device' && !o.kernel)
    throw new CliError(
      `${target} is a kernel device: fuzzing it can crash the kernel it runs on. Run it in a virtual machine, and give --kernel to go ahead`,
      EXIT.USAGE,
    );
  const layout = loadLayoutOrReport(o.layout);
  if (!layout) return EXIT.LAYOUT;
  const module = parsed.kind === 'device' ? target.replace(/^\/dev\//, '') : undefined;
  const kernelLog = new KernelLog(module);
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  say(
    kernelLog.readable
      ? `fuzz: watching the link and the kernel log (/dev/kmsg)`
      : `fuzz: watching the link only: cannot read the kernel log (${kernelLog.why}; kernel.dmesg_restrict needs root or CAP_SYSLOG)`,
  );
  try {
    const { sent, findings } = await fuzz({
      target,
      layout,
      workspace: o.workspace,
      kernelLog,
      hangMs: o.hangMs,
      ...(o.maxMessages !== undefined ? { maxMessages: o.maxMessages } : {}),
      log: say,
    });
    say(`fuzz: ${sent} messages, ${findings.length} finding${findings.length === 1 ? '' : 's'}`);
    return findings.length ? EXIT.FOUND : EXIT.OK;
  } catch (err) {
    throw new CliError(`fuzz ${target}: ${(err as Error).message}`, EXIT.TARGET);
  } finally {
    kernelLog.close();
  }
}
