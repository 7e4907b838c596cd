// A request's URL, parsed without ever throwing: a request line such as
// `GET //` or `GET /%` is the sender's error, and one bad request must never
// end the server that received it.

/** The request target as a URL, or undefined when it does not parse. */
export function parseRequestUrl(url: string | undefined): URL | undefined {
  try {
    return new URL(url ?? '/', 'http://x');
  } catch {
    return undefined;
  }
}

/**
 * The request's path with its percent-encoding decoded, or undefined when the
 * URL does not parse, its encoding is malformed or invalid UTF-8 (`/%`,
 * `/%zz`, `/%ff`), or it decodes to a NUL.
 */
export function decodedRequestPath(url: string | undefined): string | undefined {
  const parsed = parseRequestUrl(url);
  if (!parsed) return undefined;
  try {
    const decoded = decodeURIComponent(parsed.pathname);
    return decoded.includes('\0') ? undefined : decoded;
  } catch {
    return undefined;
  }
}
