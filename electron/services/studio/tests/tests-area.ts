// The Studio's protocol-test calls (electron/shared/api/tests-api.ts): the
// open workspace's tests/*.yaml listed with their errors, run one or all
// (services/suites/, as `kucomms-studio test` runs them), and a test written
// from a capture in one step.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { testCalls, TestFileView, TestResultView } from '../../../shared/api/tests-api.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import { runSuite, loadOrBroken, testContext } from '../../suites/suite.ts';
import { workspaceTestFiles } from '../../suites/test-file.ts';
import type { TestContext } from '../../suites/test-file.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';

export class TestsArea implements StudioArea<typeof testCalls> {
  readonly handlers: AreaHandlers<typeof testCalls>;
  readonly #ctx: StudioContext;

  constructor(ctx: StudioContext) {
    this.#ctx = ctx;
    this.handlers = {
      listTests: async () => this.#list(),
      runTests: (i) => this.#run(i.files),
      createTest: async (i) => {
        const dir = this.#testsDir();
        const file = path.join(dir, `${i.name}.yaml`);
        if (existsSync(file))
          throw new StudioError({
            code: 'EEXIST',
            message: `tests/${i.name}.yaml exists already: choose another name`,
          });
        // Checked now, so a test is never written that cannot find its capture.
        this.#ctx.workspace().resolve('captures', i.capture);
        if (i.protocol !== undefined) this.#ctx.protocols.get(i.protocol);
        const test = {
          name: `${i.capture} replays into ${i.target} with the same replies`,
          target: i.target,
          ...(i.protocol !== undefined ? { layout: i.protocol } : {}),
          steps: [
            {
              replay: {
                capture: `captures/${i.capture}`,
                speed: i.speed,
                ...(i.ignore.length > 0 ? { ignore: i.ignore } : {}),
              },
            },
          ],
        };
        mkdirSync(dir, { recursive: true });
        writeFileSync(file, `# Made by the Studio from a capture; edit freely.\n${stringify(test)}`, { flag: 'wx' });
        return this.#view(file);
      },
    };
  }

  #testsDir(): string {
    return path.join(this.#ctx.workspace().dir, 'tests');
  }

  #context(): TestContext {
    this.#ctx.protocols.reload();
    return testContext(this.#ctx.workspace().dir, this.#ctx.protocols);
  }

  #view(file: string, ctx = this.#context()): TestFileView {
    const test = loadOrBroken(file, ctx);
    const base = { file: path.basename(file), name: test.name };
    if ('errors' in test) return { ...base, errors: test.errors };
    return { ...base, target: test.target, steps: test.steps.length, errors: [] };
  }

  #list(): TestFileView[] {
    const ctx = this.#context();
    return workspaceTestFiles(this.#ctx.workspace().dir).map((f) => this.#view(f, ctx));
  }

  async #run(names: string[] | undefined): Promise<TestResultView[]> {
    const all = workspaceTestFiles(this.#ctx.workspace().dir);
    const files =
      names === undefined
        ? all
        : names.map((n) => {
            const f = all.find((x) => path.basename(x) === n);
            if (!f) throw new StudioError({ code: 'ENOENT', message: `no test tests/${n} in the workspace` });
            return f;
          });
    const run = await runSuite(files, this.#context());
    const byFile = new Map<string, TestResultView>();
    for (const r of run.results) byFile.set(r.file, { ...r, file: path.basename(r.file) });
    for (const b of run.broken)
      byFile.set(b.file, {
        file: path.basename(b.file),
        name: b.name,
        target: '',
        verdict: 'failed',
        errors: b.errors,
        message: 'the test file has errors',
        durationMs: 0,
        steps: [],
      });
    return files.map((f) => byFile.get(f)!);
  }

  async close(): Promise<void> {}
}
