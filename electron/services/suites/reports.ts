// A run of protocol tests as CI reads it: JUnit XML (one testsuite, a
// testcase per test, <failure> with the failed step, <error> for a target
// that could not be opened or a test file that did not load) and JSON (every
// step of every test).
import path from 'node:path';
import type { TestResult } from './run-test.ts';

/** A test file that did not load: its errors, one file:line:column line each. */
export interface BrokenTest {
  name: string;
  file: string;
  errors: string[];
}

export interface SuiteRun {
  results: TestResult[];
  broken: BrokenTest[];
  /** When the run started (ms since the epoch) and how long it took. */
  startedAt: number;
  durationMs: number;
}

export interface SuiteCounts {
  tests: number;
  passed: number;
  failed: number;
  /** Of the failed: could not load, or could not open the target. */
  errors: number;
}

export function countsOf(run: SuiteRun): SuiteCounts {
  const passed = run.results.filter((r) => r.verdict === 'passed').length;
  const errors = run.broken.length + run.results.filter((r) => r.targetFailed).length;
  const tests = run.results.length + run.broken.length;
  return { tests, passed, failed: tests - passed, errors };
}

function xmlText(s: string): string {
  // Characters XML 1.0 cannot carry at all (control bytes a message summary may hold) become U+FFFD.
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/** The run as JUnit XML (the shape Jenkins, GitLab and GitHub's test reporters read). */
export function junitXml(run: SuiteRun, suiteName = 'protocol tests'): string {
  const c = countsOf(run);
  // In JUnit, a failure is an assertion that did not hold and an error is a test that could not run.
  const failures = c.failed - c.errors;
  const attrs = `name="${xmlText(suiteName)}" tests="${c.tests}" failures="${failures}" errors="${c.errors}" skipped="0" time="${seconds(run.durationMs)}"`;
  const cases: string[] = [];
  for (const r of run.results) {
    const head = `    <testcase name="${xmlText(r.name)}" classname="${xmlText(classname(r.file))}" file="${xmlText(r.file)}" time="${seconds(r.durationMs)}"`;
    const steps = r.steps.map((s) => `step ${s.step} (line ${s.line}) ${s.verdict}: ${s.what}`).join('\n');
    if (r.verdict === 'passed') {
      cases.push(`${head}>\n      <system-out>${xmlText(steps)}</system-out>\n    </testcase>`);
      continue;
    }
    const tag = r.targetFailed ? 'error' : 'failure';
    const failed = r.steps.find((s) => s.verdict === 'failed');
    const detail = [failed?.message ?? r.message ?? '', ...(failed?.differences ?? []).map(differenceLine)].join('\n');
    cases.push(
      `${head}>\n      <${tag} message="${xmlText(r.message ?? 'failed')}" type="${r.targetFailed ? 'target' : 'step'}">${xmlText(detail)}</${tag}>\n      <system-out>${xmlText(steps)}</system-out>\n    </testcase>`,
    );
  }
  for (const b of run.broken)
    cases.push(
      `    <testcase name="${xmlText(b.name)}" classname="${xmlText(classname(b.file))}" file="${xmlText(b.file)}" time="0.000">\n      <error message="the test file has errors" type="test-file">${xmlText(b.errors.join('\n'))}</error>\n    </testcase>`,
    );
  const stamp = new Date(run.startedAt).toISOString().replace(/\.\d+Z$/, '');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attrs}>`,
    `  <testsuite ${attrs} timestamp="${stamp}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function classname(file: string): string {
  return `tests.${path.basename(file).replace(/\.ya?ml$/, '')}`;
}

function differenceLine(d: {
  status: string;
  reply: number;
  diffs: Array<{ path: string; captured: string; replayed: string }>;
}): string {
  const what = d.diffs.length
    ? d.diffs.map((f) => `${f.path}: captured ${f.captured}, replayed ${f.replayed}`).join('; ')
    : d.status;
  return `  reply ${d.reply} ${d.status}: ${what}`;
}

/** The run as JSON: counts, then every test with its steps (and every test file that did not load). */
export function jsonReport(run: SuiteRun): string {
  return `${JSON.stringify({ ...countsOf(run), durationMs: run.durationMs, results: run.results, broken: run.broken }, null, 2)}\n`;
}
