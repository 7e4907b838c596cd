// kucomms-studio wireshark install, against the real tshark: the dissectors
// land in the personal Lua plugin folder of a made-up home and tshark loads
// them from there; the extcap program lands in Wireshark's global extcap
// folder, which the test covers with a tmpfs in a private mount namespace
// (the host's /usr/lib is never written): writable, it is copied there;
// read-only, as for a user who is not root, the command says plainly that
// this part needs root and how to do it, and installs the rest.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { wiresharkFolders } from './wireshark-actions.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cli = path.join(repo, 'electron/cli/kucomms-studio.mjs');
const work = mkdtempSync(path.join(tmpdir(), 'kucomms-wireshark-test-'));
const home = path.join(work, 'home');
const workspace = path.join(work, 'workspace');
const extcapDir = wiresharkFolders().get('Extcap path') as string;
after(() => rmSync(work, { recursive: true, force: true }));

before(() => {
  mkdirSync(home);
  mkdirSync(path.join(workspace, 'layouts'), { recursive: true });
  cpSync(path.join(repo, 'build/test/own-module/own.yaml'), path.join(workspace, 'layouts/own.yaml'));
  if (!existsSync(path.join(repo, 'native/build/kucomms_extcap'))) {
    const make = spawnSync('make', ['-s', '-C', path.join(repo, 'native'), 'build/kucomms_extcap'], {
      encoding: 'utf8',
    });
    assert.equal(make.status, 0, make.stderr);
  }
});

/**
 * Runs `kucomms-studio wireshark install ARGS` with HOME=@home in a private
 * mount namespace whose Wireshark extcap folder is a fresh tmpfs (read-only
 * when @readOnly), then lists that folder from inside.
 */
function install(args: string[], { readOnly = false } = {}) {
  const script = `mount -t tmpfs -o ${readOnly ? 'ro' : 'rw'},mode=0755 kucomms-test "$0" || exit 90
"$@"; status=$?
echo "@@status $status"; echo "@@extcap $(ls -l "$0" | tail -n +2 | awk '{ print $1, $NF }' | tr '\\n' ';')"`;
  const r = spawnSync(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      script,
      extcapDir,
      process.execPath,
      cli,
      'wireshark',
      'install',
      ...args,
    ],
    { encoding: 'utf8', env: { ...process.env, HOME: home } },
  );
  assert.equal(r.error, undefined);
  const status = Number(/^@@status (\d+)$/m.exec(r.stdout)?.[1]);
  const extcap = /^@@extcap (.*)$/m.exec(r.stdout)?.[1] ?? '';
  return { ...r, status, extcap };
}

const luaDir = () => path.join(home, '.local/lib/wireshark/plugins');

test('wireshark install: a dissector per layout in the personal Lua folder, which tshark loads, and the extcap in the extcap folder', () => {
  const r = install(['--workspace', workspace]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(readdirSync(luaDir()).sort(), [
    'kucomms_echo.lua',
    'kucomms_longtest.lua',
    'kucomms_own.lua',
    'kucomms_telemetry.lua',
  ]);
  assert.match(r.extcap, /^-rwxr-xr-x kucomms_extcap;$/);
  assert.match(r.stdout, new RegExp(`^extcap ${extcapDir}/kucomms_extcap$`, 'm'));
  const protocols = spawnSync('tshark', ['-G', 'protocols'], { encoding: 'utf8', env: { ...process.env, HOME: home } });
  const kucomms = protocols.stdout
    .split('\n')
    .filter((l) => l.endsWith('\tkucomms_own') || l.endsWith('\tkucomms_longtest'));
  assert.equal(kucomms.length, 2, `tshark does not list kucomms_own and kucomms_longtest: ${protocols.stderr}`);
});

test('wireshark install: where the extcap folder needs root, it says so with the command, and installs the dissectors', () => {
  rmSync(luaDir(), { recursive: true, force: true });
  const r = install(['--workspace', workspace, '--only', 'own'], { readOnly: true });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    new RegExp(
      `^extcap NOT installed: this Wireshark looks for extcap programs only in ${extcapDir}, which needs root`,
      'm',
    ),
  );
  assert.match(r.stdout, /Wireshark 4\.0, as in Debian 12, has no personal extcap folder/);
  assert.match(r.stdout, new RegExp(`^  sudo install -m 0755 \\S+/kucomms_extcap ${extcapDir}/kucomms_extcap$`, 'm'));
  assert.equal(r.extcap, '');
  assert.deepEqual(readdirSync(luaDir()), ['kucomms_own.lua']);
});
