// The Studio API's protocol-test calls: the open workspace's tests
// (tests/*.yaml), running one or all of them against their targets with each
// step's verdict, and making a test from a capture (a replay of it) in one step.
import { z } from 'zod';
import { call, empty, targetName, type CallTable } from './call-spec.ts';

/** A test file of the workspace's tests/ folder. */
export interface TestFileView {
  /** The file's name in tests/ (set-point.yaml). */
  file: string;
  /** The test's name (its name: key, else the file's name). */
  name: string;
  target?: string;
  steps?: number;
  /** The file's errors, file:line:column each; the test cannot run until they are fixed. */
  errors: string[];
}

/** A field of a replayed reply that was not as captured. */
export interface TestFieldDiffView {
  path: string;
  captured: string;
  replayed: string;
}

export interface TestStepView {
  step: number;
  line: number;
  what: string;
  verdict: 'passed' | 'failed' | 'not run';
  /** Why it failed: the unmet expectation, the message that should not have come, why the script stopped. */
  message?: string;
  /** A replay step that failed: each reply not as captured. */
  differences?: Array<{
    status: 'different' | 'missing' | 'unexpected';
    reply: number;
    captured?: string;
    replayed?: string;
    diffs: TestFieldDiffView[];
  }>;
  durationMs: number;
}

export interface TestResultView {
  /** The file's name in tests/. */
  file: string;
  name: string;
  target: string;
  verdict: 'passed' | 'failed';
  /** The file has errors (listed) and did not run. */
  errors?: string[];
  message?: string;
  durationMs: number;
  steps: TestStepView[];
}

const testFile = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+\.ya?ml$/, 'expected the name of a file in tests/, e.g. set-point.yaml');

export const testCalls = {
  listTests: call<TestFileView[]>()(empty, "the open workspace's tests (tests/*.yaml), each with its errors"),
  runTests: call<TestResultView[]>()(
    z.object({ files: z.array(testFile).max(1000).optional() }).strict(),
    'runs the tests named (default: all), one after the other, and returns each verdict with its steps',
  ),
  createTest: call<TestFileView>()(
    z
      .object({
        /** The new file's name in tests/, without .yaml. */
        name: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'letters, digits, - and _ (up to 100)'),
        /** A capture of the workspace's captures/. */
        capture: z.string().min(1).max(255),
        target: targetName,
        protocol: z.string().min(1).optional(),
        /** Field paths to ignore when comparing replies (header.user_value, data.seconds...). */
        ignore: z.array(z.string().min(1).max(200)).max(100).default([]),
        speed: z.union([z.literal('original'), z.literal('max'), z.number().positive()]).default('max'),
      })
      .strict(),
    "writes tests/NAME.yaml: a replay of the capture into the target, its replies compared (a capture's or a replay's test in one step)",
  ),
} satisfies CallTable;
