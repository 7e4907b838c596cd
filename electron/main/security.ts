// The Electron shell's security settings as plain data, so that each item of
// Electron's security checklist is checked by a test without the Electron
// binary. main.ts applies exactly these; nothing else loosens them.
export const APP_SCHEME = 'studio';
/** The renderer is served from this origin (a custom protocol, never file://). */
export const APP_ORIGIN = `${APP_SCHEME}://app`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** The privileges of the app scheme: a standard, secure origin of its own. */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: false,
  stream: true,
} as const;

/** webPreferences of every Studio window (the preload path is added at run time). */
export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
} as const;

/** Whether a URL belongs to the Studio's own pages. */
export function isAppUrl(url: string): boolean {
  try {
    return new URL(url).origin === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`);
  } catch {
    return false;
  }
}

/** IPC is answered only for the main frame of a Studio page. */
export function isTrustedSender(frame: { url: string; parent: unknown } | null | undefined): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url);
}

/** Navigation away from the Studio's pages is blocked (a reload of them is fine). */
export function navigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

/** No page may open a window: window.open and target=_blank are refused. */
export function windowOpenDecision(): { action: 'deny' } {
  return { action: 'deny' };
}

/** No web permission (camera, notifications, clipboard-read, ...) is ever granted. */
export function permissionGranted(): boolean {
  return false;
}

/** The IPC channel of a call, and of an event. */
export const callChannel = (name: string): string => `studio:call:${name}`;
export const eventChannel = (name: string): string => `studio:event:${name}`;
