// kucomms-studio capture, replay, export-pcapng and import-pcapng: their
// arguments and options. What they do is in capture-actions.ts, imported when
// one of them runs.
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ReplaySpeed } from '../services/studio/replay/replay.ts';
import { EXIT } from './exit-codes.ts';
import { lazy, type Runner } from './cli-support.ts';
import { linktypeArg } from './protocol-commands.ts';
import { MONITOR_TARGETS_HELP } from './open-target.ts';

const positive =
  (what: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected ${what} above 0`);
    return n;
  };
const wholePositive =
  (what: string) =>
  (v: string): number => {
    const n = positive(what)(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected ${what}: a whole number above 0`);
    return n;
  };

const speedArg = (v: string): ReplaySpeed => {
  if (v === 'max') return { kind: 'max' };
  if (v === 'original') return { kind: 'timed', factor: 1 };
  const factor = Number(v);
  if (!(factor > 0) || !Number.isFinite(factor))
    throw new InvalidArgumentError('expected original, max, or a speed factor above 0 (2 = twice as fast)');
  return { kind: 'timed', factor };
};

const actions = () => import('./capture-actions.ts');

export function registerCaptureCommands(p: Command, run: Runner): void {
  p.command('capture')
    .description('record every message to and from the targets into a capture file, until interrupted')
    .argument('<targets...>', 'e.g. demo:echo /dev/kucomms_echo monitor:shm:NAME')
    .addHelpText('after', MONITOR_TARGETS_HELP)
    .requiredOption('-o, --output <file>', 'the capture file to write (.kucap)')
    .addOption(new Option('--duration <seconds>', 'stop after this long').argParser(positive('a number of seconds')))
    .addOption(new Option('--count <n>', 'stop after n messages').argParser(wholePositive('a count')))
    .action(run(lazy(async () => (await actions()).captureCommand)));

  p.command('replay')
    .description(
      `send one direction of a capture into a target and compare the replies with the captured ones, field by field; exit ${EXIT.DIFFERENT} when they differ`,
    )
    .argument('<capture>', 'a capture file (.kucap or pcapng)')
    .argument('<target>', 'where to replay, e.g. demo:echo')
    .option('--layout <file>', 'decode with this layout (pairs replies by its reply rule; field-level differences)')
    .option('--from <target>', "the captured target whose traffic to replay (default: the capture's first)")
    .option(
      '--link <link>',
      'a monitored capture: the link whose side to replay as a new opener, e.g. kucomms_thermo#3 (default: the first captured)',
    )
    .addOption(new Option('--direction <dir>', 'the captured direction to send').choices(['tx', 'rx']).default('tx'))
    .addOption(
      new Option('--speed <s>', 'original (captured timing), max, or a factor (2 = twice as fast)')
        .argParser(speedArg)
        .default({ kind: 'timed', factor: 1 }, 'original'),
    )
    .option(
      '--volatile <path>',
      'ignore this field when comparing (repeatable), e.g. data.seconds, header.user_value',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .addOption(
      new Option('--wait <ms>', 'how long to wait for missing replies after the last send')
        .argParser(wholePositive('milliseconds'))
        .default(1000),
    )
    .option('--record <file>', 'also record the replay session to this capture file')
    .option('--json', 'one JSON object per reply, then the summary', false)
    .action(run(lazy(async () => (await actions()).replayCommand)));

  p.command('export-pcapng')
    .description('convert a capture to pcapng for Wireshark and tshark (see gen lua)')
    .argument('<capture>', 'a .kucap file')
    .requiredOption('-o, --output <file>', 'the pcapng file to write')
    .addOption(
      new Option('--linktype <n>', 'LINKTYPE_USER number, 147 (USER0) to 162').argParser(linktypeArg).default(147),
    )
    .action(run(lazy(async () => (await actions()).exportCommand)));

  p.command('import-pcapng')
    .description('convert a pcapng file exported by the Studio (and maybe edited) back to a capture')
    .argument('<pcapng>')
    .requiredOption('-o, --output <file>', 'the capture file to write (.kucap)')
    .action(run(lazy(async () => (await actions()).importCommand)));
}
