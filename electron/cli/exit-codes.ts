// Exit codes of kucomms-studio, for shell scripts (also listed in --help).
export const EXIT = {
  /** Done. */
  OK: 0,
  /** The target failed: cannot open, cannot send, link died. */
  TARGET: 1,
  /** Bad command line. */
  USAGE: 2,
  /** A handler script stopped itself or was stopped (threw, ran away, out of memory). */
  SCRIPT: 3,
  /** Waited for messages that did not come in time. */
  TIMEOUT: 4,
  /** A message did not fit its layout, a capture was damaged, or replayed replies differed. */
  DIFFERENT: 5,
  /** The layout file has errors. */
  LAYOUT: 6,
} as const;

export const EXIT_HELP = `
Exit codes:
  0  success
  1  the target failed (cannot open or send, the link died); the message says why
  2  bad command line
  3  a handler script threw, ran away or ran out of memory (stack and line on stderr)
  4  timed out waiting for messages
  5  decode, replay: a message did not fit its layout, a capture was damaged, or replayed replies differed
  6  the layout file has errors (each printed as file:line:column)`;
