// `kucomms-studio serve` (the Studio in a browser) and `kucomms-studio agent`
// (this machine's targets for a Studio elsewhere): both run the Studio API
// over WebSocket until interrupted.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { StudioService } from '../services/studio/studio-service.ts';
import { StateStore } from '../services/workspace/state-store.ts';
import { startupWorkspaceDir, stateFile } from '../services/workspace/startup.ts';
import { isLoopback, startStudioServer, type StudioServer } from '../server/ws-server.ts';
import { RENDERER_DIST } from '../server/static-files.ts';
import { defaultStateDir, tlsIdentity } from '../server/tls-identity.ts';
import { EXIT } from './exit-codes.ts';
import type { Runner } from './protocol-commands.ts';

export const DEFAULT_TARGET = 'demo:echo';

interface ServeOptions {
  host: string;
  port: number;
  tls: boolean;
  insecure: boolean;
  stateDir: string;
  workspace?: string;
}

function portArg(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number, 0 to 65535 (0: any free port)');
  return n;
}

/** Resolves on the first of SIGINT / SIGTERM. */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** Starts the service and its server; the caller prints where it is. */
export async function startServing(mode: 'serve' | 'agent', o: ServeOptions): Promise<{ server: StudioServer; service: StudioService }> {
  const useTls = o.tls || (!isLoopback(o.host) && !o.insecure);
  const tls = useTls ? tlsIdentity(o.stateDir) : undefined;
  const state = mode === 'serve' ? new StateStore(stateFile(o.stateDir)) : undefined;
  const service = new StudioService({
    mode,
    ...(state ? { defaultTarget: DEFAULT_TARGET, state, workspaceDir: startupWorkspaceDir(state, o.stateDir, o.workspace) } : {}),
  });
  for (const notice of state?.notices ?? []) process.stderr.write(`kucomms-studio ${mode}: ${notice}\n`);
  try {
    const server = await startStudioServer({
      service,
      host: o.host,
      port: o.port,
      insecure: o.insecure,
      ...(tls ? { tls } : {}),
      ...(mode === 'serve' ? { staticRoot: RENDERER_DIST } : {}),
    });
    return { server, service };
  } catch (err) {
    await service.close();
    throw err;
  }
}

async function serveUntilInterrupted(mode: 'serve' | 'agent', o: ServeOptions): Promise<number> {
  let started;
  try {
    started = await startServing(mode, o);
  } catch (err) {
    process.stderr.write(`kucomms-studio ${mode}: ${(err as Error).message}\n`);
    return EXIT.USAGE;
  }
  const { server, service } = started;
  const lines =
    mode === 'serve'
      ? [`kucomms-studio serve: open ${server.url}`]
      : [`kucomms-studio agent: ${server.apiUrl} token ${server.token}`];
  if (server.fingerprint) lines.push(`kucomms-studio ${mode}: certificate fingerprint (SHA-256) ${server.fingerprint}`);
  if (!isLoopback(server.host) && !server.fingerprint)
    lines.push(`kucomms-studio ${mode}: WARNING: listening on ${server.host} without TLS: the token crosses the network in clear`);
  process.stdout.write(`${lines.join('\n')}\n`);
  await interrupted();
  await server.close();
  await service.close();
  return EXIT.OK;
}

function addServerOptions(c: Command, defaultPort: number): Command {
  return c
    .option('--host <address>', 'address to listen on (beyond loopback needs TLS)', '127.0.0.1')
    .option('--port <n>', `port to listen on (0: any free port)`, portArg, defaultPort)
    .option('--tls', 'serve over TLS even on loopback (a self-signed certificate made on first use)', false)
    .option('--insecure', 'allow listening beyond loopback without TLS (prefer an SSH tunnel)', false)
    .option('--state-dir <dir>', 'where the TLS certificate and the Studio\'s state are kept', defaultStateDir())
    .option('--workspace <dir>', 'the workspace folder (layouts, scripts, captures, collections); default: the last one opened, else STATE-DIR/workspace');
}

export function registerServeCommands(p: Command, run: Runner): void {
  addServerOptions(
    p.command('serve').description('serve the Studio to a browser on this machine (prints the URL with its token)'),
    0,
  ).action(run((o) => serveUntilInterrupted('serve', o)));
  addServerOptions(
    p.command('agent').description("expose this machine's targets to a Studio elsewhere (prints the URL, token and fingerprint)"),
    7691,
  ).action(run((o) => serveUntilInterrupted('agent', o)));
}
