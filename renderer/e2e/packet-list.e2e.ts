// Traffic's packet list the way a Wireshark user works it, end to end in
// Chromium against `kucomms-studio serve` and the demo echo peer: telemetry
// messages sent through the Studio API (quicker than the Composer, which
// other suites drive), then everything done in the page as a person does.
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { apiUrlOf, wsStudioApi, type WsStudioApi } from '../../electron/shared/studio-client.ts';
import {
  check,
  checkNoPageErrors,
  filterTraffic,
  launchChromium,
  newStudioPage,
  openStudio,
  screenshotSizes,
  showTab,
  shownNumber,
  startServe,
  tempHome,
  VIEW_TOTAL,
  WAIT,
  waitForNumber,
  type Serving,
  type Suite,
} from './harness.ts';

const TARGET = 'demo:echo';

/** A telemetry sample's fields: the temperature and channel tell one send's samples from another's. */
function sampleFields(n: number): Record<string, unknown> {
  return {
    sequence: n,
    channel: n % 4,
    status: 0,
    taken_us: 1000 * n,
    clock_offset_ns: 0,
    acceleration: { x: -5, y: 0, z: 1000 },
    temperature: 20 + (n % 10),
    aux_mv: [1, 2, 3, 4],
  };
}

/** Sends @count telemetry samples (ids counting up from @firstId) to demo:echo; each comes back echoed. */
async function sendSamples(api: WsStudioApi, firstId: number, count: number): Promise<void> {
  await api.send({
    target: TARGET,
    header: { type: '5', id: String(firstId), userValue: '0' },
    body: { format: 'layout', protocol: 'telemetry', kind: 'sample', fields: sampleFields(firstId) },
    count,
  });
}

/** Waits until the Traffic view (shown or not) has drawn the row of message @id. */
async function waitForRowDrawn(page: Page, id: number): Promise<void> {
  await page.waitForSelector(`[data-test=traffic-table] [data-test=row][data-id="${id}"]`, {
    state: 'attached',
    ...WAIT,
  });
}

/** Resolves after the page has drawn two more frames: whatever entering a view set off has been drawn. */
const twoFrames = (page: Page): Promise<void> =>
  page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

