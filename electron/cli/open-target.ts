// Opening the target a command names, failing the command when it cannot be.
import type { Message } from '../shared/message.ts';
import { MONITOR_FORMS, parseTarget } from '../shared/target.ts';
import { Endpoint, type KucommsError } from '../services/endpoint.ts';
import { MonitorEndpoint } from '../services/monitor.ts';
import { EXIT } from './exit-codes.ts';
import { CliError } from './cli-support.ts';
import { RemoteTarget } from './remote-target.ts';

/** The monitor target forms, for the help of listen and capture. */
export const MONITOR_TARGETS_HELP = [
  '',
  "Monitor targets watch links the Studio takes no part in (both directions, with each message's link, pid and",
  'process; drops and link events where they happened):',
  ...MONITOR_FORMS.map(([form, what]) => `  ${form.padEnd(27)} ${what}`),
  "The kernel's monitor (/dev/kumon) needs root, or the kucomms-monitor group where its udev rule is enabled.",
].join('\n');

/** What listen and capture read: a target's messages, or a monitor target's. */
export interface MessageSource {
  on(event: 'messages', listener: (messages: Message[]) => void): unknown;
  on(event: 'down', listener: (error: KucommsError) => void): unknown;
  close(): Promise<void>;
}

async function opened<T>(open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    if (err instanceof CliError) throw err; // already says what to fix (a missing token is a usage error)
    throw new CliError((err as Error).message, EXIT.TARGET);
  }
}

/** Opens @target, or throws a CliError (exit 1) saying why it could not. */
export function openTarget(target: string): Promise<Endpoint> {
  if (target.startsWith('monitor:'))
    throw new CliError(
      `${target} only watches: listen to it or capture it, and send to the device or shm peer itself`,
      EXIT.USAGE,
    );
  return opened(() => Endpoint.open(target));
}

/** A remote agent's target (ws://HOST:PORT/TARGET), opened through the agent; undefined for any other name. */
function openRemote(target: string): Promise<RemoteTarget> | undefined {
  const parsed = parseTarget(target);
  if (parsed.kind !== 'remote') return undefined;
  if (parsed.inner === undefined)
    throw new CliError(`${target} is an agent: name one of its targets, e.g. ${parsed.url}/demo:echo`, EXIT.USAGE);
  return opened(() => RemoteTarget.open(target, parsed.url, parsed.inner!));
}

/** Opens @target to send to: a local one through openTarget(), or a remote agent's target. */
export function openSendTarget(target: string): Promise<Endpoint | RemoteTarget> {
  return openRemote(target) ?? openTarget(target);
}

/** Opens @target to read its messages: a monitor target, a remote agent's target, or any other through openTarget(). */
export function openSource(target: string): Promise<MessageSource> {
  return (
    openRemote(target) ??
    opened(async () => (parseTarget(target).kind === 'monitor' ? MonitorEndpoint.open(target) : openTarget(target)))
  );
}
