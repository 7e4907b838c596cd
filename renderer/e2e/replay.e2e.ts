// Replay end to end in Chromium against `kucomms-studio serve` on a temporary
// workspace: captures made against the real demo:echo peer are replayed
// (1) into a fresh demo:echo with the captured timing: progress while it runs,
// then an empty diff; (2) into `kucomms_peer stamp`, a real peer in a process
// of its own that echoes with user_value set to its running count. The stamp
// mode is a real peer answering differently, as a server that stamps a
// sequence does, so the diff must name exactly header.user_value with both
// values, one click ("First difference") away. The report is saved and
// opened again. (3) A capture of LONG exchanges, one captured reply unlike
// the echo, replayed into demo:echo: the pair list scrolls to its late pairs,
// one opens field by field, and "First difference" scrolls to and opens the
// one that differs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { apiUrlOf, wsStudioApi, type WsStudioApi } from '../../electron/shared/studio-client.ts';
import { captureRecord } from '../../electron/services/capture/format.ts';
import { CaptureWriter } from '../../electron/services/capture/writer.ts';
import { peerProgram } from '../../electron/services/demo-peers.ts';
import { Endpoint } from '../../electron/services/endpoint.ts';
import {
  check,
  LARGE_VIEWPORT,
  launchChromium,
  screenshotPath,
  screenshotSizes,
  SMALL_VIEWPORT,
  startCli,
  type Started,
  type Suite,
} from './harness.ts';

const WAIT = { timeout: 20_000 };
const ECHOES = 12;
const PACED = 16;
const PACE_MS = 250;
/** Exchanges of the long capture (far more than a screenful of pairs), and the one whose captured reply differs. */
const LONG = 1500;
const LATE_DIFFERENCE = 1234;

/** Sends ECHOES messages through demo:echo and records both directions: a capture of a peer that echoes. */
async function recordEchoCapture(file: string): Promise<void> {
  const ep = await Endpoint.open('demo:echo');
  const writer = new CaptureWriter(file);
  let replies = 0;
  const done = new Promise<void>((resolve) => {
    ep.on('messages', (msgs) => {
      for (const m of msgs) {
        writer.write(captureRecord(m, 'demo:echo'));
        if (m.direction === 'rx' && ++replies === ECHOES) resolve();
      }
    });
  });
  for (let i = 0; i < ECHOES; i++)
    ep.send({ type: 7n, id: BigInt(i), userValue: 0n }, Uint8Array.from([i, 0xa0 + i, 0x55]));
  await done;
  await ep.close();
  writer.close();
}

/** An echo session whose requests went PACE_MS apart: replayed with its own timing it takes seconds. */
function writePacedCapture(file: string): void {
  const writer = new CaptureWriter(file);
  const t0 = BigInt(Date.now()) * 1_000_000n;
  for (let i = 0; i < PACED; i++) {
    const request = {
      direction: 'tx' as const,
      timestampNs: t0 + BigInt(i * PACE_MS) * 1_000_000n,
      length: 2n,
      type: 7n,
      id: BigInt(i),
      userValue: 0n,
      data: Uint8Array.from([i, 0x42]),
    };
    writer.write(captureRecord(request, 'demo:echo'));
    writer.write(
      captureRecord({ ...request, direction: 'rx', timestampNs: request.timestampNs + 50_000n }, 'demo:echo'),
    );
  }
  writer.close();
}

/** LONG echo exchanges; the captured reply to request LATE_DIFFERENCE has its last data byte changed, so an echo differs there. */
function writeLongCapture(file: string): void {
  const writer = new CaptureWriter(file);
  const t0 = BigInt(Date.now()) * 1_000_000n;
  for (let i = 0; i < LONG; i++) {
    const request = {
      direction: 'tx' as const,
      timestampNs: t0 + BigInt(i) * 1_000_000n,
      length: 4n,
      type: 7n,
      id: BigInt(i),
      userValue: 0n,
      data: Uint8Array.from([i & 0xff, i >> 8, 0x42, 0x42]),
    };
    const reply = i === LATE_DIFFERENCE ? Uint8Array.from([i & 0xff, i >> 8, 0x42, 0x43]) : request.data;
    writer.write(captureRecord(request, 'demo:echo'));
    writer.write(
      captureRecord(
        { ...request, direction: 'rx', timestampNs: request.timestampNs + 50_000n, data: reply },
        'demo:echo',
      ),
    );
  }
  writer.close();
}

