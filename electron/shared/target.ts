// Target names, the same everywhere (libkucomms, its examples, the CLI and
// the Studio): `/dev/kucomms_NAME` for a device, `shm:NAME` for a
// shared-memory peer, `demo:echo` / `demo:longtest` for the Studio's
// built-in demo peers, `ws://HOST:PORT` for a remote agent (and
// `ws://HOST:PORT/TARGET`, or wss://, for one of its targets), and
// `monitor:` before a device, `/dev/kucomms` or a shm name to watch the
// traffic of links the Studio takes no part in.

export type TargetKind = 'device' | 'shm' | 'demo' | 'remote' | 'monitor';

export const DEMO_NAMES = ['echo', 'longtest'] as const;
export type DemoName = (typeof DEMO_NAMES)[number];

export type ParsedTarget =
  | { kind: 'device'; target: string; path: string; name: string }
  | { kind: 'shm'; target: string; name: string }
  | { kind: 'demo'; target: string; demo: DemoName }
  /** A remote agent (ws://HOST:PORT), or one of its targets (ws://HOST:PORT/demo:echo). */
  | { kind: 'remote'; target: string; url: string; inner?: string }
  /** @watched: what libkucomms's monitor opens: /dev/kucomms_NAME, /dev/kucomms (every device) or shm:NAME. */
  | { kind: 'monitor'; target: string; watched: string };

export const MONITOR_PREFIX = 'monitor:';
/** The monitor target forms, as help texts and errors show them. */
export const MONITOR_FORMS = [
  ['monitor:/dev/kucomms_NAME', "every link of one device (the kernel's monitor)"],
  ['monitor:/dev/kucomms', 'every link of every device'],
  ['monitor:shm:NAME', 'a shared-memory link one of whose programs publishes it (KUCOMMS_MONITOR=1)'],
] as const;

/** What the Studio shows in its target list. */
export interface TargetInfo {
  target: string;
  kind: TargetKind;
  /** One line for people: what this target is. */
  description: string;
}

const DEVICE_RE = /^\/dev\/(kucomms_[a-z0-9_]+)$/;
const SHM_RE = /^shm:([A-Za-z0-9_.-]{1,63})$/;
const DEVICE_NAME_MAX = 63;

/** A device name (`kucomms_NAME`) as the kernel accepts it, or why not. */
export function checkDeviceName(name: string): string | null {
  if (!/^kucomms_[a-z0-9_]+$/.test(name))
    return `device name "${name}" must be "kucomms_" followed by one or more of a-z, 0-9 and _`;
  if (name.length > DEVICE_NAME_MAX)
    return `device name "${name}" is ${name.length} bytes; at most ${DEVICE_NAME_MAX} are allowed`;
  return null;
}

/** Parses a target name; throws an Error saying which forms are accepted. */
export function parseTarget(target: string): ParsedTarget {
  const dev = DEVICE_RE.exec(target);
  if (dev?.[1] !== undefined && checkDeviceName(dev[1]) === null)
    return { kind: 'device', target, path: target, name: dev[1] };
  const shm = SHM_RE.exec(target);
  if (shm?.[1] !== undefined) return { kind: 'shm', target, name: shm[1] };
  if (target.startsWith('demo:')) {
    const demo = target.slice('demo:'.length);
    if ((DEMO_NAMES as readonly string[]).includes(demo)) return { kind: 'demo', target, demo: demo as DemoName };
    throw new Error(
      `unknown demo target "${target}": the demo targets are ${DEMO_NAMES.map((d) => `demo:${d}`).join(', ')}`,
    );
  }
  const remote = /^(wss?:\/\/[^/\s]+:[0-9]{1,5})(?:\/(\S*))?$/.exec(target);
  if (remote?.[1] !== undefined)
    return { kind: 'remote', target, url: remote[1], ...(remote[2] ? { inner: remote[2] } : {}) };
  if (target.startsWith(MONITOR_PREFIX)) return parseMonitorTarget(target);
  throw new Error(
    `"${target}" is not a target name: use /dev/kucomms_NAME (a device), shm:NAME (a shared-memory peer), ` +
      `${DEMO_NAMES.map((d) => `demo:${d}`).join(', ')} (built-in demo peers), ws://HOST:PORT/TARGET (a remote agent's target) ` +
      `or ${MONITOR_FORMS.map(([form]) => form).join(', ')} (watching links)`,
  );
}

function parseMonitorTarget(target: string): ParsedTarget {
  const watched = target.slice(MONITOR_PREFIX.length);
  const dev = DEVICE_RE.exec(watched);
  if (
    watched === '/dev/kucomms' ||
    (dev?.[1] !== undefined && checkDeviceName(dev[1]) === null) ||
    SHM_RE.test(watched)
  )
    return { kind: 'monitor', target, watched };
  throw new Error(
    `"${target}" is not a monitor target: use ${MONITOR_FORMS.map(([form, what]) => `${form} (${what})`).join(', ')}`,
  );
}

/** The monitor target watching @target (a device or shm:NAME), if it can be watched. */
export function monitorTargetOf(target: string): string | undefined {
  return DEVICE_RE.test(target) || SHM_RE.test(target) ? `${MONITOR_PREFIX}${target}` : undefined;
}
