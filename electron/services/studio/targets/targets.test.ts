// Discovery and device control against stand-in directories (the real
// /dev and sysfs are exercised by the in-VM test, device-echo.guest.ts).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import type { TargetInfo } from '../../../shared/target.ts';
import { TargetsService } from './targets.ts';

let dir: string;
let dev: string;
let sys: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kucomms-targets-'));
  dev = path.join(dir, 'dev');
  sys = path.join(dir, 'sys');
  await mkdir(dev);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** No kernel monitor and no published shm link: where these would be, nothing is. */
const noMonitors = (): { kumonNode: string; procNetUnix: string } => ({
  kumonNode: path.join(dev, 'kumon'),
  procNetUnix: path.join(dir, 'unix'),
});

test('lists kucomms devices sorted, then the demo targets; other device names are ignored', async () => {
  for (const n of ['kucomms_zeta', 'tty0', 'kucomms_alpha', 'kucomms_', 'kucomms_Bad'])
    await writeFile(path.join(dev, n), '');
  const list = await new TargetsService({ devDir: dev, monitorPlaces: noMonitors() }).list();
  assert.deepEqual(
    list.map((t) => [t.target, t.kind]),
    [
      [path.join(dev, 'kucomms_alpha'), 'device'],
      [path.join(dev, 'kucomms_zeta'), 'device'],
      ['demo:echo', 'demo'],
      ['demo:longtest', 'demo'],
    ],
  );
});

test('lists the monitor targets that can be opened: the kernel monitor of every device and of each one while /dev/kumon is there, and each published shm link', async () => {
  await writeFile(path.join(dev, 'kucomms_alpha'), '');
  const places = noMonitors();
  // /proc/net/unix as the kernel writes it: a published link listens on an abstract socket.
  await writeFile(
    places.procNetUnix,
    'Num       RefCount Protocol Flags    Type St Inode Path\n' +
      '0000000000000000: 00000002 00000000 00010000 0005 01 41 @kucomms/monitor/shm/demo\n' +
      '0000000000000000: 00000002 00000000 00010000 0001 01 42 /run/other.sock\n',
  );
  const monitors = async (): Promise<string[]> =>
    (await new TargetsService({ devDir: dev, monitorPlaces: places }).list())
      .filter((t) => t.kind === 'monitor')
      .map((t) => t.target);
  assert.deepEqual(await monitors(), ['monitor:shm:demo']);
  await writeFile(places.kumonNode, '');
  assert.deepEqual(await monitors(), ['monitor:/dev/kucomms', 'monitor:/dev/kucomms_alpha', 'monitor:shm:demo']);
  assert.deepEqual(
    (await new TargetsService({ devDir: dev, monitorPlaces: places, monitors: false }).list()).filter(
      (t) => t.kind === 'monitor',
    ),
    [],
    'an agent started without --monitor-targets lists none',
  );
});

test('reports a device appearing and going', async () => {
  const svc = new TargetsService({ devDir: dev });
  await svc.watch();
  try {
    const next = (): Promise<TargetInfo[]> => new Promise((resolve) => svc.once('changed', resolve));
    let changed = next();
    await writeFile(path.join(dev, 'kucomms_new'), '');
    assert.ok(
      (await changed).some((t) => t.target.endsWith('/kucomms_new')),
      'the new device is not listed',
    );
    changed = next();
    await rm(path.join(dev, 'kucomms_new'));
    assert.ok(!(await changed).some((t) => t.target.endsWith('/kucomms_new')), 'the removed device is still listed');
  } finally {
    svc.close();
  }
});

test('creates and removes devices by writing their name to the sysfs control files', async () => {
  await mkdir(sys);
  await writeFile(path.join(sys, 'create_device'), '');
  await writeFile(path.join(sys, 'remove_device'), '');
  const svc = new TargetsService({ devDir: dev, sysfsDir: sys });
  await svc.createDevice('kucomms_mine');
  assert.equal(await readFile(path.join(sys, 'create_device'), 'utf8'), 'kucomms_mine\n');
  await svc.removeDevice('kucomms_mine');
  assert.equal(await readFile(path.join(sys, 'remove_device'), 'utf8'), 'kucomms_mine\n');
});

test('without the module, or with a bad name, device control fails with a clear error', async () => {
  const svc = new TargetsService({ devDir: dev, sysfsDir: sys });
  await assert.rejects(svc.createDevice('kucomms_mine'), {
    code: 'ENOENT',
    message: /kucomms module is not loaded .*modprobe kucomms/,
  });
  await assert.rejects(svc.createDevice('mine'), { code: 'EINVAL', message: /must be "kucomms_" followed by/ });
});
