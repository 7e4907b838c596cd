// The monitor targets that can be opened now: the kernel's monitor
// (monitor:/dev/kucomms and monitor:/dev/kucomms_NAME per device) when its
// node /dev/kumon is there for this user to open, and monitor:shm:NAME for
// each shm link a program publishes (libkucomms listens for its monitors on
// the abstract Unix socket "kucomms/monitor/shm/NAME", which
// /proc/net/unix lists as "@kucomms/monitor/shm/NAME").
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import type { TargetInfo } from '../../../shared/target.ts';

export interface MonitorPlaces {
  /** The kernel's monitor node. */
  kumonNode: string;
  /** The kernel's list of Unix sockets. */
  procNetUnix: string;
}

const DEFAULT_PLACES: MonitorPlaces = { kumonNode: '/dev/kumon', procNetUnix: '/proc/net/unix' };
const PUBLISHED_PREFIX = '@kucomms/monitor/shm/';

async function canOpen(node: string): Promise<boolean> {
  try {
    await access(node, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The names of the shm links published to monitors, sorted. */
export async function publishedShmLinks(procNetUnix = DEFAULT_PLACES.procNetUnix): Promise<string[]> {
  const text = await readFile(procNetUnix, 'utf8').catch(() => '');
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf(PUBLISHED_PREFIX);
    if (at >= 0) names.add(line.slice(at + PUBLISHED_PREFIX.length).trim());
  }
  return [...names].filter((n) => /^[A-Za-z0-9_.-]{1,63}$/.test(n)).sort();
}

/** The monitor targets of @devices (kucomms_NAME) and of the published shm links. */
export async function listMonitorTargets(
  devices: readonly string[],
  places: Partial<MonitorPlaces> = {},
): Promise<TargetInfo[]> {
  const { kumonNode, procNetUnix } = { ...DEFAULT_PLACES, ...places };
  const kernel: TargetInfo[] = (await canOpen(kumonNode))
    ? [
        { target: 'monitor:/dev/kucomms', kind: 'monitor', description: 'every message of every kucomms device' },
        ...devices.map((n): TargetInfo => ({
          target: `monitor:/dev/${n}`,
          kind: 'monitor',
          description: `every message of every link of /dev/${n}`,
        })),
      ]
    : [];
  const shm = (await publishedShmLinks(procNetUnix)).map((n): TargetInfo => ({
    target: `monitor:shm:${n}`,
    kind: 'monitor',
    description: `every message of the shared-memory link shm:${n} (published by one of its programs)`,
  }));
  return [...kernel, ...shm];
}
