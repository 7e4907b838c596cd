// The Studio end to end in Chromium against `kucomms-studio serve` with the
// real backend and its demo echo peer, plus an agent on another loopback
// address: what a person does, checked the way they would see it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  check,
  checkNoPageErrors,
  connectTarget,
  filterTraffic,
  launchChromium,
  newStudioPage,
  openStudio,
  pickLayout,
  screenshotPath,
  sendFromComposer,
  shownNumber,
  showTab,
  startCli,
  startServe,
  tempHome,
  VIEW_TOTAL,
  WAIT,
  waitForNumber,
  type Serving,
  type Started,
  type Suite,
} from './harness.ts';

const viewTotal = (page: Page): Promise<number> => shownNumber(page, VIEW_TOTAL);
const waitForTotal = (page: Page, expected: number, timeout = WAIT.timeout): Promise<void> =>
  waitForNumber(page, VIEW_TOTAL, expected, { timeout });

/** Where each column of the local targets table starts, in pixels from the left. */
function targetColumns(page: Page): Promise<number[]> {
  return page
    .locator('.target-table')
    .first()
    .locator('th')
    .evaluateAll((ths) => ths.map((th) => Math.round(th.getBoundingClientRect().left)));
}

/** Opens a WebSocket from the page and says whether it opened or was refused. */
function probeSocket(page: Page, url: string): Promise<'open' | 'refused'> {
  return page.evaluate(
    (u) =>
      new Promise<'open' | 'refused'>((resolve) => {
        const ws = new WebSocket(u);
        ws.onopen = () => {
          ws.close();
          resolve('open');
        };
        ws.onclose = () => resolve('refused');
      }),
    url,
  );
}

/** A page of another origin (another port on the same host). */
function foreignSite(): Promise<Server> {
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'),
  );
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

