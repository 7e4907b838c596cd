// Captures end to end, in Chromium against `kucomms-studio serve` with its
// own workspace: record demo:echo (telemetry layout) while the Composer sends
// samples, open the capture in Traffic and see them decoded, export pcapng
// and read the fields back with Debian's tshark and the dissector
// `kucomms-studio gen lua` writes, and open a cut-off capture up to the cut.
import { spawnSync } from 'node:child_process';
import { statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { readCapture } from '../../electron/services/capture/reader.ts';
import { CaptureWriter } from '../../electron/services/capture/writer.ts';
import {
  check,
  checkNoPageErrors,
  connectTarget,
  launchChromium,
  newStudioPage,
  openStudio,
  pickLayout,
  REPO,
  screenshotPath,
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

const CLI = path.join(REPO, 'electron/cli/kucomms-studio.mjs');
const TSHARK = '/usr/bin/tshark';

/** The samples the Composer sends: header id and the fields the test reads back. */
const SAMPLES = [
  { id: '7001', sequence: '17', x: '-5', temperature: '21.5' },
  { id: '7002', sequence: '18', x: '123456', temperature: '-3.25' },
];

export async function capturesTests(suite: Suite): Promise<void> {
  const home = tempHome('captures');
  const captures = path.join(home.workspace, 'captures');
  let serve: Serving | undefined;
  let browser: Browser | undefined;
  try {
    const ok = await suite.test('captures: serve starts with its own workspace', async () => {
      serve = await startServe(home);
    });
    if (!ok || !serve) return suite.blocked('captures in Chromium', 'serve did not start');
    browser = await launchChromium();
    const pageErrors: string[] = [];
    const page = await newStudioPage(browser, pageErrors);

    await suite.test('captures: connect demo:echo with the telemetry layout', async () => {
      await openStudio(page, serve!.url);
      await connectTarget(page, 'demo:echo');
      await pickLayout(page, 'demo:echo', 'telemetry');
    });

    const recorded = await suite.test(
      'captures: record demo:echo while the Composer sends two samples; the count follows live',
      async () => {
        await showTab(page, 'captures');
        await page.check('[data-test=record-targets] input[data-target="demo:echo"]');
        await page.fill('[data-test=record-name]', 'e2e-session');
        await page.click('[data-test=record-start]');
        await page.waitForSelector('[data-test=record-status]:has-text("recording e2e-session.kucap")', WAIT);
        await showTab(page, 'composer');
        await page.selectOption('[data-test=protocol]', 'telemetry');
        await page.selectOption('[data-test=kind]', 'sample');
        await page.selectOption('[data-test=send-target]', 'demo:echo');
        for (const s of SAMPLES) {
          await page.fill('#hdr-id', s.id);
          await page.fill('[data-path="data.sequence"]', s.sequence);
          await page.fill('[data-path="data.acceleration.x"]', s.x);
          await page.fill('[data-path="data.temperature"]', s.temperature);
          await sendFromComposer(page, 'sent 1 to demo:echo');
        }
        await showTab(page, 'captures');
        await waitForNumber(page, '[data-test=record-count]', 2 * SAMPLES.length);
        await page.screenshot({ path: screenshotPath('captures-recording') });
        await page.click('[data-test=record-stop]');
        await page.waitForSelector('[data-test=record-status]:has-text("last: e2e-session.kucap")', WAIT);
        await waitForNumber(page, 'tr[data-capture="e2e-session.kucap"] [data-test=messages]', 2 * SAMPLES.length);
      },
    );
    if (!recorded) return suite.blocked('the rest of the captures suite', 'nothing was recorded');

    await suite.test('captures: the file holds both directions of every sample', async () => {
      const got: string[] = [];
      for await (const r of readCapture(path.join(captures, 'e2e-session.kucap')))
        got.push(`${r.direction} ${r.target} ${r.id}`);
      const want = SAMPLES.flatMap((s) => [`tx demo:echo ${s.id}`, `rx demo:echo ${s.id}`]);
      check(got.join(',') === want.join(','), `the capture holds ${got.join(', ')}; expected ${want.join(', ')}`);
    });

    await suite.test(
      'captures: open it in Traffic: the source switches and the samples show decoded from the file',
      async () => {
        await page.click('tr[data-capture="e2e-session.kucap"] [data-test=open]');
        await page.waitForSelector('[data-test=traffic-source]', { state: 'visible', ...WAIT });
        const source = await page.$eval('[data-test=traffic-source]', (e) => (e as HTMLSelectElement).value);
        check(source === 'e2e-session.kucap', `Traffic shows source "${source}"`);
        await page.waitForSelector('[data-test=row][data-id="7002"] >> text=← rx', WAIT);
        const row = await page.innerText('[data-test=row][data-id="7002"]:has-text("rx")');
        check(
          /\bsample\b/.test(row) && row.includes('sequence=18') && row.includes('temperature=-3.25'),
          `the row from the capture reads "${row}"; expected a decoded sample with sequence=18 and temperature=-3.25`,
        );
        await page.click('[data-test=row][data-id="7001"]:has-text("rx")');
        await page.waitForSelector('[data-test=detail] [data-path="data.acceleration.x"]', WAIT);
        const x = await page.innerText('[data-test=detail] [data-path="data.acceleration.x"]');
        check(/-5\b/.test(x), `the detail of sample 7001 shows acceleration.x as "${x}"`);
        check((await page.$$('[data-test=pause]')).length === 0, 'Pause is offered for a capture');
      },
    );

    await suite.test('captures: export pcapng; tshark with the generated dissector reads the values sent', async () => {
      await showTab(page, 'captures');
      await page.click('tr[data-capture="e2e-session.kucap"] [data-test=export]');
      await page.waitForSelector(
        '[data-test=last-written]:has-text("exported 4 messages to e2e-session.pcapng")',
        WAIT,
      );
      await page.waitForSelector('tr[data-capture="e2e-session.pcapng"]', WAIT);
      await page.screenshot({ path: screenshotPath('captures-list') });
      const lua = path.join(home.root, 'telemetry.lua');
      const gen = spawnSync(
        process.execPath,
        [CLI, 'gen', 'lua', path.join(REPO, 'protocols/telemetry.yaml'), '-o', lua],
        { encoding: 'utf8' },
      );
      check(gen.status === 0, `gen lua failed (${gen.status}): ${gen.stderr}`);
      const p = 'kucomms_telemetry';
      const fields = [
        `${p}.direction`,
        `${p}.kind`,
        `${p}.id`,
        `${p}.sample.sequence`,
        `${p}.vector.x`,
        `${p}.sample.temperature`,
      ];
      const r = spawnSync(
        TSHARK,
        [
          '-X',
          `lua_script:${lua}`,
          '-r',
          path.join(captures, 'e2e-session.pcapng'),
          '-T',
          'fields',
          '-E',
          'separator=|',
          ...fields.flatMap((f) => ['-e', f]),
        ],
        { encoding: 'utf8' },
      );
      check(!r.error, `tshark could not run: ${r.error?.message}`);
      check(r.status === 0, `tshark exited ${r.status}: ${r.stderr}`);
      const got = r.stdout.trimEnd().split('\n');
      // direction 0 = tx, 1 = rx; the kind by its name
      const want = SAMPLES.flatMap((s) =>
        ['0', '1'].map((d) => [d, 'sample', s.id, s.sequence, s.x, s.temperature].join('|')),
      );
      check(got.join('\n') === want.join('\n'), `tshark read:\n${got.join('\n')}\nexpected:\n${want.join('\n')}`);
    });

    await suite.test(
      'captures: a cut-off capture opens up to the cut with a notice naming the byte and the messages shown',
      async () => {
        // A longer recording, written as the Studio writes one, then cut mid-block as a crash would leave it.
        const file = path.join(captures, 'crashed.kucap');
        const records = [];
        for await (const r of readCapture(path.join(captures, 'e2e-session.kucap'))) records.push(r);
        const w = new CaptureWriter(file, { flushIntervalMs: 0, blockBytes: 1024 });
        for (let n = 0; n < 400; n++) w.write({ ...records[n % records.length]!, id: BigInt(10_000 + n) });
        w.close();
        truncateSync(file, statSync(file).size - 200);
        await page.click('[data-test=refresh]');
        await page.click('tr[data-capture="crashed.kucap"] [data-test=open]');
        await page.waitForSelector('[data-test=traffic-source]', { state: 'visible', ...WAIT });
        const notice = await page.innerText('.traffic [data-test=damage-notice]', WAIT);
        const m =
          /^capture crashed\.kucap is damaged: the file ends inside the block at offset (\d+) \(only \d+ of its \d+ body bytes are there\): it was cut off.*; showing the ([\d,]+) messages before it$/.exec(
            notice,
          );
        check(m !== null, `the notice reads "${notice}"`);
        const shown = Number(m![2]!.replace(/,/g, ''));
        check(shown > 300 && shown < 400, `the notice says ${shown} messages are shown`);
        await waitForNumber(page, VIEW_TOTAL, shown);
        await page.screenshot({ path: screenshotPath('traffic-damaged-capture') });
      },
    );

    await suite.test('captures: back to live traffic keeps what was there', async () => {
      await page.selectOption('[data-test=traffic-source]', 'live');
      await page.waitForSelector('[data-test=pause]', WAIT);
      await waitForNumber(page, VIEW_TOTAL, 2 * SAMPLES.length);
    });

    await suite.test('captures: no uncaught error in the page', async () => {
      checkNoPageErrors(pageErrors);
    });
  } finally {
    await browser?.close();
    await serve?.stop();
    home.remove();
  }
}
