// What kucomms-studio test does: load each test file, run it against its
// target, print one line per test and the closing count, write the reports.
// Loaded when it runs.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ProtocolRegistry } from '../services/studio/protocols.ts';
import { countsOf, jsonReport, junitXml, type SuiteRun } from '../services/suites/reports.ts';
import { runSuite, testContext } from '../services/suites/suite.ts';
import { workspaceTestFiles } from '../services/suites/test-file.ts';
import type { TestResult } from '../services/suites/run-test.ts';
import { EXIT } from './exit-codes.ts';
import { CliError } from './cli-support.ts';
import { openTarget } from './open-target.ts';

interface TestOptions {
  workspace?: string;
  junit?: string;
  json?: string;
}

const secondsText = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function resultLine(r: TestResult): string {
  if (r.verdict === 'passed') return `ok - ${r.name} (${secondsText(r.durationMs)})`;
  return `not ok - ${r.name}: ${r.message ?? 'failed'}`.replace(/\n/g, '\n    ');
}

function writeReport(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}

/** 0 all passed; 2 a test file did not load (or none was found); 1 a target could not be opened; 7 a test failed. */
function exitCodeOf(run: SuiteRun): number {
  if (run.broken.length > 0) return EXIT.USAGE;
  if (run.results.some((r) => r.targetFailed)) return EXIT.TARGET;
  return run.results.every((r) => r.verdict === 'passed') ? EXIT.OK : EXIT.TESTS_FAILED;
}

export async function testCommand(files: string[], o: TestOptions): Promise<number> {
  // Kept as given: reports then name files as the command line did.
  const workspaceDir = o.workspace ?? '.';
  if (!statSync(workspaceDir).isDirectory()) throw new CliError(`--workspace ${o.workspace}: not a folder`, EXIT.USAGE);
  const chosen = files.length > 0 ? files : workspaceTestFiles(workspaceDir);
  if (chosen.length === 0)
    throw new CliError(`no tests: ${path.join(workspaceDir, 'tests')} holds no .yaml file`, EXIT.USAGE);
  const ctx = testContext(workspaceDir, new ProtocolRegistry({ workspaceDir: () => path.resolve(workspaceDir) }));
  const run = await runSuite(chosen, ctx, {
    open: openTarget,
    onTest: (t) =>
      process.stdout.write(
        'result' in t
          ? `${resultLine(t.result)}\n`
          : `not ok - ${t.broken.name}: the test file has errors\n${t.broken.errors.map((e) => `    ${e}\n`).join('')}`,
      ),
  });
  if (o.junit !== undefined) writeReport(o.junit, junitXml(run));
  if (o.json !== undefined) writeReport(o.json, jsonReport(run));
  const c = countsOf(run);
  process.stdout.write(`${c.passed} passed, ${c.failed} failed\n`);
  return exitCodeOf(run);
}
