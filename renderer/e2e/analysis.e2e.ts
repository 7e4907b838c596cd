// The Traffic view's analysis end to end, in Chromium against `kucomms-studio
// serve`: live echoes of demo:echo paired "reply in" / "request in" with a
// jump between them, then a capture of two sensor boards (telemetry layout)
// opened in Traffic: the latency summary with a user-set reply timeout, the
// malformed and suspicious replies marked in the list and gathered in the
// expert info (a click goes to each), statistics of a filter, and a plot of
// the boards' temperatures that zooms, pans and resets. Screenshots of each
// panel at 1440×900 and 1280×720.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CaptureWriter } from '../../electron/services/capture/writer.ts';
import { twoBoardSession } from '../../electron/services/studio/analysis/testdata/telemetry-traffic.ts';
import {
  check,
  checkNoPageErrors,
  connectTarget,
  filterTraffic,
  launchChromium,
  newStudioPage,
  openStudio,
  pickLayout,
  screenshotSizes,
  sendFromComposer,
  showTab,
  startServe,
  tempHome,
  VIEW_TOTAL,
  WAIT,
  waitForNumber,
  type Serving,
  type Suite,
} from './harness.ts';

const BOARDS = ['demo:echo', 'demo:longtest'] as const;
const CAPTURE = 'two-boards.kucap';

/** Opens the analysis panel @id (latency, expert, statistics, plot) unless it is open. */
async function openPanel(page: Page, id: string): Promise<void> {
  if ((await page.getAttribute(`[data-test=analysis-tab-${id}]`, 'aria-selected')) !== 'true')
    await page.click(`[data-test=analysis-tab-${id}]`);
  await page.waitForSelector(`[data-test=analysis-${id}]`, WAIT);
}

/** The text of the cell @cell of the latency row of @kind and @target. */
async function latencyCell(page: Page, target: string, cell: string): Promise<string> {
  return page.innerText(`[data-test=latency-row]:has-text("${target}") [data-test=latency-${cell}]`);
}

