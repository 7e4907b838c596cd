// The targets the Studio can open: kucomms devices found in /dev (refreshed
// as they appear and go), the built-in demo peers, and the monitor targets
// that can be opened now (see monitor-targets.ts). Devices are created and
// removed through the kucomms module's sysfs files, which only root (or
// whoever the system grants) may write.
import { EventEmitter } from 'node:events';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEMO_NAMES, checkDeviceName, type TargetInfo } from '../../../shared/target.ts';
import { listMonitorTargets, type MonitorPlaces } from './monitor-targets.ts';
import { DEMO_DESCRIPTIONS } from '../../demo-peers.ts';
import { kucommsError } from '../../endpoint.ts';

export interface TargetsOptions {
  /** Where device nodes appear. */
  devDir?: string;
  /** The kucomms module's control directory. */
  sysfsDir?: string;
  /** List monitor targets too (an agent offers them only when started with --monitor-targets). Default true. */
  monitors?: boolean;
  /** Where monitors are found (tests point these elsewhere). */
  monitorPlaces?: Partial<MonitorPlaces>;
}

export interface TargetsEvents {
  /** The list changed (a device appeared or went). */
  changed: [targets: TargetInfo[]];
}

const DEFAULT_DEV_DIR = '/dev';
const DEFAULT_SYSFS_DIR = '/sys/devices/virtual/kucomms/kucomms';
// fs.watch reports each node several times; settle before re-listing.
const SETTLE_MS = 50;

export class TargetsService extends EventEmitter<TargetsEvents> {
  readonly devDir: string;
  readonly sysfsDir: string;
  /** Are monitor targets offered? */
  readonly monitors: boolean;
  readonly #monitorPlaces: Partial<MonitorPlaces>;
  #watcher: FSWatcher | undefined;
  #settle: NodeJS.Timeout | undefined;
  #last = '';

  constructor(options: TargetsOptions = {}) {
    super();
    this.devDir = options.devDir ?? DEFAULT_DEV_DIR;
    this.sysfsDir = options.sysfsDir ?? DEFAULT_SYSFS_DIR;
    this.monitors = options.monitors ?? true;
    this.#monitorPlaces = options.monitorPlaces ?? {};
  }

  /** Devices first (sorted by name), then the demo targets, then the monitor targets that can be opened now. */
  async list(): Promise<TargetInfo[]> {
    const names = (await readdir(this.devDir)).filter((n) => checkDeviceName(n) === null).sort();
    const monitors = this.monitors ? await listMonitorTargets(names, this.#monitorPlaces) : [];
    return [
      ...names.map((n): TargetInfo => ({
        target: path.posix.join(this.devDir, n),
        kind: 'device',
        description: `kucomms device ${n}`,
      })),
      ...DEMO_NAMES.map((d): TargetInfo => ({ target: `demo:${d}`, kind: 'demo', description: DEMO_DESCRIPTIONS[d] })),
      ...monitors,
    ];
  }

  /** Starts emitting 'changed' when devices appear or go. */
  async watch(): Promise<void> {
    if (this.#watcher) return;
    this.#last = JSON.stringify(await this.list());
    this.#watcher = watch(this.devDir, (_event, file) => {
      if (file !== null && !String(file).startsWith('kucomms_')) return;
      clearTimeout(this.#settle);
      this.#settle = setTimeout(() => void this.#refresh(), SETTLE_MS);
    });
  }

  async #refresh(): Promise<void> {
    const targets = await this.list();
    const now = JSON.stringify(targets);
    if (now === this.#last) return;
    this.#last = now;
    this.emit('changed', targets);
  }

  close(): void {
    clearTimeout(this.#settle);
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  /** Creates /dev/NAME (`kucomms_...`) through sysfs. */
  createDevice(name: string): Promise<void> {
    return this.#control('create_device', name);
  }

  /** Removes /dev/NAME through sysfs. */
  removeDevice(name: string): Promise<void> {
    return this.#control('remove_device', name);
  }

  async #control(file: 'create_device' | 'remove_device', name: string): Promise<void> {
    const bad = checkDeviceName(name);
    if (bad) throw kucommsError('EINVAL', bad);
    const where = path.join(this.sysfsDir, file);
    const verb = file === 'create_device' ? 'create' : 'remove';
    try {
      await writeFile(where, `${name}\n`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      const why: Record<string, string> = {
        ENOENT: existsSync(where)
          ? `there is no device ${name}`
          : `the kucomms module is not loaded (${where} does not exist): load it with "modprobe kucomms"`,
        EACCES: `permission denied writing ${where}: creating and removing devices needs root`,
        EPERM: `permission denied writing ${where}: creating and removing devices needs root`,
        EEXIST: `/dev/${name} already exists`,
        EBUSY: `/dev/${name} is in use`,
        EINVAL: `the kernel refused the name "${name}" (see the kernel log)`,
      };
      throw kucommsError(code, `cannot ${verb} device ${name}: ${why[code] ?? (err as Error).message}`);
    }
  }
}
