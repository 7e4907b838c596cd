// The Studio's side of the protocol handshake: reading what a module said
// from a device's sysfs attributes, and checking it against the layout the
// target decodes with. The sysfs folder here is a stand-in written by the
// test (the kernel's attributes, and libkucomms's check against them, run
// for real in npm run test:package's booted kernel).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadLayoutText } from '../../protocol/loader.ts';
import { formatHash, protocolHash } from '../../protocol/protocol-hash.ts';
import { advertisedProtocol, checkProtocol } from './device-protocol.ts';

const fixtures = fileURLToPath(new URL('../../../../build/test/own-module/', import.meta.url));
const text = (f: string) => readFileSync(path.join(fixtures, f), 'utf8');
const own = loadLayoutText(text('own.yaml'), 'own.yaml');
const changed = loadLayoutText(text('own-changed.yaml'), 'own-changed.yaml');
// The module's version kept under another protocol name: names do not change the hash.
const ownV1 = loadLayoutText(text('own.yaml').replace('protocol: own', 'protocol: own_v1'), 'own-v1.yaml');
const ownHash = formatHash(protocolHash(own));
const changedHash = formatHash(protocolHash(changed));

const sys = mkdtempSync(path.join(tmpdir(), 'kucomms-sysfs-'));
after(() => rmSync(sys, { recursive: true, force: true }));

/** A device's sysfs folder as kucomms.ko writes it: one value and a newline per attribute. */
function device(name: string, values: { name: string; version: string; hash: string }) {
  mkdirSync(path.join(sys, name));
  writeFileSync(path.join(sys, name, 'protocol_name'), `${values.name}\n`);
  writeFileSync(path.join(sys, name, 'protocol_version'), `${values.version}\n`);
  writeFileSync(path.join(sys, name, 'protocol_hash'), `${values.hash}\n`);
}

test('advertisedProtocol reads name, version and hash; a module that said nothing, or no device, gives none', async () => {
  device('kucomms_own', { name: 'own', version: '1', hash: ownHash });
  device('kucomms_quiet', { name: '', version: '', hash: '' });
  assert.deepEqual(await advertisedProtocol('/dev/kucomms_own', sys), { name: 'own', version: '1', hash: ownHash });
  assert.equal(await advertisedProtocol('/dev/kucomms_quiet', sys), undefined);
  assert.equal(await advertisedProtocol('/dev/kucomms_gone', sys), undefined);
});

test('checkProtocol: the same hash matches', () => {
  const check = checkProtocol(
    '/dev/kucomms_own',
    { name: 'own', version: '1', hash: ownHash },
    { layout: own, file: 'layouts/own.yaml' },
    [],
  );
  assert.equal(check.match, true);
  assert.equal(check.message, `/dev/kucomms_own speaks own 1 hash ${ownHash}, as layouts/own.yaml does`);
});

test('checkProtocol: a mismatch names the device, the layout file and both hashes, and lists what differs when the Studio has both', () => {
  const advertised = { name: 'own', version: '1', hash: ownHash };
  const used = { layout: changed, file: 'layouts/own.yaml' };
  const layouts = [used, { layout: ownV1, file: 'layouts/own-v1.yaml' }];
  const check = checkProtocol('/dev/kucomms_own', advertised, used, layouts);
  assert.equal(check.match, false);
  assert.equal(
    check.message,
    `/dev/kucomms_own speaks protocol own 1 hash ${ownHash}, but layouts/own.yaml (protocol own) has hash ${changedHash}: ` +
      "its messages may decode wrongly; the module's version is layouts/own-v1.yaml",
  );
  assert.deepEqual(check.differences, [
    'reading.value changed type from s16 to s32',
    'reading.value was resized from 2 to 4 bytes',
    'reading.stamp moved from offset 34 to 36',
  ]);
  const alone = checkProtocol('/dev/kucomms_own', advertised, used, [used]);
  assert.equal(alone.differences, undefined);
  const none = checkProtocol('/dev/kucomms_own', advertised, undefined, layouts);
  assert.match(none.message, /the Studio has no layout of that name: messages show undecoded$/);
});
