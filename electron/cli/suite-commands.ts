// `kucomms-studio test`: a workspace's protocol tests (tests/*.yaml) run
// headless, for CI. What it does is in suite-actions.ts, imported when it runs.
import type { Command } from 'commander';
import { EXIT } from './exit-codes.ts';
import { lazy, type Runner } from './cli-support.ts';

export function registerSuiteCommands(p: Command, run: Runner): void {
  p.command('test')
    .description(
      `run protocol tests (a workspace's tests/*.yaml, or the files given), one line per test; exit ${EXIT.TESTS_FAILED} when one fails`,
    )
    .argument('[files...]', "test files (default: the workspace's tests/*.yaml)")
    .option('--workspace <dir>', 'the workspace: its layouts, captures and scripts (default: the current folder)')
    .option('--junit <file>', 'also write a JUnit XML report here')
    .option('--json <file>', 'also write a JSON report (every step of every test) here')
    .action(run(lazy(async () => (await import('./suite-actions.ts')).testCommand)));
}
