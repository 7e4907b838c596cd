// What every kucomms-studio command shares: how an action reports its exit
// code, how it says what went wrong, and how it waits for Ctrl-C.

/** Wraps an action so its exit code reaches main(). */
export type Runner = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

type Action<A extends unknown[]> = (...args: A) => Promise<number>;

/**
 * An action whose module is imported only when its command runs: `send` and
 * `targets` then start without loading the layout, capture, script and
 * server code (and TypeScript) that other commands need.
 */
export function lazy<A extends unknown[]>(load: () => Promise<Action<A>>): Action<A> {
  return async (...args) => (await load())(...args);
}

/** A message on stderr, prefixed with the command's name. */
export function say(message: string): void {
  process.stderr.write(`kucomms-studio: ${message}\n`);
}

/** Resolves on the first of SIGINT / SIGTERM. */
export function interrupted(): Promise<'signal'> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('signal'));
    process.once('SIGTERM', () => resolve('signal'));
  });
}

/** A failure main() reports as `kucomms-studio: MESSAGE` with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
