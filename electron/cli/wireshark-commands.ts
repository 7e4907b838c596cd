// `kucomms-studio wireshark install`: the Lua dissectors of the workspace's
// layouts and the extcap program, where Wireshark looks for them. What it
// does is in wireshark-actions.ts, imported when it runs.
import type { Command } from 'commander';
import { lazy, type Runner } from './cli-support.ts';

export function registerWireshark(p: Command, run: Runner): void {
  const wireshark = p.command('wireshark').description('put kucomms into Wireshark and tshark');
  wireshark
    .command('install')
    .description(
      "generate a Lua dissector per layout (the shipped ones and the workspace's layouts/*.yaml) into Wireshark's personal Lua plugin folder, and copy the extcap program kucomms_extcap into its extcap folder (both from `tshark -G folders`); Wireshark 4.0 (Debian 12) has only a global extcap folder, which needs root",
    )
    .option('--workspace <dir>', 'the workspace whose layouts/*.yaml to add (default: the current folder)')
    .option('--only <protocol>', 'only the dissector of this protocol (each one registers for link type USER0)')
    .option('--extcap <file>', 'the extcap program to copy (default: native/build/kucomms_extcap)')
    .option('--extcap-dir <dir>', "copy the extcap program here instead of Wireshark's extcap folder")
    .option('--no-extcap', 'only the dissectors')
    .action(run(lazy(async () => (await import('./wireshark-actions.ts')).wiresharkInstallCommand)));
}