function startStampPeer(name: string): Promise<ChildProcess> {
  const child = spawn(peerProgram(), ['stamp', `shm:${name}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`ready shm:${name}`)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`kucomms_peer stamp exited (${code}) before it was ready`)));
  });
}

/** Waits for the replay's progress to be in @state; with @run ("CAPTURE into TARGET"), for that replay's (an earlier one's 'done' does not count). */
async function waitForState(page: Page, state: string, run?: string): Promise<void> {
  const progress = `[data-test=replay-progress][data-state=${state}]`;
  await page.waitForSelector(run ? `${progress} [data-test=replay-sent]:has-text("from ${run}")` : progress, WAIT);
}

export async function replayTests(suite: Suite): Promise<void> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'kucomms-e2e-replay-ws-'));
  const state = mkdtempSync(path.join(tmpdir(), 'kucomms-e2e-replay-state-'));
  const stampName = `e2e_replay_${process.pid}`;
  let serve: Started | undefined;
  let browser: Browser | undefined;
  let stamp: ChildProcess | undefined;
  let api: WsStudioApi | undefined;
  try {
    const ready = await suite.test(
      'replay: captures against demo:echo in the workspace, the stamp peer and serve running',
      async () => {
        mkdirSync(path.join(workspace, 'captures'));
        await recordEchoCapture(path.join(workspace, 'captures', 'echo.kucap'));
        writePacedCapture(path.join(workspace, 'captures', 'paced.kucap'));
        writeLongCapture(path.join(workspace, 'captures', 'long.kucap'));
        stamp = await startStampPeer(stampName);
        serve = await startCli(
          ['serve', '--port', '0', '--workspace', workspace, '--state-dir', state],
          /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/,
        );
      },
    );
    if (!ready || !serve) return suite.blocked('replay in Chromium', 'the setup failed');
    const url = serve.match[1]!;
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await suite.test(
      'replay: the captured timing into demo:echo shows progress while it runs, then "All 16 replies matched"',
      async () => {
        await page.goto(url);
        await page.waitForSelector('[data-test=connection].connected', WAIT);
        await page.click('tr[data-target="demo:echo"] button:has-text("Connect")');
        await page.waitForSelector('tr[data-target="demo:echo"] .state.open', WAIT);
        await page.click('[data-tab=replay]');
        await page.waitForSelector('[data-test=replay-capture] option[value="paced.kucap"]', {
          ...WAIT,
          state: 'attached',
        });
        await page.selectOption('[data-test=replay-capture]', 'paced.kucap');
        await page.waitForSelector('[data-test=replay-from] option[value="demo:echo"]', { ...WAIT, state: 'attached' });
        await page.selectOption('[data-test=replay-target]', 'demo:echo');
        await page.selectOption('[data-test=replay-speed]', 'original');
        await page.click('[data-test=replay-start]');
        await waitForState(page, 'running');
        await page.waitForFunction(
          () => /sent [1-9]\d* of 16/.test(document.querySelector('[data-test=replay-sent]')?.textContent ?? ''),
          undefined,
          WAIT,
        );
        const running = await page.innerText('[data-test=replay-sent]');
        check(!/sent 16 of 16/.test(running), `the replay shows "${running}" while running: it should be part way`);
        await page.screenshot({ path: screenshotPath('replay-running') });
        await waitForState(page, 'done');
        await page.waitForSelector('[data-test=diff-empty]', WAIT);
        const empty = (await page.innerText('[data-test=diff-empty]')).trim();
        check(empty === 'All 16 replies matched.', `the empty diff says "${empty}"`);
        check(
          await page.isDisabled('[data-test=first-difference]'),
          'First difference is enabled with nothing to jump to',
        );
        await page.screenshot({ path: screenshotPath('replay-empty-diff') });
      },
    );

    await suite.test(
      'replay: into kucomms_peer stamp, "First difference" shows header.user_value captured 0, replayed 1',
      async () => {
        // The Targets view lists devices and demo peers; a shm: peer is connected through the same API the
        // page uses, and then offered among the connected targets to replay into.
        const target = `shm:${stampName}`;
        api = await wsStudioApi(new WebSocket(apiUrlOf(url)));
        await api.connect({ target });
        await page.selectOption('[data-test=replay-capture]', 'echo.kucap');
        await page.waitForSelector(`[data-test=replay-target] option[value="${target}"]`, {
          state: 'attached',
          ...WAIT,
        });
        await page.selectOption('[data-test=replay-target]', target);
        await page.selectOption('[data-test=replay-speed]', 'max');
        await page.selectOption('[data-test=replay-protocol]', 'echo');
        await page.click('[data-test=replay-start]');
        await waitForState(page, 'done', `echo.kucap into ${target}`);
        const counts = await page.innerText('[data-test=diff-counts]');
        check(/0 same\s+12 different\s+0 missing\s+0 unexpected/.test(counts), `the counts read "${counts}"`);
        await page.click('[data-test=first-difference]');
        const row = '[data-test=pair-detail] [data-test=field-row].different';
        await page.waitForSelector(row, WAIT);
        const rows = await page.$$eval(row, (trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())),
        );
        check(
          JSON.stringify(rows) === JSON.stringify([['header.user_value', '0', '1']]),
          `the differing fields shown: ${JSON.stringify(rows)}`,
        );
        const selected = await page.getAttribute('[data-test=pair].selected', 'data-index');
        check(selected === '0', `the selected pair is ${selected}, expected the first (0)`);
        const marked = await page.$$eval('[data-side=replayed] .hex .mark', (cells) =>
          cells.map((c) => c.getAttribute('data-at')).join(','),
        );
        check(
          marked === '24,25,26,27,28,29,30,31',
          `the replayed hex marks bytes ${marked}, expected user_value's 24..31`,
        );
        await page.screenshot({ path: screenshotPath('replay-diff-field') });
      },
    );

    await suite.test('replay: the captured and replayed bytes are side by side, line against line', async () => {
      for (const size of [LARGE_VIEWPORT, SMALL_VIEWPORT]) {
        await page.setViewportSize(size);
        const [captured, replayed] = await Promise.all(
          ['captured', 'replayed'].map((side) =>
            page
              .locator(`[data-test=pair-detail] [data-side=${side}] .line >> nth=0`)
              .evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect),
          ),
        );
        check(
          captured!.top === replayed!.top && captured!.right <= replayed!.left,
          `at ${size.width}×${size.height} the captured bytes' first line is at ${captured!.left},${captured!.top}, the replayed at ${replayed!.left},${replayed!.top}`,
        );
      }
      await screenshotSizes(page, 'replay-bytes-side-by-side');
    });

    await suite.test('replay: the report is saved into reports/ and opens again with the same difference', async () => {
      await page.click('[data-test=save-report]');
      await page.waitForSelector('[data-test=open-report] option[value^="replay-echo-"]', {
        ...WAIT,
        state: 'attached',
      });
      const name = await page.getAttribute('[data-test=open-report] option[value^="replay-echo-"]', 'value');
      await page.selectOption('[data-test=open-report]', name!);
      await page.waitForSelector(`[data-test=report-open]:has-text("${name}")`, WAIT);
      await page.click('[data-test=first-difference]');
      await page.waitForSelector(
        '[data-test=pair-detail] [data-test=field-row].different[data-path="header.user_value"]',
        WAIT,
      );
      const cells = await page.$$eval('[data-test=pair-detail] [data-test=field-row].different td', (tds) =>
        tds.map((td) => td.textContent?.trim()),
      );
      check(
        JSON.stringify(cells) === JSON.stringify(['header.user_value', '0', '1']),
        `the report's differing field: ${JSON.stringify(cells)}`,
      );
      check(pageErrors.length === 0, `errors in the page: ${pageErrors.join('; ')}`);
    });

    await suite.test(
      `replay: ${LONG} pairs in one scrolling list: a late pair scrolled to and opened; "First difference" scrolls to pair ${LATE_DIFFERENCE + 1} and opens it`,
      async () => {
        await page.selectOption('[data-test=replay-capture]', 'long.kucap');
        await page.waitForSelector('[data-test=replay-from] option[value="demo:echo"]', { ...WAIT, state: 'attached' });
        await page.selectOption('[data-test=replay-target]', 'demo:echo');
        await page.selectOption('[data-test=replay-speed]', 'max');
        await page.selectOption('[data-test=replay-protocol]', 'echo');
        await page.click('[data-test=replay-start]');
        await waitForState(page, 'done', 'long.kucap into demo:echo');
        const counts = await page.innerText('[data-test=diff-counts]');
        check(/1,499 same\s+1 different\s+0 missing\s+0 unexpected/.test(counts), `the counts read "${counts}"`);
        // The opened report showed only differences; that choice stays for this replay until unticked.
        await page.uncheck('[data-test=only-differences]');
        await page.waitForSelector('[data-test=pair-count]:has-text("1,500 pairs")', WAIT);
        const drawnAtTop = await page.$$eval('[data-test=pair]', (rows) => rows.length);
        check(
          drawnAtTop > 5 && drawnAtTop < 100,
          `${drawnAtTop} pair rows are drawn for a list of ${LONG}: only those in view should be`,
        );

        // Drag the scrollbar most of the way down (as a person would), then wheel the rest.
        const scroller = '[data-test=pair-scroller]';
        await page.$eval(scroller, (el) => (el.scrollTop = el.scrollHeight * 0.9));
        const box = (await page.locator(scroller).boundingBox())!;
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        for (let i = 0; i < 10; i++) await page.mouse.wheel(0, 400);
        await page.waitForSelector(`[data-test=pair][data-at="${LONG - 1}"][data-index]`, WAIT);
        const late = `[data-test=pair][data-at="${LONG - 5}"]`;
        await page.waitForSelector(`${late}[data-index]`, WAIT);
        await page.click(late);
        await page.waitForSelector(`[data-test=pair-detail][data-index="${LONG - 5}"]`, WAIT);
        const title = await page.innerText('[data-test=pair-detail] .title');
        check(title.includes(`Reply ${LONG - 4}`) && title.includes('same'), `the opened late pair reads "${title}"`);
        const position = await page.innerText('[data-test=pair-count]');
        check(
          position.trim() === `${(LONG - 4).toLocaleString('en-US')} of 1,500 pairs`,
          `the list says "${position}"`,
        );
        await page.screenshot({ path: screenshotPath('replay-long-late-pair') });

        await page.click('[data-test=first-difference]');
        const selected = `[data-test=pair].selected[data-at="${LATE_DIFFERENCE}"]`;
        await page.waitForSelector(selected, WAIT);
        await page.waitForSelector(
          `[data-test=pair-detail][data-index="${LATE_DIFFERENCE}"] [data-test=field-row].different`,
          WAIT,
        );
        const rowBox = (await page.locator(selected).boundingBox())!;
        const listBox = (await page.locator(scroller).boundingBox())!;
        check(
          rowBox.y >= listBox.y - 1 && rowBox.y + rowBox.height <= listBox.y + listBox.height + 1,
          `the first difference's row (y ${rowBox.y}..${rowBox.y + rowBox.height}) is not within the list (y ${listBox.y}..${listBox.y + listBox.height})`,
        );
        const differing = await page.$$eval('[data-test=pair-detail] [data-test=field-row].different', (trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())),
        );
        check(
          differing.length === 1 && differing[0]![0] === 'data.data' && differing[0]![1] !== differing[0]![2],
          `the differing fields shown: ${JSON.stringify(differing)}`,
        );
        await page.screenshot({ path: screenshotPath('replay-long-first-difference') });

        // The keyboard moves on from there.
        await page.focus('[data-test=pair-list]');
        await page.keyboard.press('ArrowDown');
        await page.waitForSelector(`[data-test=pair-detail][data-index="${LATE_DIFFERENCE + 1}"]`, WAIT);
        check(pageErrors.length === 0, `errors in the page: ${pageErrors.join('; ')}`);
      },
    );
  } finally {
    api?.close();
    await browser?.close();
    await serve?.stop();
    stamp?.kill('SIGTERM');
    rmSync(workspace, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  }
}
