// The Studio against the kucomms_echo kernel module through its device.
// Runs inside the kernel test VM (as root, kucomms and kucomms_echo loaded,
// /dev/kucomms_echo created) by guest-studio.sh:
//
//   node --import tsx --test --test-reporter=./electron/services/testing/line-reporter.mjs \
//     electron/services/testing/device-echo.guest.ts
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { Message } from '../../shared/message.ts';
import { Endpoint, type KucommsError } from '../endpoint.ts';
import { TargetsService } from '../studio/targets/targets.ts';

const DEVICE = process.env.KUCOMMS_ECHO_DEVICE ?? '/dev/kucomms_echo';
const U64_MAX = (1n << 64n) - 1n;
const WAIT_MS = 30_000;

function until(ep: Endpoint, count: number): Promise<Message[]> {
  const rx: Message[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${rx.length} of ${count} echoes after ${WAIT_MS} ms`)), WAIT_MS);
    ep.on('messages', (msgs) => {
      rx.push(...msgs.filter((m) => m.direction === 'rx'));
      if (rx.length >= count) {
        clearTimeout(timer);
        resolve(rx);
      }
    });
  });
}

test(`the targets list shows ${DEVICE}`, async () => {
  const list = await new TargetsService().list();
  assert.ok(
    list.some((t) => t.target === DEVICE && t.kind === 'device'),
    `targets: ${list.map((t) => t.target).join(', ')}`,
  );
});

test(`a message comes back from ${DEVICE} with every header field and byte, both directions reported`, async () => {
  const ep = await Endpoint.open(DEVICE);
  try {
    const got = until(ep, 1);
    ep.send({ type: U64_MAX, id: 1n << 63n, userValue: 42n }, Buffer.from('through the kernel'));
    const [m] = await got;
    assert.deepEqual(
      [m?.type, m?.id, m?.userValue, Buffer.from(m?.data ?? []).toString()],
      [U64_MAX, 1n << 63n, 42n, 'through the kernel'],
    );
    const c = ep.counters();
    assert.deepEqual([c.sent, c.received], [1n, 1n]);
  } finally {
    await ep.close();
  }
});

test(`10 000 messages come back from ${DEVICE} complete and in order`, async () => {
  const ep = await Endpoint.open(DEVICE, { reportSent: false });
  try {
    const got = until(ep, 10_000);
    for (let sent = 0; sent < 10_000; sent += 1000)
      await ep.sendBurst(1000, { type: 1n, id: BigInt(sent), userValue: 0n }, Buffer.alloc(100, 7));
    const rx = await got;
    const wrong = rx.findIndex((m, i) => m.id !== BigInt(i));
    assert.equal(wrong, -1, `echo ${wrong} has id ${rx[wrong]?.id}`);
  } finally {
    await ep.close();
  }
});

test(`a message larger than ${DEVICE}'s ring allows is refused with EMSGSIZE`, async () => {
  const ep = await Endpoint.open(DEVICE);
  try {
    assert.throws(
      () => ep.send({ type: 0n, id: 0n, userValue: 0n }, Buffer.alloc(ep.maxLength + 1)),
      (err: KucommsError) => err.code === 'EMSGSIZE',
    );
  } finally {
    await ep.close();
  }
});

test(`kucomms-studio send --reply through ${DEVICE} exits 0 and prints the echo`, () => {
  const cli = fileURLToPath(new URL('../../cli/kucomms-studio.mjs', import.meta.url));
  const r = spawnSync(
    process.execPath,
    [cli, 'send', DEVICE, '--type', '3', '--id', '4', '--data', 'cli', '--reply', '20000'],
    { encoding: 'utf8' },
  );
  assert.equal(
    r.status,
    0,
    `exit ${r.status ?? r.signal}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`,
  );
  assert.match(r.stdout, /^rx \S+ type=3 id=4 user_value=0 length=3 data=636c69 "cli"\n$/);
});

test('a device created through sysfs appears in the targets list and goes when removed', async () => {
  const svc = new TargetsService();
  const name = 'kucomms_studio_test';
  await svc.watch();
  try {
    const appeared = new Promise<boolean>((resolve) =>
      svc.on('changed', (t) => t.some((x) => x.target === `/dev/${name}`) && resolve(true)),
    );
    await svc.createDevice(name);
    assert.equal(
      await Promise.race([appeared, new Promise<boolean>((r) => setTimeout(r, WAIT_MS, false))]),
      true,
      `/dev/${name} never listed`,
    );
    await svc.removeDevice(name);
    for (let i = 0; i < 100 && existsSync(`/dev/${name}`); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!(await svc.list()).some((x) => x.target === `/dev/${name}`), `/dev/${name} still listed after removal`);
    await assert.rejects(svc.removeDevice(name), (err: KucommsError) =>
      /cannot remove device kucomms_studio_test/.test(err.message),
    );
  } finally {
    svc.close();
  }
});
