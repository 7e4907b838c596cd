// kucomms-studio gen, validate and decode: their arguments and options. What they do is
// in protocol-actions.ts, imported when one of them runs.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { EXIT } from './exit-codes.ts';
import { lazy, type Runner } from './cli-support.ts';

export const linktypeArg = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 147 || n > 162)
    throw new InvalidArgumentError('expected a LINKTYPE_USER number, 147 (USER0) to 162 (USER15)');
  return n;
};

const actions = () => import('./protocol-actions.ts');
const compat = () => import('./layout-compat-actions.ts');

export function registerProtocolCommands(p: Command, run: Runner): void {
  p.command('gen')
    .description(
      'generate code from a protocol layout: a C header (kernel and userspace), TypeScript types, or a Wireshark Lua dissector',
    )
    .addArgument(p.createArgument('<language>', 'c, ts or lua').choices(['c', 'ts', 'lua']))
    .argument('<layout>', 'a layout file (YAML), e.g. protocols/longtest.yaml')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addOption(
      new Option('--linktype <n>', 'lua: the pcapng link type to register for (147 = LINKTYPE_USER0 .. 162)')
        .argParser(linktypeArg)
        .default(147),
    )
    .action(run(lazy(async () => (await actions()).genCommand)));

  p.command('validate')
    .description(
      `check layout files: every error of each is printed as file:line:column; exit ${EXIT.LAYOUT} if any has one`,
    )
    .argument('<layout...>', 'layout files (YAML)')
    .action(run(lazy(async () => (await actions()).validateCommand)));

  p.command('hash')
    .description(
      `print each layout's protocol hash (protocols/README.md, "The protocol hash"), name and version; exit ${EXIT.LAYOUT} if one has an error`,
    )
    .argument('<layout...>', 'layout files (YAML)')
    .action(run(lazy(async () => (await compat()).hashCommand)));

  p.command('diff-layout')
    .description(
      `list every wire change from OLD to NEW (moved, resized or retyped fields, removed kinds, new enum values...), each breaking or compatible; exit ${EXIT.DIFFERENT} if any is breaking (docs and comments are no change)`,
    )
    .argument('<old>', 'the layout as it was (YAML)')
    .argument('<new>', 'the layout as it is now (YAML)')
    .option('--json', 'one JSON object: both hashes, the breaking count and every change', false)
    .action(run(lazy(async () => (await compat()).diffLayoutCommand)));

  p.command('decode')
    .description(
      `decode messages with a layout: hex bytes of one message (header, then data) or every message of a capture (.kucap or pcapng); exit ${EXIT.DIFFERENT} if one does not fit`,
    )
    .argument('<layout>', 'a layout file (YAML)')
    .argument('<input>', 'hex bytes, or a capture file')
    .option('--json', 'one JSON object per message (u64 as decimal strings, bytes as hex)', false)
    .option('--target <name>', 'captures: only this target')
    .addOption(new Option('--direction <dir>', 'captures: only rx or tx').choices(['rx', 'tx']))
    .action(run(lazy(async () => (await actions()).decodeCommand)));
}
