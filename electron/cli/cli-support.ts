// What every kucomms-studio command shares: how an action reports its exit
// code, how it says what went wrong, and how it waits for Ctrl-C.
import { statSync } from 'node:fs';
import { EXIT } from './exit-codes.ts';

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

/**
 * A failure of the system about a file or address the command line named
 * (ENOENT, EACCES, EISDIR, ENOSPC, EADDRINUSE...): Node's own message says
 * what and where in one line.
 */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return (
    err instanceof Error &&
    typeof (err as NodeJS.ErrnoException).code === 'string' &&
    /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!)
  );
}

/** The first line of an error's message: what main() prints for an unexpected failure. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] || (err instanceof Error ? err.name : 'unknown error');
}

/**
 * What a failure nobody foresaw prints: one line, and how to see more. The
 * stack is for whoever fixes it, so only KUCOMMS_DEBUG=1 prints it.
 */
export function reportInternalError(err: unknown): void {
  if (process.env.KUCOMMS_DEBUG === '1')
    process.stderr.write(`kucomms-studio: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
  else process.stderr.write(`kucomms-studio: internal error: ${oneLine(err)} (KUCOMMS_DEBUG=1 prints where)\n`);
}

/** Refuses to write @output when it is the file @input names: the command would destroy what it reads. */
export function refuseOverwritingInput(input: string, output: string): void {
  const a = statSync(input, { throwIfNoEntry: false });
  const b = statSync(output, { throwIfNoEntry: false });
  if (a && b && a.dev === b.dev && a.ino === b.ino)
    throw new CliError(`${output} is ${input}, the file being read: give another output file`, EXIT.USAGE);
}
