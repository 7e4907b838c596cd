// Vitest reporter: one line per test, `ok - <file>: <name>` or
// `not ok - <file>: <name>: <what failed, where>`, skips as
// `ok - <name> # skip <reason>`. No closing line: the test:ui runner adds it
// once for every part of the suite.
import path from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function where(stack: string | undefined): string {
  const frame = stack?.split('\n').find((l) => l.includes('/renderer/test/'));
  const m = frame && /(renderer\/test\/[^:)]+:\d+)/.exec(frame);
  return m ? ` (at ${m[1]})` : '';
}

export default class LineReporter implements Reporter {
  #printed = 0;

  onTestCaseResult(test: TestCase): void {
    const name = `${path.basename(test.module.moduleId)}: ${test.fullName}`;
    const r = test.result();
    this.#printed++;
    if (r.state === 'passed') console.log(`ok - ${name}`);
    else if (r.state === 'skipped') console.log(`ok - ${name} # skip ${r.note ?? 'skipped'}`);
    else {
      const e = r.errors?.[0];
      console.log(`not ok - ${name}: ${e ? `${oneLine(e.message)}${where(e.stack)}` : r.state}`);
    }
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<{ message?: string }>): void {
    for (const m of modules)
      for (const e of m.errors())
        console.log(`not ok - ${path.basename(m.moduleId)}: failed to load: ${oneLine(e.message)}`);
    for (const e of errors) console.log(`not ok - vitest: ${oneLine(e.message ?? String(e))}`);
    if (this.#printed === 0 && modules.length === 0)
      console.log('not ok - vitest: no test files found under renderer/test');
  }
}