export async function analysisTests(suite: Suite): Promise<void> {
  const home = tempHome('analysis');
  let serve: Serving | undefined;
  let browser: Browser | undefined;
  try {
    const ok = await suite.test(
      'analysis: serve starts with a capture of two sensor boards in its workspace',
      async () => {
        mkdirSync(path.join(home.workspace, 'captures'), { recursive: true });
        const writer = new CaptureWriter(path.join(home.workspace, 'captures', CAPTURE), { flushIntervalMs: 0 });
        for (const m of twoBoardSession(BigInt(Date.UTC(2026, 0, 5, 9)) * 1_000_000n, BOARDS)) writer.write(m);
        writer.close();
        serve = await startServe(home);
      },
    );
    if (!ok || !serve) return suite.blocked('analysis in Chromium', 'serve did not start');
    browser = await launchChromium();
    const pageErrors: string[] = [];
    const page = await newStudioPage(browser, pageErrors);

    await suite.test(
      'analysis: live echoes pair: "reply in #N" on the request, and a click goes to the reply and back',
      async () => {
        await openStudio(page, serve!.url);
        for (const b of BOARDS) await pickLayout(page, b, 'telemetry');
        await connectTarget(page, 'demo:echo');
        await showTab(page, 'composer');
        await page.selectOption('[data-test=protocol]', 'telemetry');
        await page.selectOption('[data-test=kind]', 'get_info');
        await page.selectOption('[data-test=send-target]', 'demo:echo');
        await page.fill('#hdr-id', '4242');
        await sendFromComposer(page, 'sent 1 to demo:echo');
        await showTab(page, 'traffic');
        await waitForNumber(page, VIEW_TOTAL, 2);
        const request = '[data-test=row][data-id="4242"]:has-text("tx")';
        const link = page.locator(`${request} [data-test=reply-in]`);
        await link.waitFor(WAIT);
        const text = await link.innerText();
        check(
          /^reply in #1 [\d.]+ (ns|µs|ms|s)$/.test(text),
          `the request says "${text}", expected "reply in #1" and a time`,
        );
        await link.click();
        await page.waitForSelector('[data-test=row][data-row="1"].selected', WAIT);
        await page.waitForSelector('[data-test=detail] .head:has-text("#1")', WAIT);
        await page.click('[data-test=row][data-row="1"] [data-test=request-in]');
        await page.waitForSelector('[data-test=row][data-row="0"].selected', WAIT);
      },
    );

    const opened = await suite.test('analysis: the capture opens in Traffic with its 236 messages', async () => {
      await showTab(page, 'captures');
      await page.click(`tr[data-capture="${CAPTURE}"] [data-test=open]`);
      await page.waitForFunction(
        (c) => (document.querySelector('[data-test=traffic-source]') as HTMLSelectElement | null)?.value === c,
        CAPTURE,
        WAIT,
      );
      await waitForNumber(page, VIEW_TOTAL, 236);
    });
    if (!opened) return suite.blocked('the analysis of the capture', 'it did not open');

    await suite.test(
      'analysis: the latency summary gives pairs, p50, p99 and max per kind and target, with a histogram',
      async () => {
        await openPanel(page, 'latency');
        await page.waitForSelector('[data-test=latency-row]:has-text("demo:longtest")', WAIT);
        check((await latencyCell(page, 'demo:echo', 'count')) === '8', 'demo:echo does not count 8 get_info pairs');
        const echo = ['p50', 'p99', 'max'];
        const got = await Promise.all(echo.map((c) => latencyCell(page, 'demo:echo', c)));
        check(got.join(' ') === '800 µs 1.60 ms 1.60 ms', `demo:echo's p50 p99 max read "${got.join(' ')}"`);
        const longMax = await latencyCell(page, 'demo:longtest', 'max');
        check(longMax === '3.20 ms', `demo:longtest's max reads "${longMax}", expected 3.20 ms`);
        const bins = await page.$$eval('[data-test=histogram-bin]', (els) =>
          els.reduce((n, e) => n + Number(e.getAttribute('data-count')), 0),
        );
        check(bins === 8, `the histogram of the picked kind counts ${bins} round trips, expected 8`);
      },
    );

    await suite.test(
      'analysis: a request waits 100 ms: unanswered only once the reply timeout is shorter',
      async () => {
        check((await latencyCell(page, 'demo:echo', 'unanswered')) === '0', 'unanswered before the timeout is lowered');
        await page.fill('[data-test=reply-timeout]', '50');
        await page.press('[data-test=reply-timeout]', 'Enter');
        await page
          .locator('[data-test=latency-row]:has-text("demo:echo") [data-test=latency-unanswered]:text-is("1")')
          .waitFor(WAIT);
        await screenshotSizes(page, 'traffic-latency');
      },
    );

    await suite.test(
      'analysis: malformed and suspicious replies are marked in the list, the reason on hover',
      async () => {
        await filterTraffic(page, 'type == 4');
        await waitForNumber(page, VIEW_TOTAL, 2);
        const bad = page.locator('[data-test=row][data-id="301"]');
        await bad.locator('[data-test=row-problem]').waitFor(WAIT);
        check((await bad.getAttribute('data-problem')) === 'error', 'the short reply is not marked as an error');
        const why = (await bad.getAttribute('title')) ?? '';
        check(/period_us/.test(why), `the short reply's hover text is "${why}"`);
        const odd = page.locator('[data-test=row][data-id="302"]');
        await odd.locator('[data-test=row-problem]').waitFor(WAIT);
        const oddWhy = (await odd.getAttribute('title')) ?? '';
        check(
          (await odd.getAttribute('data-problem')) === 'warning' &&
            oddWhy === 'data.result is 9, a value enum result does not name',
          `the reply with result 9 is marked "${await odd.getAttribute('data-problem')}": "${oddWhy}"`,
        );
        await filterTraffic(page, '');
        await waitForNumber(page, VIEW_TOTAL, 236);
      },
    );

    await suite.test('analysis: expert info lists them with the unanswered request; a click goes to each', async () => {
      await openPanel(page, 'expert');
      await page.waitForFunction(
        () => document.querySelectorAll('[data-test=expert-group]').length === 3,
        undefined,
        WAIT,
      );
      const categories = await page.$$eval('[data-test=expert-group]', (els) =>
        els.map((e) => e.getAttribute('data-category')),
      );
      check(
        categories.join(',') === 'malformed,unanswered,suspicious',
        `the expert info groups are ${categories.join(', ')}`,
      );
      for (const [category, id] of [
        ['malformed', '301'],
        ['unanswered', '999'],
        ['suspicious', '302'],
      ] as const) {
        await page.click(`[data-test=expert-group][data-category=${category}] button.group`);
        const row = await page.getAttribute(
          `[data-test=expert-group][data-category=${category}] [data-test=expert-row]`,
          'data-row',
        );
        await page.click(`[data-test=expert-group][data-category=${category}] [data-test=expert-row]`);
        await page.waitForSelector(`[data-test=row][data-row="${row}"][data-id="${id}"].selected`, WAIT);
        await page.waitForSelector(`[data-test=detail] .head:has-text("#${row}")`, WAIT);
      }
      await screenshotSizes(page, 'traffic-expert-info');
    });

    await suite.test(
      'analysis: statistics count messages and bytes per kind, direction and target, of the filter',
      async () => {
        await openPanel(page, 'statistics');
        await page.waitForSelector('[data-test=stats-total]:has-text("236 messages")', WAIT);
        await filterTraffic(page, 'kind == "sample"');
        await waitForNumber(page, VIEW_TOTAL, 201);
        await page.waitForSelector('[data-test=stats-total]:has-text("201 messages")', WAIT);
        const targets = await page.$$eval('[data-test=stats-target] [data-test=stats-row]', (rows) =>
          rows.map((r) => `${r.getAttribute('data-name')}=${r.querySelector('[data-test=stats-count]')?.textContent}`),
        );
        check(targets.join(' ') === 'demo:echo=101 demo:longtest=100', `per target: ${targets.join(' ')}`);
        const kinds = await page.$$eval('[data-test=stats-kind] [data-test=stats-row]', (rows) =>
          rows.map((r) => r.getAttribute('data-name')),
        );
        check(kinds.join(',') === 'telemetry.sample', `the filtered kinds are ${kinds.join(', ')}`);
        await screenshotSizes(page, 'traffic-statistics');
      },
    );

    await suite.test(
      'analysis: plot the temperature: a line per board; the wheel zooms in, a drag pans, Reset shows all',
      async () => {
        await openPanel(page, 'plot');
        await page.fill('[data-test=plot-fields]', 'data.temperature');
        await page.click('[data-test=plot-apply]');
        await page.waitForFunction(
          () => document.querySelectorAll('[data-test=plot-series]').length === 2,
          undefined,
          WAIT,
        );
        const names = await page.$$eval('[data-test=plot-series]', (els) => els.map((e) => e.textContent?.trim()));
        check(
          names.join(',') === 'data.temperature · demo:echo,data.temperature · demo:longtest',
          `the series are ${names.join(', ')}`,
        );
        await waitForNumber(page, '[data-test=plot-points]', 201);
        await screenshotSizes(page, 'traffic-plot');
        const box = (await page.locator('[data-test=plot] .u-over').boundingBox())!;
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -100);
        // Zoomed in to about a quarter of the second: the points fetched are those around it, fewer than all.
        await page.waitForFunction(
          () => Number(document.querySelector('[data-test=plot-points]')?.textContent?.replace(/\D/g, '')) < 201,
          undefined,
          WAIT,
        );
        const draws = Number(await page.getAttribute('.field-plot', 'data-draws'));
        await page.mouse.down();
        await page.mouse.move(box.x + box.width / 2 - 200, box.y + box.height / 2, { steps: 10 });
        await page.mouse.up();
        await page.waitForFunction(
          (before) => Number(document.querySelector('.field-plot')?.getAttribute('data-draws')) >= before + 10,
          draws,
          WAIT,
        );
        await page.click('[data-test=plot-reset]');
        await waitForNumber(page, '[data-test=plot-points]', 201);
      },
    );

    await suite.test('analysis: no uncaught error in the page', async () => {
      checkNoPageErrors(pageErrors);
    });
  } finally {
    await browser?.close();
    await serve?.stop();
    home.remove();
  }
}