export async function studioTests(suite: Suite): Promise<void> {
  let serve: Serving | undefined;
  let agent: Started | undefined;
  let browser: Browser | undefined;
  let foreign: Server | undefined;
  // A state folder of its own, and serve's default workspace in it: the Studio reopens the views a user
  // left, and this suite starts where a first run does, whatever an earlier Studio on this machine kept.
  const home = tempHome('studio');
  try {
    const ok = await suite.test('serve: prints the URL with its token', async () => {
      serve = await startServe({ stateDir: home.stateDir });
    });
    if (!ok || !serve) return suite.blocked('the Studio in Chromium', 'serve did not start');
    const url = serve.url;
    const origin = new URL(url).origin;
    const token = new URL(url).searchParams.get('token')!;
    browser = await launchChromium();
    const pageErrors: string[] = [];
    const page = await newStudioPage(browser, pageErrors);

    await suite.test('open the Studio: connected to the serve backend, targets listed', async () => {
      await openStudio(page, url);
      check((await page.innerText('[data-test=connection]')).includes('serve'), 'the status does not say serve');
      await page.waitForSelector('tr[data-target="demo:echo"]', WAIT);
    });

    let columnsAtZero: number[] = [];
    await suite.test('pick the demo target: demo:echo connects and shows its counters', async () => {
      await connectTarget(page, 'demo:echo');
      await page.waitForSelector('tr[data-target="demo:echo"] [data-test=sent]:has-text("0")', WAIT);
      columnsAtZero = await targetColumns(page);
      await page.screenshot({ path: screenshotPath('targets') });
    });

    await suite.test(
      'compose from the echo layout: the hex view follows the form and highlights the edited field',
      async () => {
        await showTab(page, 'composer');
        await page.selectOption('[data-test=protocol]', 'echo');
        await page.fill('#hdr-id', '41');
        await page.fill('[data-path="data.data"]', 'de ad be ef');
        await page.waitForFunction(
          () =>
            [...document.querySelectorAll('[data-test=hexdump] .hex .hl')].map((e) => e.textContent).join(' ') ===
            'de ad be ef',
          undefined,
          WAIT,
        );
        const firstLit = await page.getAttribute('[data-test=hexdump] .hex .hl >> nth=0', 'data-at');
        check(
          firstLit === '32',
          `the highlighted field starts at byte ${firstLit}, expected 32 (right after the header)`,
        );
        await page.click('#hdr-id');
        await page.waitForFunction(
          () => document.querySelectorAll('[data-test=hexdump] .hex .hl').length === 8,
          undefined,
          WAIT,
        );
        await page.screenshot({ path: screenshotPath('composer') });
      },
    );

    await suite.test('send the layout message once', async () => {
      await page.selectOption('[data-test=send-target]', 'demo:echo');
      await sendFromComposer(page, 'sent 1 to demo:echo');
    });

    await suite.test('compose and send a raw message (header fields + hex)', async () => {
      await page.selectOption('[data-test=protocol]', '(raw)');
      await page.fill('#hdr-type', '7');
      await page.fill('#hdr-id', '42');
      await page.fill('textarea[data-path=data]', 'ca fe');
      await page.waitForFunction(
        () => document.querySelector('[data-test=hexdump]')?.textContent?.includes('ca') === true,
        undefined,
        WAIT,
      );
      await sendFromComposer(page, 'sent 1 to demo:echo');
    });

    await suite.test('both echoes appear decoded in Traffic', async () => {
      await showTab(page, 'traffic');
      await page.waitForSelector('[data-test=row][data-id="41"] >> text=← rx', WAIT);
      await page.waitForSelector('[data-test=row][data-id="42"] >> text=← rx', WAIT);
      const rx41 = await page.innerText('[data-test=row][data-id="41"]:has-text("rx")');
      const rx42 = await page.innerText('[data-test=row][data-id="42"]:has-text("rx")');
      check(
        /\bany\b/.test(rx41) && rx41.includes('data=deadbeef'),
        `the layout message's echo reads "${rx41}", expected kind any and data=deadbeef`,
      );
      check(rx42.includes('data=cafe'), `the raw message's echo reads "${rx42}", expected data=cafe`);
    });

    await suite.test('filter them: direction and ids', async () => {
      await filterTraffic(page, 'direction == "rx" && (id == 41 || id == 42)');
      await waitForTotal(page, 2);
      const ids = () => page.$$eval('[data-test=row]', (rows) => rows.map((r) => r.getAttribute('data-id')).join(','));
      await page
        .waitForFunction(() => document.querySelectorAll('[data-test=row][data-id]').length === 2, undefined, WAIT)
        .catch(() => undefined);
      check((await ids()) === '41,42', `rows shown: ${await ids()}, expected 41,42`);
    });

    await suite.test('a bad filter shows its error at the position and clears the old result', async () => {
      const bad = 'id == 41 && && type';
      await filterTraffic(page, bad);
      await page.waitForSelector('[data-test=filter-error]', WAIT);
      const text = await page.innerText('[data-test=filter-error]');
      const pos = Number(/Position (\d+)/.exec(text)?.[1]);
      check(pos === 12, `the error is at position ${pos}, expected 12 (the second &&): ${text}`);
      check(
        (await page.innerText('[data-test=filter-error-at]')) === bad[pos],
        'the marked character is not the one at the position',
      );
      await waitForTotal(page, 0);
      check(
        (await page.innerText('[data-test=traffic-empty]')).includes('The filter has an error'),
        'the emptied view does not say why it is empty',
      );
      await page.screenshot({ path: screenshotPath('traffic-filter-error') });
    });

    await suite.test('select an echo: the detail pane highlights the selected field in the hex dump', async () => {
      await filterTraffic(page, 'direction == "rx" && (id == 41 || id == 42)');
      await page.waitForSelector('[data-test=filter-error]', { state: 'detached', ...WAIT });
      await page.click('[data-test=row][data-id="42"]');
      await page.waitForSelector('[data-test=detail] [data-path="data.data"]', WAIT);
      await page.click('[data-test=detail] [data-path="header.id"]');
      await page.waitForFunction(
        () => document.querySelectorAll('[data-test=detail] [data-test=hexdump] .hex .hl').length === 8,
        undefined,
        WAIT,
      );
      await page.click('[data-test=detail] [data-path="data.data"]');
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('[data-test=detail] [data-test=hexdump] .hex .hl')]
            .map((e) => `${e.getAttribute('data-at')}:${e.textContent}`)
            .join(' ') === '32:ca 33:fe',
        undefined,
        WAIT,
      );
      await page.screenshot({ path: screenshotPath('traffic') });
    });

    await suite.test('pause and resume under a burst of 20000: nothing lost', async () => {
      await filterTraffic(page, '');
      await page.waitForFunction(
        () => !document.querySelector('[data-test=view-total]')?.textContent?.includes('matching'),
        undefined,
        WAIT,
      );
      const before = await viewTotal(page);
      await page.click('[data-test=pause]');
      await page.waitForSelector('[data-test=paused]', WAIT);
      await showTab(page, 'composer');
      await page.fill('#send-count', '20000');
      await sendFromComposer(page, 'sent 20000');
      await showTab(page, 'traffic');
      const expected = before + 40_000; // each message and its echo
      await waitForNumber(page, '[data-test=paused]', expected, { timeout: 60_000, pattern: /([\d,]+) stored/ });
      const whilePaused = await viewTotal(page);
      check(whilePaused === before, `the paused view grew from ${before} to ${whilePaused}`);
      await page.screenshot({ path: screenshotPath('traffic-paused') });
      await page.click('[data-test=pause]');
      await waitForTotal(page, expected, 60_000);
      await filterTraffic(page, 'id >= 41 && id < 20041 && type == 7');
      await waitForTotal(page, 40_000, 60_000);
      await filterTraffic(page, '');
    });

    await suite.test('"Go to newest", shown once the traffic is scrolled up, covers no row', async () => {
      await showTab(page, 'traffic');
      await page.waitForFunction(
        () => document.querySelectorAll('[data-test=row][data-id]').length > 10,
        undefined,
        WAIT,
      );
      const table = await page.locator('[data-test=traffic-table]').boundingBox();
      await page.mouse.move(table!.x + table!.width / 2, table!.y + table!.height / 2);
      await page.mouse.wheel(0, -2000);
      const jump = await page.waitForSelector('[data-test=go-to-end]', WAIT);
      // The rows as they show: clipped to the list's scroller (rows drawn ahead of the scroll are hidden).
      const covered = await page.evaluate((button) => {
        const b = button.getBoundingClientRect();
        const list = document.querySelector('[data-test=traffic-table] [data-test=scroller]')!.getBoundingClientRect();
        return [...document.querySelectorAll('[data-test=traffic-table] [data-test=row]')]
          .map((r) => r.getBoundingClientRect())
          .map((r) => ({
            top: Math.max(r.top, list.top),
            bottom: Math.min(r.bottom, list.bottom),
            left: r.left,
            right: r.right,
          }))
          .filter(
            (r) => r.bottom > r.top && r.bottom > b.top && r.top < b.bottom && r.right > b.left && r.left < b.right,
          ).length;
      }, jump);
      check(covered === 0, `the button covers ${covered} rows`);
      await jump.click();
      await page.waitForSelector('[data-test=go-to-end]', { state: 'detached', ...WAIT });
    });

    await suite.test(
      'the targets table keeps its columns in place as the counters grow from 0 to tens of thousands',
      async () => {
        await showTab(page, 'targets');
        await page.waitForFunction(
          () =>
            Number(
              document.querySelector('tr[data-target="demo:echo"] [data-test=sent]')?.textContent?.replace(/,/g, ''),
            ) >= 20_000,
          undefined,
          WAIT,
        );
        const now = await targetColumns(page);
        check(
          columnsAtZero.length === 9 && now.join() === columnsAtZero.join(),
          `the columns start at x = ${now.join(', ')}, with 0 messages at x = ${columnsAtZero.join(', ')}`,
        );
      },
    );

    await suite.test('save a message to a named collection and resend it', async () => {
      await showTab(page, 'composer');
      await page.fill('#send-count', '1');
      await page.fill('[data-test=save-message] input >> nth=0', 'smoke');
      await page.fill('[data-test=save-message] input >> nth=1', 'cafe');
      await page.click('[data-test=save-message] button');
      await page.waitForSelector('[data-test=collections] [data-message=cafe]', WAIT);
      await page.click('[data-test=collections] [data-message=cafe] button:has-text("Send")');
      await page.waitForSelector('[data-test=last-sent]:has-text(\'sent "cafe"\')', WAIT);
    });

    await suite.test('send periodically: messages keep coming until stopped', async () => {
      await page.fill('#hdr-id', '90000'); // beyond the ids of the burst above
      await page.fill('#send-period', '50');
      await page.click('[data-test=start-periodic]');
      await page.waitForSelector('[data-test=stop-periodic]', WAIT);
      await showTab(page, 'traffic');
      await filterTraffic(page, 'id == 90000 && direction == "rx"');
      await page.waitForFunction(
        () => Number(document.querySelector('[data-test=view-total] b')?.textContent?.replace(/,/g, '')) >= 5,
        undefined,
        WAIT,
      );
      await showTab(page, 'composer');
      await page.click('[data-test=stop-periodic]');
      await page.waitForSelector('[data-test=last-sent]:has-text("stopped after")', WAIT);
      const sent = Number(/stopped after (\d+)/.exec(await page.innerText('[data-test=last-sent]'))?.[1]);
      check(sent >= 5, `the periodic send reports ${sent} sent, expected at least 5`);
      await showTab(page, 'traffic');
      await waitForTotal(page, sent);
      await filterTraffic(page, '');
    });

    await suite.test(
      'a failing action is a clear, non-blocking notice (creating a device without the kucomms module)',
      async () => {
        await showTab(page, 'targets');
        await page.fill('[data-test=create-device] input', 'kucomms_e2e');
        await page.click('[data-test=create-device] button[type=submit]');
        const notice = await page.waitForSelector('[data-test=notice].error', WAIT);
        const text = await notice.innerText();
        check(
          text.startsWith('Creating /dev/kucomms_e2e:') && text.length > 'Creating /dev/kucomms_e2e: '.length + 10,
          `the notice reads "${text}"`,
        );
        await page.screenshot({ path: screenshotPath('targets-error') });
        await showTab(page, 'composer'); // the page still answers
        await page.waitForSelector('[data-test=send]', WAIT);
        await page.click('[data-test=notice].error button');
      },
    );

    await suite.test('a connection without the token is refused, and the page says why', async () => {
      const p = await browser!.newPage();
      await p.goto(`${origin}/`);
      const banner = await p.waitForSelector('[data-test=connection-error]', WAIT);
      const text = await banner.innerText();
      check(/token/.test(text), `the page says "${text}", expected it to mention the token`);
      check(
        (await probeSocket(p, `${origin.replace('http', 'ws')}/api`)) === 'refused',
        'a WebSocket without the token was accepted',
      );
      check(
        (await probeSocket(p, `${origin.replace('http', 'ws')}/api?token=${token}`)) === 'open',
        'the same page with the token was refused (the check above proves nothing)',
      );
      await p.screenshot({ path: screenshotPath('no-token') });
      await p.close();
    });

    await suite.test('a connection from a foreign Origin is refused even with the token', async () => {
      foreign = await foreignSite();
      const p = await browser!.newPage();
      await p.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
      check(
        (await probeSocket(p, `${origin.replace('http', 'ws')}/api?token=${token}`)) === 'refused',
        'a page of another origin opened the API',
      );
      await p.close();
    });

    const agentUp = await suite.test('agent: starts on another loopback address', async () => {
      agent = await startCli(
        ['agent', '--host', '127.0.0.2', '--port', '0', '--state-dir', path.join(home.root, 'agent-state')],
        /agent: (ws:\/\/127\.0\.0\.2:\d+) token (\S+)/,
      );
    });
    if (!agentUp || !agent) suite.blocked('a remote agent added and used', 'the agent did not start');
    else
      await suite.test('a remote agent added and used: its demo:echo connects and echoes', async () => {
        const agentUrl = agent!.match[1]!;
        const remote = `${agentUrl}/demo:echo`;
        await showTab(page, 'targets');
        await page.fill('#agent-url', agentUrl);
        await page.fill('#agent-token', agent!.match[2]!);
        await page.click('[data-test=add-agent] button[type=submit]');
        await page.waitForSelector(`tr[data-target="${remote}"]`, WAIT);
        await connectTarget(page, remote);
        await page.screenshot({ path: screenshotPath('targets-agent') });
        await showTab(page, 'composer');
        await page.selectOption('[data-test=send-target]', remote);
        await page.fill('#hdr-id', '777');
        await sendFromComposer(page, `sent 1 to ${remote}`);
        await showTab(page, 'traffic');
        await filterTraffic(page, `target == "${remote}" && id == 777`);
        await page.waitForSelector('[data-test=row][data-id="777"] >> text=← rx', WAIT);
        await page.screenshot({ path: screenshotPath('traffic-agent') });
      });

    await suite.test(
      'pick the telemetry layout for demo:echo: a telemetry message from the composer comes back decoded as its kind',
      async () => {
        await pickLayout(page, 'demo:echo', 'telemetry');
        await page.screenshot({ path: screenshotPath('targets-layout') });
        await showTab(page, 'composer');
        await page.selectOption('[data-test=protocol]', 'telemetry');
        await page.selectOption('[data-test=kind]', 'configure');
        await page.screenshot({ path: screenshotPath('composer-telemetry') });
        await page.selectOption('[data-test=kind]', 'sample');
        await page.selectOption('[data-test=send-target]', 'demo:echo');
        await page.fill('#hdr-id', '424242'); // beyond the ids of the burst and the periodic send above
        await page.fill('[data-path="data.acceleration.x"]', '-5');
        await sendFromComposer(page, 'sent 1 to demo:echo');
        await showTab(page, 'traffic');
        await filterTraffic(page, 'target == "demo:echo" && id == 424242 && direction == "rx"');
        await page.waitForSelector('[data-test=row][data-id="424242"] >> text=← rx', WAIT);
        const row = await page.innerText('[data-test=row][data-id="424242"]');
        check(
          /\bsample\b/.test(row) && !/\bany\b/.test(row),
          `the telemetry echo reads "${row}", expected kind sample`,
        );
      },
    );

    await suite.test(
      'the detail pane of a nested telemetry message: columns line up, the tree stays in view with a field selected',
      async () => {
        await page.click('[data-test=row][data-id="424242"]');
        await page.waitForSelector('[data-test=detail] [data-path="data.acceleration.x"]', WAIT);
        await page
          .locator('[data-test=detail] [data-path="data.acceleration.x"]')
          .evaluate((e) => (e as HTMLElement).click()); // as a person would: no scrolling first
        await page.waitForSelector('[data-test=detail] [data-test=hexdump] .hex .hl', WAIT);
        const typeLeft = (path: string) =>
          page
            .locator(`[data-test=detail] [data-path="${path}"] .type`)
            .evaluate((e) => Math.round(e.getBoundingClientRect().left));
        const lefts = await Promise.all(
          ['header', 'header.user_value', 'data.acceleration', 'data.acceleration.x'].map(typeLeft),
        );
        check(
          new Set(lefts).size === 1,
          `the type column starts at x = ${lefts.join(', ')} for header, header.user_value, data.acceleration, data.acceleration.x; expected one place`,
        );
        const box = (selector: string) =>
          page.locator(selector).evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect);
        const [pane, head, trees] = await Promise.all([
          box('[data-test=detail]'),
          box('[data-test=detail] .head'),
          box('[data-test=detail] .tree-box'),
        ]);
        check(
          head.top >= pane.top,
          `the pane's head is at y = ${head.top}, above the pane's top ${pane.top}: the pane scrolled its head and the tree's top out of sight`,
        );
        check(
          trees.bottom <= pane.bottom,
          `the tree's box ends at y = ${trees.bottom}, below the pane's bottom ${pane.bottom}: the tree overflows the pane instead of scrolling in it`,
        );
        await page.locator('[data-test=detail] .tree-box').evaluate((e) => e.scrollTo(0, 0));
        await page.screenshot({ path: screenshotPath('traffic-telemetry') });
      },
    );

    await suite.test('no uncaught error in the page', async () => {
      checkNoPageErrors(pageErrors);
    });
  } finally {
    await browser?.close();
    await agent?.stop();
    await serve?.stop();
    foreign?.close();
    home.remove();
  }
}
