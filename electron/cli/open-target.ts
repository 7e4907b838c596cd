// Opening the target a command names, failing the command when it cannot be.
import type { Message } from '../shared/message.ts';
import { MONITOR_FORMS, parseTarget } from '../shared/target.ts';
import { Endpoint, type KucommsError } from '../services/endpoint.ts';
import { MonitorEndpoint } from '../services/monitor.ts';
import { EXIT } from './exit-codes.ts';
import { CliError } from './cli-support.ts';

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

/** Opens @target to read its messages: a monitor target, or any other through openTarget(). */
export function openSource(target: string): Promise<MessageSource> {
  return opened(async () =>
    parseTarget(target).kind === 'monitor' ? MonitorEndpoint.open(target) : openTarget(target),
  );
}
