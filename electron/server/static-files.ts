// Serves the built renderer (renderer/dist) to a browser, every response
// with the Studio's security headers. Only files under the root are served;
// unknown paths get index.html (the renderer routes by itself).
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodedRequestPath } from './request-url.ts';
import { newStyleNonce, pageWithStyleNonce, SECURITY_HEADERS, securityHeaders } from './csp.ts';

export const RENDERER_DIST = fileURLToPath(new URL('../../renderer/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>kucomms Studio</title>
<p>The Studio's user interface is not built yet (renderer/dist is missing): build it as the README says,
then reload this page. The API is running: this page's URL, token included, is the one to open.</p>`;

export function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const urlPath = decodedRequestPath(req.url ?? '/');
  if (urlPath === undefined) {
    res
      .writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end('malformed request path: its percent-encoding is not valid UTF-8\n');
    return;
  }
  let file = path.resolve(root, `.${urlPath}`);
  if (!file.startsWith(path.resolve(root) + path.sep) && file !== path.resolve(root)) {
    res.writeHead(403).end();
    return;
  }
  if (!existsSync(file) || statSync(file).isDirectory()) file = path.join(root, 'index.html');
  if (!existsSync(file)) {
    res.writeHead(200, { 'Content-Type': TYPES['.html']!, 'Cache-Control': 'no-store' }).end(NOT_BUILT);
    return;
  }
  if (path.extname(file) === '.html') {
    // A page: its own style nonce, in its header and its <meta>.
    const nonce = newStyleNonce();
    for (const [k, v] of Object.entries(securityHeaders(nonce))) res.setHeader(k, v);
    const page = pageWithStyleNonce(readFileSync(file, 'utf8'), nonce);
    res.writeHead(200, { 'Content-Type': TYPES['.html']!, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : page);
    return;
  }
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Cache-Control': 'no-cache',
  });
  if (req.method === 'HEAD') res.end();
  else
    createReadStream(file)
      .on('error', () => res.destroy()) // removed or unreadable after the check: end this response only
      .pipe(res);
}
