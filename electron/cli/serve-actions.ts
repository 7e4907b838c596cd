// What kucomms-studio serve and agent do: run the Studio API over WebSocket
// until interrupted. Loaded when one of them runs.
import { StudioService } from '../services/studio/studio-service.ts';
import { StateStore } from '../services/workspace/state-store.ts';
import { startupWorkspaceDir, stateFile } from '../services/workspace/startup.ts';
import { isLoopback, startStudioServer, type StudioServer } from '../server/ws-server.ts';
import { RENDERER_DIST } from '../server/static-files.ts';
import { tlsIdentity } from '../server/tls-identity.ts';
import { EXIT } from './exit-codes.ts';
import { interrupted } from './cli-support.ts';

/** What a browser's Studio opens first. */
const DEFAULT_TARGET = 'demo:echo';

export interface ServeOptions {
  host: string;
  port: number;
  tls: boolean;
  insecure: boolean;
  stateDir: string;
  workspace?: string;
  /** agent: offer monitor targets (watching other programs' links). */
  monitorTargets?: boolean;
}

/** Starts the service and its server; the caller prints where it is. */
export async function startServing(
  mode: 'serve' | 'agent',
  o: ServeOptions,
): Promise<{ server: StudioServer; service: StudioService }> {
  const useTls = o.tls || (!isLoopback(o.host) && !o.insecure);
  const tls = useTls ? tlsIdentity(o.stateDir) : undefined;
  const state = mode === 'serve' ? new StateStore(stateFile(o.stateDir)) : undefined;
  const service = new StudioService({
    mode,
    ...(mode === 'agent' ? { monitorTargets: o.monitorTargets === true } : {}),
    ...(state
      ? { defaultTarget: DEFAULT_TARGET, state, workspaceDir: startupWorkspaceDir(state, o.stateDir, o.workspace) }
      : {}),
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

export async function serveUntilInterrupted(mode: 'serve' | 'agent', o: ServeOptions): Promise<number> {
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
    lines.push(
      `kucomms-studio ${mode}: WARNING: listening on ${server.host} without TLS: the token crosses the network in clear`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
  await interrupted();
  await server.close();
  await service.close();
  return EXIT.OK;
}
