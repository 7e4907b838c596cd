// The Electron shell: one window on the Studio's own origin, the Studio API
// bound to ipcMain (one handler per call, senders checked), events sent to
// the window, and everything security.ts lists applied. No logic of its own:
// the Studio is electron/services/studio, the same as in serve mode.
import { app, BrowserWindow, ipcMain, Menu, net, protocol, session, type WebContents } from 'electron';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CALL_NAMES, EVENT_NAMES, StudioError, type StudioEvents } from '../shared/studio-api.ts';
import type { IpcReply } from '../shared/studio-client.ts';
import { dispatch } from '../services/studio/dispatch.ts';
import { toStudioError } from '../services/studio/errors.ts';
import { StudioService } from '../services/studio/studio-service.ts';
import { defaultStateDir, StateStore } from '../services/workspace/state-store.ts';
import { startupWorkspaceDir, stateFile } from '../services/workspace/startup.ts';
import { stopAllDemoPeers } from '../services/demo-peers.ts';
import { newStyleNonce, pageWithStyleNonce, SECURITY_HEADERS, securityHeaders } from '../server/csp.ts';
import { RENDERER_DIST } from '../server/static-files.ts';
import { decodedRequestPath } from '../server/request-url.ts';
import {
  APP_ENTRY,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  WEB_PREFERENCES,
  callChannel,
  eventChannel,
  isTrustedSender,
  navigationAllowed,
  permissionGranted,
  windowOpenDecision,
} from './security.ts';

/** Set by the start script: the bundled preload. */
const preload = process.env.KUCOMMS_STUDIO_PRELOAD ?? '';

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

/** Serves renderer/dist on the app scheme, with the CSP; nothing outside it. */
function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const rel = decodedRequestPath(request.url);
    if (rel === undefined) return new Response('malformed request path', { status: 400 });
    const file = path.resolve(RENDERER_DIST, `.${rel}`);
    if (!file.startsWith(path.resolve(RENDERER_DIST) + path.sep)) return new Response('forbidden', { status: 403 });
    const target = existsSync(file) ? file : path.join(RENDERER_DIST, 'index.html');
    if (!existsSync(target))
      return new Response(
        'The Studio user interface is not built yet (renderer/dist is missing): build it as the README says.',
        {
          status: 200,
          headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
        },
      );
    if (path.extname(target) === '.html') {
      // A page: its own style nonce, in its header and its <meta>.
      const nonce = newStyleNonce();
      const page = pageWithStyleNonce(await readFile(target, 'utf8'), nonce);
      return new Response(page, {
        status: 200,
        headers: { ...securityHeaders(nonce), 'Content-Type': 'text/html; charset=utf-8' },
      });
    }
    const response = await net.fetch(pathToFileURL(target).toString());
    const headers = new Headers(response.headers);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) headers.set(k, v);
    return new Response(response.body, { status: response.status, headers });
  });
}

function bindApi(service: StudioService): void {
  for (const name of CALL_NAMES)
    ipcMain.handle(callChannel(name), async (event, input): Promise<IpcReply> => {
      if (!isTrustedSender(event.senderFrame))
        return {
          error: new StudioError({
            code: 'EACCES',
            message: `${name}: refused: the caller is not the Studio's own page`,
          }).toJSON(),
        };
      try {
        return { result: await dispatch(service.handlers, name, input) };
      } catch (err) {
        return { error: toStudioError(err).toJSON() };
      }
    });
}

function forwardEvents(service: StudioService, contents: WebContents): void {
  for (const event of EVENT_NAMES) {
    const listener = (payload: StudioEvents[typeof event]): void => {
      if (!contents.isDestroyed()) contents.send(eventChannel(event), payload);
    };
    service.on(event, listener);
    contents.once('destroyed', () => service.off(event, listener));
  }
}

function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (e, url) => {
    if (!navigationAllowed(url)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!navigationAllowed(url)) e.preventDefault();
  });
  contents.setWindowOpenHandler(windowOpenDecision);
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

/** `--workspace DIR` or `--workspace=DIR` on the shell's command line, as `serve` takes it. */
function workspaceArgument(argv: readonly string[]): string | undefined {
  const at = argv.indexOf('--workspace');
  if (at >= 0) return argv[at + 1];
  return argv.find((a) => a.startsWith('--workspace='))?.slice('--workspace='.length);
}

async function main(): Promise<void> {
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) =>
    callback(permissionGranted()),
  );
  session.defaultSession.setPermissionCheckHandler(() => permissionGranted());
  app.on('web-contents-created', (_e, contents) => lockDown(contents));
  serveRenderer();
  const stateDir = defaultStateDir();
  const state = new StateStore(stateFile(stateDir));
  const workspaceDir = startupWorkspaceDir(state, stateDir, workspaceArgument(process.argv));
  for (const notice of state.notices) process.stderr.write(`kucomms-studio: ${notice}\n`);
  const service = new StudioService({ mode: 'electron', defaultTarget: 'demo:echo', state, workspaceDir });
  bindApi(service);
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { label: 'File', submenu: [{ role: 'quit' }] },
      {
        label: 'View',
        submenu: [
          { role: 'reload' },
          { role: 'toggleDevTools' },
          { type: 'separator' },
          { role: 'resetZoom' },
          { role: 'zoomIn' },
          { role: 'zoomOut' },
        ],
      },
    ]),
  );
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'kucomms Studio',
    show: false,
    webPreferences: { ...WEB_PREFERENCES, preload },
  });
  forwardEvents(service, win.webContents);
  win.once('ready-to-show', () => win.show());
  await win.loadURL(APP_ENTRY);
  app.on('window-all-closed', () => {
    void service
      .close()
      .then(() => stopAllDemoPeers())
      .finally(() => app.quit());
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`kucomms-studio: the Electron shell failed: ${(err as Error).stack ?? String(err)}\n`);
  app.exit(1);
});
