// Electron's security checklist, item by item, for everything that can be
// checked without the Electron binary: the window settings, the CSP, the
// navigation, window, permission and IPC-sender policies, the preload's
// exposed surface (the real bundle, run against a stand-in for Electron),
// and start-up where the binary is missing.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { describe, test } from 'node:test';
import { build } from 'esbuild';
import { CALL_NAMES } from '../shared/studio-api.ts';
import { CSP_DIRECTIVES } from '../server/csp.ts';
import { findElectronBinary } from './electron-binary.ts';
import {
  APP_ENTRY,
  APP_SCHEME_PRIVILEGES,
  WEB_PREFERENCES,
  callChannel,
  isTrustedSender,
  navigationAllowed,
  permissionGranted,
  windowOpenDecision,
} from './security.ts';
import { STATE_WAIT_MS } from '../services/testing/patience.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');

describe('the window (webPreferences)', () => {
  test('context isolation is on', () => assert.equal(WEB_PREFERENCES.contextIsolation, true));
  test('the renderer is sandboxed', () => assert.equal(WEB_PREFERENCES.sandbox, true));
  test('no Node integration in the page, its workers or its frames', () =>
    assert.deepEqual(
      [
        WEB_PREFERENCES.nodeIntegration,
        WEB_PREFERENCES.nodeIntegrationInWorker,
        WEB_PREFERENCES.nodeIntegrationInSubFrames,
      ],
      [false, false, false],
    ));
  test('web security stays on and insecure content stays off', () =>
    assert.deepEqual([WEB_PREFERENCES.webSecurity, WEB_PREFERENCES.allowRunningInsecureContent], [true, false]));
  test('no experimental or Blink features, no <webview>', () => {
    assert.equal(WEB_PREFERENCES.experimentalFeatures, false);
    assert.equal(WEB_PREFERENCES.webviewTag, false);
    assert.ok(!('enableBlinkFeatures' in WEB_PREFERENCES));
  });
  test('main.ts opens its window with exactly these settings plus the preload', () => {
    const source = readFileSync(path.join(here, 'main.ts'), 'utf8');
    assert.match(source, /webPreferences: \{ \.\.\.WEB_PREFERENCES, preload \}/);
    assert.equal(source.match(/webPreferences/g)?.length, 1, 'no other window settings');
  });
  test('pages come from a secure custom scheme, never file://', () => {
    assert.match(APP_ENTRY, /^studio:\/\/app\//);
    assert.deepEqual([APP_SCHEME_PRIVILEGES.secure, APP_SCHEME_PRIVILEGES.standard], [true, true]);
  });
});

describe('the Content-Security-Policy', () => {
  test('scripts only from the Studio itself: no inline, no eval', () =>
    assert.deepEqual(CSP_DIRECTIVES['script-src'], ["'self'"]));
  test("everything not listed is refused (default-src 'none')", () =>
    assert.deepEqual(CSP_DIRECTIVES['default-src'], ["'none'"]));
  test('no plugins, no base rewriting, no framing, no form posts', () => {
    for (const d of ['object-src', 'base-uri', 'frame-ancestors', 'form-action'])
      assert.deepEqual(CSP_DIRECTIVES[d], ["'none'"], d);
  });
  test("connections only to the page's own origin (the API)", () =>
    assert.deepEqual(CSP_DIRECTIVES['connect-src'], ["'self'"]));
  test("no directive allows 'unsafe-inline', 'unsafe-eval' or a wildcard", () => {
    for (const [d, values] of Object.entries(CSP_DIRECTIVES))
      for (const v of values)
        assert.ok(!["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:'].includes(v), `${d} ${v}`);
  });
});

describe('navigation, windows, permissions, IPC senders', () => {
  test("navigation stays on the Studio's pages", () => {
    assert.equal(navigationAllowed('studio://app/index.html#/traffic'), true);
    for (const url of [
      'https://example.com/',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'studio://other/index.html',
      'not a url',
    ])
      assert.equal(navigationAllowed(url), false, url);
  });
  test('no page may open a new window', () => assert.deepEqual(windowOpenDecision(), { action: 'deny' }));
  test('no permission request is granted', () => assert.equal(permissionGranted(), false));
  test("IPC is answered only for the main frame of the Studio's page", () => {
    assert.equal(isTrustedSender({ url: 'studio://app/index.html', parent: null }), true);
    assert.equal(isTrustedSender({ url: 'studio://app/index.html', parent: {} }), false, 'a subframe');
    assert.equal(isTrustedSender({ url: 'https://example.com/', parent: null }), false, 'a foreign page');
    assert.equal(isTrustedSender({ url: 'file:///tmp/x.html', parent: null }), false, 'a local file');
    assert.equal(isTrustedSender(null), false, 'a destroyed frame');
  });
});

describe('the preload', () => {
  test('exposes one function per API call plus `on`, each invoking only its own channel, and no ipcRenderer', async () => {
    const out = await build({
      entryPoints: [path.join(repo, 'electron/preload/preload.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['electron'],
      write: false,
      logLevel: 'error',
    });
    const exposed: Record<string, Record<string, unknown>> = {};
    const invoked: Array<[string, unknown]> = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => (exposed[key] = api) },
      ipcRenderer: {
        invoke: async (channel: string, input: unknown) => invoked.push([channel, input]),
        on() {},
        off() {},
      },
    };
    const module = { exports: {} };
    runInNewContext(out.outputFiles[0]!.text, {
      require: (id: string) => (id === 'electron' ? electron : assert.fail(`the preload requires ${id}`)),
      module,
      exports: module.exports,
      console,
    });
    assert.deepEqual(Object.keys(exposed), ['kucommsStudio']);
    const api = exposed.kucommsStudio!;
    assert.deepEqual(Object.keys(api).sort(), [...CALL_NAMES, 'on'].sort());
    for (const [name, fn] of Object.entries(api)) assert.equal(typeof fn, 'function', name);
    await (api.listTargets as (i: unknown) => Promise<unknown>)({});
    await (api.send as (i: unknown) => Promise<unknown>)({ target: 'demo:echo' });
    assert.deepEqual(invoked, [
      [callChannel('listTargets'), {}],
      [callChannel('send'), { target: 'demo:echo' }],
    ]);
    assert.throws(
      () => (api.on as (e: string, l: () => void) => void)('ipc', () => {}),
      /there is no Studio event "ipc"/,
    );
  });
});

describe('the shell and its start-up', () => {
  test('main and preload type-check (strict, with Electron 45 typings)', () => {
    const tsc = spawnSync(
      process.execPath,
      [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'electron/tsconfig.shell.json'],
      { cwd: repo, encoding: 'utf8' },
    );
    assert.equal(tsc.status, 0, `${tsc.stdout}${tsc.stderr}`.split('\n')[0]);
  });

  test('a missing Electron binary is reported without downloading it', () => {
    const pkg = mkdtempSync(path.join(os.tmpdir(), 'fake-electron-'));
    writeFileSync(path.join(pkg, 'package.json'), '{"name":"electron"}');
    const lookup = findElectronBinary(pkg, {});
    assert.equal(lookup.found, false);
    assert.match(lookup.found ? '' : lookup.reason, /the Electron binary is not downloaded/);
    assert.deepEqual(readdirSync(pkg), ['package.json'], 'nothing was fetched or written');
  });

  test('npm start without a binary or display says why in one line and serves the Studio with its token', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ELECTRON_OVERRIDE_DIST_PATH: mkdtempSync(path.join(os.tmpdir(), 'no-electron-')),
    };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'start.ts'), '--port', '0'], {
      cwd: repo,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (out += s));
    const lines = await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no URL within ${STATE_WAIT_MS / 1000} s: ${out}`)),
        STATE_WAIT_MS,
      );
      child.stdout.on('data', (s: string) => {
        out += s;
        if (!/open http/.test(out)) return;
        clearTimeout(timer);
        resolve(out.trim().split('\n'));
      });
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    assert.equal(lines.length, 2, out);
    assert.match(
      lines[0]!,
      /^kucomms-studio: cannot open the Electron app \(the Electron binary is not downloaded .*\); serving the Studio to a browser instead$/,
    );
    assert.match(lines[1]!, /^kucomms-studio serve: open http:\/\/127\.0\.0\.1:[0-9]+\/\?token=[A-Za-z0-9_-]{32,}$/);
  });
});
