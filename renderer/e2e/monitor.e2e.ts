// Watching an existing link, end to end in Chromium against `kucomms-studio
// serve`: the native longtest pair runs outside the Studio (the peer
// publishing its link with KUCOMMS_MONITOR=1), the Studio connects
// monitor:shm:NAME with the longtest layout, records it while the
// application runs, shows each row's link and process, then replays the
// application's side into a fresh peer, as a new opener, and reads the diff.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { apiUrlOf, wsStudioApi, type WsStudioApi } from '../../electron/shared/studio-client.ts';
import {
  startLongtestApp,
  startPublishingPeer,
  uniqueLinkName,
  type ProgramRun,
} from '../../electron/services/testing/longtest-pair.ts';
import {
  check,
  checkNoPageErrors,
  launchChromium,
  REPO,
  screenshotPath,
  startCli,
  type Started,
  type Suite,
} from './harness.ts';

const WAIT = { timeout: 30_000 };
/** Messages of the pair to see in the monitor before the application stops. */
const WATCHED = 400;

async function waitForCount(page: Page, selector: string, atLeast: number): Promise<number> {
  await page.waitForFunction(
    ([sel, n]) =>
      Number((document.querySelector(sel as string)?.textContent ?? '').replace(/[^0-9]/g, '')) >= (n as number),
    [selector, atLeast] as const,
    WAIT,
  );
  return Number((await page.innerText(selector)).replace(/[^0-9]/g, ''));
}

export async function monitorTests(suite: Suite): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'kucomms-e2e-monitor-'));
  const workspace = path.join(root, 'workspace');
  const name = uniqueLinkName('e2emon');
  const fresh = uniqueLinkName('e2efresh');
  const monitor = `monitor:shm:${name}`;
  let peer: ProgramRun | undefined;
  let app: ProgramRun | undefined;
  let freshPeer: ProgramRun | undefined;
  let serve: Started | undefined;
  let browser: Browser | undefined;
  let api: WsStudioApi | undefined;
  try {
    const ready = await suite.test('monitor: the longtest peer publishing its link, and serve running', async () => {
      mkdirSync(path.join(workspace, 'layouts'), { recursive: true });
      copyFileSync(path.join(REPO, 'protocols/longtest.yaml'), path.join(workspace, 'layouts/longtest.yaml'));
      peer = await startPublishingPeer(name);
      serve = await startCli(
        ['serve', '--port', '0', '--workspace', workspace, '--state-dir', path.join(root, 'state')],
        /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/,
      );
    });
    if (!ready || !serve) return suite.blocked('monitoring in Chromium', 'the setup failed');
    const url = serve.match[1]!;
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    const watched = await suite.test(
      'monitor: Targets lists monitor:shm:NAME; connected with the longtest layout and recorded, its rows name the link and both processes',
      async () => {
        await page.goto(url);
        await page.waitForSelector('[data-test=connection].connected', WAIT);
        const row = `tr[data-target="${monitor}"]`;
        await page.waitForSelector(row, WAIT);
        await page.selectOption(`${row} [data-test=layout]`, 'longtest');
        await page.click(`${row} button:has-text("Connect")`);
        await page.waitForSelector(`${row} .state.open`, WAIT);
        await page.click('[data-tab=captures]');
        await page.check(`[data-test=record-targets] input[data-target="${monitor}"]`);
        await page.fill('[data-test=record-name]', 'watched');
        await page.click('[data-test=record-start]');
        await page.waitForSelector('[data-test=record-status]:has-text("recording watched.kucap")', WAIT);
        app = startLongtestApp(name);
        await waitForCount(page, '[data-test=record-count]', WATCHED);
        check((await app.stop()) === 0, `kucomms_lib_longtest failed: ${app.stderr()}`);
        // The peer closes the link once the application is gone: the monitor says so, and the capture holds it all.
        await page.waitForSelector(`${row} .state.down`, { ...WAIT, state: 'attached' });
        await page.click('[data-test=record-stop]');
        await page.waitForSelector('[data-test=record-status]:has-text("last: watched.kucap")', WAIT);

        await page.click('[data-tab=traffic]');
        await page.waitForSelector('[data-test=row] [data-test=row-process]:has-text("kucomms_lib_lon")', WAIT);
        const rows = await page.$$eval('[data-test=row]', (trs) =>
          trs.map((tr) => ({
            link: tr.querySelector('[data-test=row-link]')?.textContent ?? '',
            process: tr.querySelector('[data-test=row-process]')?.textContent ?? '',
            text: tr.textContent ?? '',
          })),
        );
        const messages = rows.filter((r) => /kucomms_lib_lon|kucomms_peer/.test(r.process));
        check(messages.length > 0, 'no monitored rows are shown');
        check(
          messages.every((r) => r.link === `shm:${name}#0`),
          `links: ${[...new Set(messages.map((r) => r.link))].join(', ')}`,
        );
        check(
          rows.some((r) => r.process === `kucomms_lib_lon (${app!.process.pid})`) &&
            rows.some((r) => r.process === `kucomms_peer (${peer!.process.pid})`),
          `processes: ${[...new Set(rows.map((r) => r.process))].join(', ')}`,
        );
        check(
          rows.some((r) => /random|sequence/.test(r.text)),
          'the rows are not decoded with the longtest layout',
        );
        await page.screenshot({ path: screenshotPath('monitor-traffic') });
      },
    );
    if (!watched) return suite.blocked('the rest of the monitor suite', 'nothing was watched');

    await suite.test(
      "monitor: the application's side replayed into a fresh peer as a new opener; the diff compares its replies with the captured ones",
      async () => {
        freshPeer = await startPublishingPeer(fresh);
        api = await wsStudioApi(new WebSocket(apiUrlOf(url)));
        await api.connect({ target: `shm:${fresh}` });
        await page.click('[data-tab=replay]');
        await page.waitForSelector('[data-test=replay-capture] option[value="watched.kucap"]', {
          ...WAIT,
          state: 'attached',
        });
        await page.selectOption('[data-test=replay-capture]', 'watched.kucap');
        await page.waitForSelector(`[data-test=replay-from] option[value="${monitor}"]`, {
          ...WAIT,
          state: 'attached',
        });
        await page.selectOption('[data-test=replay-from]', monitor);
        await page.waitForSelector(`[data-test=replay-target] option[value="shm:${fresh}"]`, {
          ...WAIT,
          state: 'attached',
        });
        await page.selectOption('[data-test=replay-target]', `shm:${fresh}`);
        await page.selectOption('[data-test=replay-speed]', 'original');
        await page.selectOption('[data-test=replay-protocol]', 'longtest');
        await page.click('[data-test=replay-start]');
        await page.waitForSelector('[data-test=replay-progress][data-state=done]', { timeout: 60_000 });
        const counts = await page.innerText('[data-test=diff-counts]');
        const same = Number(/([\d,]+) same/.exec(counts)?.[1]?.replace(/,/g, '') ?? '0');
        // The fresh peer echoes every random message unchanged and sends the same sequence: nothing differs.
        check(/\b0 different/.test(counts), `the counts read "${counts}"`);
        check(same >= WATCHED / 4, `only ${same} replies were the same: "${counts}"`);
        await page.screenshot({ path: screenshotPath('monitor-replay-diff') });
        checkNoPageErrors(pageErrors);
      },
    );
  } finally {
    api?.close();
    await browser?.close();
    await serve?.stop();
    await app?.stop();
    await freshPeer?.stop();
    await peer?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
