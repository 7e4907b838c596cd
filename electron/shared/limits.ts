// Every size, depth, count and length limit on input the Studio accepts, in
// one place, so the CLI, the API (and through it the UI) and the readers
// refuse the same things with the same words. The README's "Limits" section
// lists them; change both together.
//
// A limit is a guard against input that would otherwise take the process's
// memory or time (a multi-megabyte layout, a block length of 4 GB, a filter
// of ten thousand parentheses), set well above anything a real protocol or
// capture needs.

export const LIMITS = {
  /** Bytes of a layout file or of layout text sent to the API. */
  layoutBytes: 1_000_000,
  /** Bytes of a handler script file or of script text sent to the API. */
  scriptBytes: 1_000_000,
  /** Characters of a traffic filter expression. */
  filterChars: 10_000,
  /** Nesting of parentheses and `not` in a traffic filter expression. */
  filterDepth: 100,
  /** Bytes of one WebSocket frame (one API call or reply). */
  wsFrameBytes: 32 << 20,
  /** Body bytes of one capture-file block (a message is at most 8 MiB). */
  captureBlockBytes: 64 << 20,
  /** Bytes of one pcapng block (one packet: a message behind its pseudo-header). */
  pcapngBlockBytes: 64 << 20,
  /** Bytes of a capture download from the Studio's server. */
  captureDownloadBytes: 64 << 20,
} as const;

export type LimitName = keyof typeof LIMITS;

/** "1 MB", "64 MiB": a limit in the words an error message uses. */
export function formatBytes(n: number): string {
  if (n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n % 1_000_000 === 0) return `${n / 1_000_000} MB`;
  return `${n} bytes`;
}

/** The UTF-8 size of @text (limits on text count bytes, as files do). */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** A zod check message: "a layout is at most 1 MB". */
export function limitMessage(what: string, limit: number): string {
  return `${what} is at most ${formatBytes(limit)}`;
}
