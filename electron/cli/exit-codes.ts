// Exit codes of kucomms-studio, for shell scripts (also listed in --help).
export const EXIT = {
  /** Done. */
  OK: 0,
  /** The target failed: cannot open, cannot send, link died (also an internal error, said in one line). */
  TARGET: 1,
  /** Bad command line, or a file it names is missing, unreadable, unwritable or not of its kind. */
  USAGE: 2,
  /** A handler script stopped itself or was stopped (threw, ran away, out of memory). */
  SCRIPT: 3,
  /** Waited for messages that did not come in time. */
  TIMEOUT: 4,
  /** A message did not fit its layout, a capture was damaged, replayed replies differed, or a layout change is breaking. */
  DIFFERENT: 5,
  /** The layout file has errors. */
  LAYOUT: 6,
  /** test: a protocol test failed. */
  TESTS_FAILED: 7,
  /** fuzz found a problem (saved as a capture and a test). */
  FOUND: 8,
} as const;

export const EXIT_HELP = `
Exit codes:
  0  success
  1  the target failed (cannot open or send, the link died); the message says why
     (also an internal error: one line; KUCOMMS_DEBUG=1 prints where)
  2  bad command line, or a file it names is missing, unreadable, unwritable
     or not of its kind (an empty file, a layout given as a capture...)
  3  a handler script threw, ran away or ran out of memory (stack and line on stderr)
  4  timed out waiting for messages
  5  decode, replay: a message did not fit its layout, a capture was damaged, or replayed replies differed;
     diff-layout: a change is breaking
  6  the layout file has errors (each printed as file:line:column)
  7  test: a protocol test failed (a test file with errors is 2, a target that
     cannot be opened 1)
  8  fuzz: a finding (kernel log problem, hang or link down), saved as a capture and a test`;
