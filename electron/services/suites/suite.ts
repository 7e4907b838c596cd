// A run of several protocol tests, one after the other, as both the
// command line (`kucomms-studio test`) and the Studio's Tests view run them:
// each file loaded (one that does not load is reported with its errors and
// the others still run), then run against its target.
import { formatLayoutError, LayoutLoadError } from '../protocol/load-errors.ts';
import type { ProtocolRegistry } from '../studio/protocols.ts';
import type { BrokenTest, SuiteRun } from './reports.ts';
import { runProtocolTest, type RunOptions, type TestResult } from './run-test.ts';
import { loadTestFile, testNameOf, type TestContext } from './test-file.ts';

/** Where a workspace's tests find their layouts (the shipped ones and the workspace's) and files. */
export function testContext(workspaceDir: string, protocols: ProtocolRegistry): TestContext {
  return {
    workspaceDir,
    layout: (protocol) => {
      const entry = protocols.entries().find((e) => e.layout?.protocol === protocol);
      return entry?.layout ? { layout: entry.layout, file: entry.file } : undefined;
    },
    protocolNames: () => protocols.entries().flatMap((e) => (e.layout ? [e.layout.protocol] : [])),
  };
}

export interface SuiteOptions extends RunOptions {
  /** Called as each test ends (or fails to load). */
  onTest?: (outcome: { result: TestResult } | { broken: BrokenTest }) => void;
}

/** Loads a test file, or says why it did not load (every error, file:line:column). */
export function loadOrBroken(file: string, ctx: TestContext): ReturnType<typeof loadTestFile> | BrokenTest {
  try {
    return loadTestFile(file, ctx);
  } catch (err) {
    const errors =
      err instanceof LayoutLoadError
        ? err.errors.map(formatLayoutError)
        : [`${file}: cannot read the file: ${(err as Error).message}`];
    return { name: testNameOf(file), file, errors };
  }
}

export async function runSuite(
  files: readonly string[],
  ctx: TestContext,
  options: SuiteOptions = {},
): Promise<SuiteRun> {
  const startedAt = Date.now();
  const run: SuiteRun = { results: [], broken: [], startedAt, durationMs: 0 };
  for (const file of files) {
    const test = loadOrBroken(file, ctx);
    if ('errors' in test) {
      run.broken.push(test);
      options.onTest?.({ broken: test });
      continue;
    }
    const result = await runProtocolTest(test, options);
    run.results.push(result);
    options.onTest?.({ result });
  }
  run.durationMs = Date.now() - startedAt;
  return run;
}
