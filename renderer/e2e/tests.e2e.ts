// The Tests view end to end in Chromium against `kucomms-studio serve` on a
// copy of the example workspace (its tests run against the real demo peers),
// with one test of its own that fails: Run all gives each its verdict and the
// failure shows its unmet expectation; a test made from a capture in one
// step runs and passes; one made from a capture whose reply differs fails
// with the replay's difference, field by field.
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CaptureWriter } from '../../electron/services/capture/writer.ts';
import {
  check,
  checkNoPageErrors,
  launchChromium,
  newStudioPage,
  openStudio,
  REPO,
  screenshotSizes,
  showTab,
  startServe,
  tempHome,
  WAIT,
  type Serving,
  type Suite,
} from './harness.ts';

/** Tests run against demo peers started for each: a run of all of them may take a while on a loaded machine. */
const RUN_WAIT = { timeout: 120_000 };

const row = (file: string): string => `[data-view=tests] tr[data-test-file="${file}"]`;

async function verdictOf(page: Page, file: string): Promise<string> {
  return (await page.locator(`${row(file)} [data-test=test-verdict]`).textContent())?.trim() ?? '';
}

/** Waits until @file's verdict is @verdict (the run it started has ended). */
async function waitForVerdict(page: Page, file: string, verdict: string): Promise<void> {
  await page.waitForFunction(
    ({ sel, verdict }) => document.querySelector(sel)?.textContent?.trim() === verdict,
    { sel: `${row(file)} [data-test=test-verdict]`, verdict },
    RUN_WAIT,
  );
}

async function createFromCapture(
  page: Page,
  name: string,
  capture: string,
  layout: string,
  ignore: string,
): Promise<void> {
  await page.selectOption('[data-test=test-create-capture]', capture);
  await page.selectOption('[data-test=test-create-target]', 'demo:echo');
  await page.selectOption('[data-test=test-create-layout]', layout);
  await page.fill('[data-test=test-create-ignore]', ignore);
  await page.fill('[data-test=test-create-name]', name);
  await page.click('[data-test=test-create] button[type=submit]');
  await page.waitForSelector(row(`${name}.yaml`), WAIT);
}

export async function testsViewTests(suite: Suite): Promise<void> {
  const home = tempHome('tests');
  let serve: Serving | undefined;
  let browser: Browser | undefined;
  try {
    cpSync(path.join(REPO, 'protocols/example-workspace'), home.workspace, { recursive: true });
    writeFileSync(
      path.join(home.workspace, 'tests/zz-never-answered.yaml'),
      'name: an answer nobody sends\ntarget: demo:echo\nsteps:\n  - send: { header: { type: 1 }, hex: "00" }\n  - expect: { filter: type == 9, within_ms: 300 }\n',
    );
    // A capture whose reply is not what the echo peer sends back: 'ab' sent, 'ac' captured.
    const w = new CaptureWriter(path.join(home.workspace, 'captures/changed.kucap'));
    const at = { target: 'demo:echo', timestampNs: 1n, length: 2n, type: 1n, id: 1n, userValue: 0n };
    w.write({ ...at, direction: 'tx', data: Buffer.from('ab') });
    w.write({ ...at, direction: 'rx', data: Buffer.from('ac') });
    w.close();

    const ok = await suite.test('tests view: serve starts on a copy of the example workspace', async () => {
      serve = await startServe(home);
    });
    if (!ok || !serve) return suite.blocked('the Tests view in Chromium', 'serve did not start');
    browser = await launchChromium();
    const pageErrors: string[] = [];
    const page = await newStudioPage(browser, pageErrors);
    await openStudio(page, serve.url);
    await showTab(page, 'tests');

    await suite.test(
      'tests view: Run all gives every test its verdict; the failed one shows the expectation nobody met',
      async () => {
        await page.waitForSelector(row('zz-never-answered.yaml'), WAIT);
        const files = await page.locator('[data-view=tests] tr[data-test-file]').count();
        check(files === 6, `${files} tests listed, expected the example's 5 and the failing one`);
        await page.click('[data-test=tests-run-all]');
        await page.waitForFunction(
          () => document.querySelector('[data-test=tests-summary]')?.textContent?.trim() === '5 passed, 1 failed',
          undefined,
          RUN_WAIT,
        );
        for (const f of ['set-point-acknowledged.yaml', 'session-replays.yaml', 'script-reports-reading.yaml'])
          check((await verdictOf(page, f)) === 'passed', `${f}: ${await verdictOf(page, f)}`);
        check((await verdictOf(page, 'zz-never-answered.yaml')) === 'failed', 'the failing test is not failed');
        const failure = (await page.locator('[data-test=test-failure]').textContent()) ?? '';
        check(
          failure.includes('nothing matching it came within 300 ms') && failure.includes('type=1 id=0'),
          `the failure shown: ${failure}`,
        );
        const steps = await page.locator('[data-test=test-step]').allTextContents();
        check(
          steps.length === 2 && /passed/.test(steps[0]!) && /failed.*line 5.*expect type == 9/.test(steps[1]!),
          `the steps shown: ${steps.join(' | ')}`,
        );
        await screenshotSizes(page, 'tests-run-all');
      },
    );

    await suite.test('tests view: a test made from a capture in one step runs and passes', async () => {
      await createFromCapture(page, 'from-session', 'thermostat-session.kucap', 'thermostat', 'header.user_value');
      await page.click(`${row('from-session.yaml')} [data-test=test-run]`);
      await waitForVerdict(page, 'from-session.yaml', 'passed');
      const steps = await page.locator('[data-test=test-step]').allTextContents();
      check(
        steps.length === 1 && /passed.*replay captures\/thermostat-session\.kucap/.test(steps[0]!),
        steps.join(' | '),
      );
    });

    await suite.test(
      'tests view: a capture whose reply differs makes a failing test; its diff names the field and both values',
      async () => {
        await createFromCapture(page, 'from-changed', 'changed.kucap', 'echo', '');
        await page.click(`${row('from-changed.yaml')} [data-test=test-run]`);
        await waitForVerdict(page, 'from-changed.yaml', 'failed');
        const fields = await page.locator('[data-test=test-diff-field]').allTextContents();
        check(
          fields.length === 1 && /data\.data\s*6163\s*6162/.test(fields[0]!.replace(/\s+/g, ' ')),
          `the diff shown: ${fields.join(' | ')}`,
        );
        await screenshotSizes(page, 'tests-diff');
      },
    );
    checkNoPageErrors(pageErrors);
  } finally {
    await browser?.close();
    await serve?.stop();
    home.remove();
  }
}
