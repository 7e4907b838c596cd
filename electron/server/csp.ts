// The Content-Security-Policy of every Studio page, in Electron and in a
// browser: only the Studio's own scripts, styles and connections; no
// inline or evaluated script, no plugins, no framing, no forms elsewhere.
//
// One exception, kept as narrow as CSP allows: the code editor (CodeMirror)
// writes its styles into <style> elements at run time. Each page response
// gets a fresh random nonce that only those elements carry (the page learns
// it from a <meta> element, see pageWithStyleNonce), instead of allowing
// every inline style.
import { randomBytes } from 'node:crypto';

export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  // The API's WebSocket is on the page's own origin ('self' covers ws: and wss: there).
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** The policy; with @styleNonce, style elements carrying that nonce are allowed too. */
export function contentSecurityPolicy(styleNonce?: string): string {
  return Object.entries(CSP_DIRECTIVES)
    .map(
      ([name, values]) =>
        `${name} ${[...values, ...(name === 'style-src' && styleNonce ? [`'nonce-${styleNonce}'`] : [])].join(' ')}`,
    )
    .join('; ');
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** Headers sent with every page and file (both shells); pages pass their style nonce. */
export function securityHeaders(styleNonce?: string): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(styleNonce),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = securityHeaders();

/** 128 random bits, base64: unguessable per page load. */
export function newStyleNonce(): string {
  return randomBytes(16).toString('base64');
}

/** The name of the <meta> element that hands the page its style nonce (renderer/src/lib/style-nonce.ts reads it). */
export const STYLE_NONCE_META = 'kucomms-style-nonce';

/** @html with the <meta> element carrying @nonce at the start of its head (or after its doctype: never before it, which would change how the page renders). */
export function pageWithStyleNonce(html: string, nonce: string): string {
  const meta = `<meta name="${STYLE_NONCE_META}" nonce="${nonce}">`;
  const anchor = /<head[^>]*>/i.exec(html) ?? /^\s*<!doctype[^>]*>/i.exec(html);
  const at = anchor ? anchor.index + anchor[0].length : 0;
  return `${html.slice(0, at)}${meta}${html.slice(at)}`;
}
