#!/usr/bin/env node
// The kucomms-studio command: loads the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

// Output piped into a reader that stops early (`decode ... | head`): the
// reader has what it wanted, so the command ends quietly, as `cat` would.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });

register();
const { main } = await import('./main.ts');
const { reportInternalError } = await import('./cli-support.ts');
// A failure outside any command's own handling (a callback, a stream) still says one line and exits 1.
for (const event of ['uncaughtException', 'unhandledRejection'])
  process.on(event, (err) => {
    reportInternalError(err);
    process.exit(1);
  });
process.exitCode = await main(process.argv);
