// `kucomms-studio serve` (the Studio in a browser) and `kucomms-studio agent`
// (this machine's targets for a Studio elsewhere): their options. What they do
// is in serve-actions.ts, imported when one of them runs.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { defaultStateDir } from '../services/workspace/state-store.ts';
import { lazy, type Runner } from './cli-support.ts';
import type { ServeOptions } from './serve-actions.ts';

function portArg(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('expected a port number, 0 to 65535 (0: any free port)');
  return n;
}

/** The action of serve or agent, its module loaded when it runs. */
function serving(mode: 'serve' | 'agent') {
  return lazy(async () => {
    const { serveUntilInterrupted } = await import('./serve-actions.ts');
    return (o: ServeOptions) => serveUntilInterrupted(mode, o);
  });
}

function addServerOptions(c: Command, defaultPort: number): Command {
  return c
    .option('--host <address>', 'address to listen on (beyond loopback needs TLS)', '127.0.0.1')
    .option('--port <n>', `port to listen on (0: any free port)`, portArg, defaultPort)
    .option('--tls', 'serve over TLS even on loopback (a self-signed certificate made on first use)', false)
    .option('--insecure', 'allow listening beyond loopback without TLS (prefer an SSH tunnel)', false)
    .option('--state-dir <dir>', "where the TLS certificate and the Studio's state are kept", defaultStateDir())
    .option(
      '--workspace <dir>',
      'the workspace folder (layouts, scripts, captures, collections); default: the last one opened, else STATE-DIR/workspace',
    );
}

export function registerServeCommands(p: Command, run: Runner): void {
  addServerOptions(
    p.command('serve').description('serve the Studio to a browser on this machine (prints the URL with its token)'),
    0,
  ).action(run(serving('serve')));
  addServerOptions(
    p
      .command('agent')
      .description("expose this machine's targets to a Studio elsewhere (prints the URL, token and fingerprint)"),
    7691,
  )
    .option(
      '--monitor-targets',
      "offer monitor targets too (monitor:/dev/kucomms..., monitor:shm:NAME): whoever has the token then sees every link this machine's user may watch",
      false,
    )
    .action(run(serving('agent')));
}