export async function packetListTests(suite: Suite): Promise<void> {
  const home = tempHome('packet-list');
  let serve: Serving | undefined;
  let browser: Browser | undefined;
  let api: WsStudioApi | undefined;
  try {
    const ok = await suite.test('packet list: serve starts; demo:echo decodes with the telemetry layout', async () => {
      serve = await startServe(home);
      api = await wsStudioApi(new WebSocket(apiUrlOf(serve.url)));
      await api.connect({ target: TARGET, protocol: 'telemetry' });
    });
    if (!ok || !serve || !api) return suite.blocked('the packet list in Chromium', 'serve did not start');
    browser = await launchChromium();
    const pageErrors: string[] = [];
    const page = await newStudioPage(browser, pageErrors);
    await openStudio(page, serve.url);

    await suite.test(
      'traffic: entering the view shows the rows that arrived meanwhile at once, never "row N …" placeholders',
      async () => {
        await showTab(page, 'traffic');
        await sendSamples(api!, 1, 300);
        await waitForNumber(page, VIEW_TOTAL, 600);
        await showTab(page, 'targets');
        await sendSamples(api!, 1000, 50);
        // Hidden, the list still fetches the rows it will show.
        await waitForRowDrawn(page, 1049);
        // Every placeholder row the table draws from now on. (No named functions in page code: the test's
        // transpiler would wrap them in a helper the page does not have.)
        await page.evaluate(() => {
          const w = window as unknown as { placeholders: string[] };
          w.placeholders = [];
          new MutationObserver((records) => {
            for (const rec of records)
              for (const n of rec.addedNodes)
                if (n instanceof HTMLElement)
                  for (const r of [n.closest('[data-test=row]'), ...n.querySelectorAll('[data-test=row]')])
                    if (r?.matches('.loading')) w.placeholders.push(r.textContent ?? '');
          }).observe(document.querySelector('[data-test=traffic-table]')!, { childList: true, subtree: true });
        });
        await showTab(page, 'traffic');
        await page.waitForSelector('[data-test=row][data-id="1049"]', WAIT);
        await twoFrames(page);
        const flashed = await page.evaluate(() => (window as unknown as { placeholders: string[] }).placeholders);
        const now = await page.locator('[data-test=row].loading').count();
        check(
          flashed.length === 0 && now === 0,
          `placeholders drawn on entering: ${flashed.slice(0, 5).join(' | ')} (${now} still shown)`,
        );
      },
    );

    await suite.test('filter box: completes data. paths and enum names; kind == sample needs no quotes', async () => {
      const box = '[data-test=filter] input';
      await page.click(box);
      await page.fill(box, '');
      await page.keyboard.type('data.acc');
      await page.waitForSelector('[data-test=filter-completion] [data-option="data.acceleration.x"]', WAIT);
      await page.keyboard.press('Tab');
      check((await page.inputValue(box)) === 'data.acceleration', `the box reads ${await page.inputValue(box)}`);
      await page.fill(box, '');
      await page.keyboard.type('kind == sa');
      await page.waitForSelector('[data-test=filter-completion] [data-option=sample]', WAIT);
      await screenshotSizes(page, 'traffic-filter-completion');
      await page.keyboard.press('Enter'); // takes the completion
      check((await page.inputValue(box)) === 'kind == sample', `the box reads ${await page.inputValue(box)}`);
      await page.keyboard.type(' && direction == "rx"');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Enter'); // applies
      await waitForNumber(page, VIEW_TOTAL, 350);
    });

    await suite.test(
      'filter box: a field no layout has, or a bare word, is an error saying what it could mean, and the old result goes',
      async () => {
        await filterTraffic(page, 'data.temprature > 20');
        await page.waitForSelector('[data-test=filter-error]', WAIT);
        const error = await page.innerText('[data-test=filter-error]');
        check(error.includes('Position 0: no layout has a field data.temprature'), `the error reads: ${error}`);
        await waitForNumber(page, VIEW_TOTAL, 0);
        await page.waitForSelector('[data-test=traffic-empty]:has-text("The filter has an error")', WAIT);
        await screenshotSizes(page, 'traffic-filter-unknown-field');
        await filterTraffic(page, 'id == sample');
        await page.waitForSelector('[data-test=filter-error]:has-text("it is a message kind")', WAIT);
        await filterTraffic(page, 'data.temperature > 20.5');
        await page.waitForSelector('[data-test=filter-error]', { state: 'detached', ...WAIT });
        await waitForNumber(page, VIEW_TOTAL, 600); // the first 300 samples (21 °C), each echoed
      },
    );

    const clipboard = (): Promise<string> => page.evaluate(() => navigator.clipboard.readText());
    const rightClickField = async (path: string): Promise<void> => {
      await page.click(`[data-test=detail] .tree [data-path="${path}"]`, { button: 'right' });
      await page.waitForSelector(`[data-test=field-menu][data-path="${path}"]`, WAIT);
    };
    const menuAction = async (action: string): Promise<void> => {
      await page.click(`[data-test=field-menu] [data-action=${action}]`);
      await page.waitForSelector('[data-test=field-menu]', { state: 'detached', ...WAIT });
    };

    await suite.test('detail: clicking a byte selects its field in the tree, and the field its bytes', async () => {
      await filterTraffic(page, 'id == 1049 && direction == "rx"');
      await waitForNumber(page, VIEW_TOTAL, 1);
      await page.click('[data-test=row][data-id="1049"]');
      await page.waitForSelector('[data-test=detail] .tree [data-path="data.temperature"]', WAIT);
      // temperature: an f32 at offset 59 (32 header bytes + 27): its third byte.
      await page.click('[data-test=detail] [data-test=hexdump] .hex [data-at="61"]');
      await page.waitForSelector('[data-test=detail] .tree .node.selected[data-path="data.temperature"]', WAIT);
      const lit = await page.$$eval('[data-test=detail] [data-test=hexdump] .hex .hl', (cells) =>
        cells.map((c) => c.getAttribute('data-at')).join(','),
      );
      check(lit === '59,60,61,62', `the temperature's bytes lit are ${lit}, expected 59..62`);
      // A header byte in the text column: the header field.
      await page.click('[data-test=detail] [data-test=hexdump] .ascii [data-text-at="17"]');
      await page.waitForSelector('[data-test=detail] .tree .node.selected[data-path="header.id"]', WAIT);
      await screenshotSizes(page, 'traffic-byte-selects-field');
    });

    await suite.test(
      'detail: right-click a field to apply or prepare it as a filter, copy its value, or the message as hex, C or JSON',
      async () => {
        await page
          .context()
          .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(serve!.url).origin });
        await rightClickField('data.channel');
        await screenshotSizes(page, 'traffic-field-menu');
        await menuAction('copy-value');
        check((await clipboard()) === '0', `copied value: ${await clipboard()}`); // id 1049's send: channel 1000 % 4
        await rightClickField('data.acceleration.x');
        await menuAction('prepare-filter');
        const box = '[data-test=filter] input';
        check((await page.inputValue(box)) === 'data.acceleration.x == -5', `prepared: ${await page.inputValue(box)}`);
        check((await shownNumber(page, VIEW_TOTAL)) === 1, 'preparing a filter applied it');
        await rightClickField('header.type');
        await menuAction('apply-filter');
        await page.waitForFunction(
          (sel) => document.querySelector<HTMLInputElement>(sel)?.value === 'type == 5',
          box,
          WAIT,
        );
        await waitForNumber(page, VIEW_TOTAL, 700);
        await page.click('[data-test=row] >> nth=0');
        await page.waitForSelector('[data-test=detail] .tree [data-path="data.sequence"]', WAIT);
        await rightClickField('data.sequence');
        await menuAction('copy-hex');
        const hex = await clipboard();
        check(/^27 00 00 00 00 00 00 00 05 00/.test(hex) && hex.split(' ').length === 71, `copied hex: ${hex}`);
        await rightClickField('data.sequence');
        await menuAction('copy-c');
        const c = await clipboard();
        check(
          c.startsWith('const unsigned char message[71] = {\n\t0x27, 0x00,') && c.trimEnd().endsWith('};'),
          `copied C: ${c}`,
        );
        await rightClickField('data.sequence');
        await menuAction('copy-json');
        const json = JSON.parse(await clipboard()) as { header: { type: string }; data: { aux_mv: number[] } };
        check(
          json.header.type === '5' && JSON.stringify(json.data.aux_mv) === '[1,2,3,4]',
          `copied JSON: ${JSON.stringify(json)}`,
        );
        await rightClickField('data.aux_mv');
        check(
          await page.isDisabled('[data-test=field-menu] [data-action=apply-filter]'),
          'an array offers to be applied as a filter',
        );
        await page.keyboard.press('Escape');
        await page.waitForSelector('[data-test=field-menu]', { state: 'detached', ...WAIT });
      },
    );

    await suite.test(
      'layout: the bars between the list and the detail, and the fields and the bytes, move',
      async () => {
        const box = (sel: string) => page.locator(sel).evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect);
        const drag = async (handle: string, dx: number, dy: number): Promise<void> => {
          const h = await box(handle);
          await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
          await page.mouse.down();
          await page.mouse.move(h.x + h.width / 2 + dx, h.y + h.height / 2 + dy, { steps: 5 });
          await page.mouse.up();
        };
        const listBefore = await box('[data-test=traffic-table]');
        await drag('.split > [data-test=split-handle]', 0, -120);
        const listAfter = await box('[data-test=traffic-table]');
        check(
          Math.abs(listBefore.height - 120 - listAfter.height) < 4,
          `the list went from ${listBefore.height} to ${listAfter.height} px high, expected 120 less`,
        );
        const hexBefore = await box('[data-test=detail] .hex-box');
        await drag('[data-test=detail] [data-test=split-handle]', -100, 0);
        const hexAfter = await box('[data-test=detail] .hex-box');
        check(
          Math.abs(hexBefore.width + 100 - hexAfter.width) < 4,
          `the bytes went from ${hexBefore.width} to ${hexAfter.width} px wide, expected 100 more`,
        );
        await screenshotSizes(page, 'traffic-split-moved');
      },
    );

    const selectedRow = (): Promise<string | null> =>
      page.getAttribute('[data-test=traffic-table] [data-test=row].selected', 'data-row', { timeout: WAIT.timeout });
    const goTo = async (n: string): Promise<void> => {
      await page.fill('[data-test=go-to] input', n);
      await page.press('[data-test=go-to] input', 'Enter');
    };

    await suite.test(
      'list: "go to" #N selects message N and scrolls it into view, and bookmarks take you back',
      async () => {
        await goTo('5');
        await page.waitForSelector('[data-test=row].selected[data-row="5"]', WAIT);
        await page.waitForSelector('[data-test=detail] .head >> text=#5', WAIT);
        await page.click('[data-test=detail] [data-test=bookmark]');
        await page.waitForSelector('[data-test=row].bookmarked[data-row="5"]', WAIT);
        await goTo('#640');
        await page.waitForSelector('[data-test=row].selected[data-row="640"]', WAIT);
        await page.focus('[data-test=traffic-table]');
        await page.keyboard.press('Control+m'); // bookmarks the selected message
        await page.waitForSelector('[data-test=row].bookmarked[data-row="640"]', WAIT);
        const listed = await page.locator('[data-test=bookmarks] option:not([disabled])').allInnerTexts();
        check(listed.join() === '#5,#640', `the bookmarks listed: ${listed.join()}`);
        await page.selectOption('[data-test=bookmarks]', '5');
        await page.waitForSelector('[data-test=row].selected[data-row="5"]', WAIT);
        check((await selectedRow()) === '5', 'the bookmark did not take the list back to #5');
        await screenshotSizes(page, 'traffic-bookmarks');
      },
    );

    await suite.test(
      'list: a message is sent again from the list, or opened in the Composer with its bytes',
      async () => {
        const id = await page.getAttribute('[data-test=row].selected', 'data-id');
        await filterTraffic(page, `id == ${id}`);
        await waitForNumber(page, VIEW_TOTAL, 2); // the sample and its echo
        await page.click('[data-test=row] >> nth=0');
        await page.waitForSelector('[data-test=detail] [data-test=resend]', WAIT);
        await page.click('[data-test=detail] [data-test=resend]');
        await waitForNumber(page, VIEW_TOTAL, 4); // sent again, and echoed again
        const bytes = await page.$$eval('[data-test=detail] [data-test=hexdump] .hex [data-at]', (cells) =>
          cells.map((c) => c.textContent).join(' '),
        );
        await page.click('[data-test=detail] [data-test=open-in-composer]');
        await page.waitForSelector('[data-test=composer] textarea[data-path=data], textarea[data-path=data]', WAIT);
        check((await page.inputValue('#hdr-id')) === id, `the Composer's id is ${await page.inputValue('#hdr-id')}`);
        check((await page.inputValue('#hdr-type')) === '5', 'the Composer has another type');
        const data = await page.inputValue('textarea[data-path=data]');
        check(
          bytes.endsWith(data) && data.split(' ').length === 39,
          `the Composer holds ${data}; the message: ${bytes}`,
        );
        check(
          (await page.inputValue('[data-test=send-target]')) === TARGET,
          `the Composer sends to ${await page.inputValue('[data-test=send-target]')}`,
        );
        await screenshotSizes(page, 'composer-from-traffic');
        await showTab(page, 'traffic');
      },
    );

    await suite.test('packet list: no uncaught error in the page', async () => {
      checkNoPageErrors(pageErrors);
    });
  } finally {
    api?.close();
    await browser?.close();
    await serve?.stop();
    home.remove();
  }
}
