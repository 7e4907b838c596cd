// How long a test waits for a state it needs (a reply, a line of output, a
// file) before it calls it lost. Never a measure of speed: a suite on a
// loaded two-core machine, its processes starved for tens of seconds, still
// gets there, and only a test that is failing anyway waits this long.
export const STATE_WAIT_MS = 120_000;
