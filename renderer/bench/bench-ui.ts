// npm run bench:ui: how the Studio's traffic view holds up, in Chromium
// against the real backend (StudioService + the WebSocket server, in this
// process, rows put straight into its store so the figures measure the UI
// and the API, not a peer). Prints one JSON object per line:
//   load_1m      ms from opening the page to the first rows of 1 000 000 drawn
//   scroll_1m    fps while the table scrolls across them
//   filter_1m    ms from Enter to the filtered count shown (backend_ms: the filter alone)
//   live_100k    fps while 100 000 messages per second arrive; msgs_per_s the page saw
//   pairing_1m   500 000 request/reply pairs (telemetry layout): ms from opening the Latency panel to its
//                figures for all of them (first_draw_ms), and fps scrolling the table with its reply marks
//                (baseline_fps: the same rows scrolled without a reply rule, in this run)
//   plot_1m      1 000 000 samples' temperature: ms from Plot to the drawn plot (first_draw_ms, with
//                baseline_first_draw_ms for 1 000 of them), and fps while the plot is dragged (pans)
//   rows_10m     rows, last_row_reachable: the scrollbar's end shows the last row, read back by id
//   filter_data_1m, filter_data_10m
//                ms from Enter to the count shown of a filter on a data field
//                (data.temperature > 30) over telemetry samples (backend_ms: the filter alone)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { RENDERER_DIST } from '../../electron/server/static-files.ts';
import { startStudioServer } from '../../electron/server/ws-server.ts';
import { encodeMessage } from '../../electron/services/protocol/encode.ts';
import { loadLayoutFile } from '../../electron/services/protocol/loader.ts';
import { TELEMETRY_EXAMPLES } from '../../electron/services/protocol/testdata/telemetry-examples.ts';
import { PROTOCOLS_DIR } from '../../electron/services/studio/protocols.ts';
import { StudioService } from '../../electron/services/studio/studio-service.ts';
import { GET_INFO, sample } from '../../electron/services/studio/analysis/testdata/telemetry-traffic.ts';
import { launchChromium, REPO, screenshotPath } from '../e2e/harness.ts';

const DATA = new Uint8Array(8);
const TARGET = 'demo:echo';

function emit(row: Record<string, unknown>): void {
  console.log(JSON.stringify(row));
}

/** Appends rows with ids from the store's current total; type = id % 4, directions alternating. */
function fill(service: StudioService, n: number): void {
  const index = service.store.targetIndex(TARGET);
  const t0 = BigInt(Date.now()) * 1_000_000n;
  for (let i = 0; i < n; i++) {
    const id = service.store.total;
    service.store.appendFields(
      index,
      id % 2 ? 'rx' : 'tx',
      t0 + BigInt(id) * 1000n,
      BigInt(id % 4),
      BigInt(id),
      0n,
      DATA,
    );
  }
}

/** The data of 20 telemetry samples, 20 to 39 °C: 9 in every 20 are above 30. */
const telemetry = loadLayoutFile(path.join(PROTOCOLS_DIR, 'telemetry.yaml'));
const SAMPLE_TYPE = telemetry.messages.find((m) => m.name === 'sample')?.when.type ?? 0n;
const SAMPLES = Array.from({ length: 20 }, (_, i) =>
  encodeMessage(
    telemetry,
    { type: SAMPLE_TYPE, id: 0n, user_value: 0n },
    { ...TELEMETRY_EXAMPLES.sample, sequence: i, temperature: 20 + i },
    'sample',
  ).subarray(32),
);
const DATA_FILTER = 'data.temperature > 30';

/** Appends @n telemetry samples (the store's row number picks the temperature). */
function fillSamples(service: StudioService, n: number): void {
  const index = service.store.targetIndex(TARGET);
  for (let i = 0; i < n; i++) {
    const id = service.store.total;
    service.store.appendFields(index, 'rx', BigInt(id), SAMPLE_TYPE, BigInt(id), 0n, SAMPLES[id % 20]!);
  }
}

async function shown(page: Page): Promise<number> {
  return page.evaluate(() =>
    Number(document.querySelector('[data-test=view-total] b')?.textContent?.replace(/,/g, '')),
  );
}

async function waitShown(page: Page, n: number, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    (x) => Number(document.querySelector('[data-test=view-total] b')?.textContent?.replace(/,/g, '')) === x,
    n,
    { timeout },
  );
}

/**
 * Frames the page draws in @ms (scrolling the table to a new place every
 * frame when @scroll). Page-side code is a string: the TypeScript loader
 * would otherwise add helpers the page does not have.
 */
function framesPerSecond(page: Page, ms: number, scroll: boolean): Promise<number> {
  return page.evaluate(`new Promise((resolve) => {
    const el = document.querySelector('[data-test=scroller]');
    let frames = 0;
    const start = performance.now();
    const step = (now) => {
      frames++;
      if (${scroll}) el.scrollTop = (((frames * 7919) % 1000) / 1000) * (el.scrollHeight - el.clientHeight);
      if (now - start < ${ms}) requestAnimationFrame(step);
      else resolve((frames * 1000) / (now - start));
    };
    requestAnimationFrame(step);
  })`) as Promise<number>;
}

const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** @pairs get_info requests, each answered 100 to 200 µs later (ids from 0). */
function fillPairs(service: StudioService, pairs: number): void {
  const index = service.store.targetIndex(TARGET);
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const none = new Uint8Array(0);
  for (let i = 0; i < pairs; i++) {
    const t = t0 + BigInt(i) * 2000n;
    service.store.appendFields(index, 'tx', t, GET_INFO, BigInt(i), 0n, none);
    service.store.appendFields(index, 'rx', t + BigInt(100_000 + (i % 1000) * 100), GET_INFO, BigInt(i), 0n, none);
  }
}

/** @n samples 1 µs apart whose temperature is a slow sine. */
function fillSineSamples(service: StudioService, n: number): void {
  const index = service.store.targetIndex(TARGET);
  const t0 = BigInt(Date.now()) * 1_000_000n;
  for (let i = 0; i < n; i++) {
    const m = sample(t0 + BigInt(i) * 1000n, 0, 20 + 5 * Math.sin(i / 5000));
    service.store.appendFields(index, m.direction, m.timestampNs, m.type, m.id, m.userValue, m.data);
  }
}

/** Opens the analysis panel @id afresh, timing from the click until @ready shows. */
async function timePanel(page: Page, id: string, ready: string): Promise<number> {
  if ((await page.getAttribute(`[data-test=analysis-tab-${id}]`, 'aria-selected')) === 'true')
    await page.click(`[data-test=analysis-tab-${id}]`);
  const started = performance.now();
  await page.click(`[data-test=analysis-tab-${id}]`);
  await page.waitForSelector(ready, { timeout: 120_000 });
  return performance.now() - started;
}

/** Frames a second while the plot is dragged sideways, a step every frame, for @ms. */
function panFramesPerSecond(page: Page, ms: number): Promise<number> {
  return page.evaluate(`new Promise((resolve) => {
    const el = document.querySelector('[data-test=plot]');
    const box = el.getBoundingClientRect();
    const y = box.top + box.height / 2;
    el.dispatchEvent(new MouseEvent('mousedown', { button: 0, clientX: box.left + box.width / 2, clientY: y, bubbles: true }));
    let frames = 0;
    const start = performance.now();
    const step = (now) => {
      frames++;
      window.dispatchEvent(new MouseEvent('mousemove', { clientX: box.left + box.width / 2 - (frames % 200), clientY: y }));
      if (now - start < ${ms}) requestAnimationFrame(step);
      else {
        window.dispatchEvent(new MouseEvent('mouseup', {}));
        resolve((frames * 1000) / (now - start));
      }
    };
    requestAnimationFrame(step);
  })`) as Promise<number>;
}

/** Plots data.temperature from the Plot button until the plot drew @points points; ms. */
async function timePlot(page: Page, points: number): Promise<number> {
  await page.fill('[data-test=plot-fields]', 'data.temperature');
  const started = performance.now();
  await page.click('[data-test=plot-apply]');
  await page.waitForFunction(
    (n) => {
      const el = document.querySelector('.field-plot');
      return el?.getAttribute('data-points') === String(n) && el.querySelector('canvas') !== null;
    },
    points,
    { timeout: 120_000 },
  );
  // The frame that shows it.
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(undefined)))');
  return performance.now() - started;
}

async function setFilter(page: Page, expression: string): Promise<void> {
  await page.fill('[data-test=filter] input', expression);
  await page.press('[data-test=filter] input', 'Enter');
}

/** Times @expression from Enter until @matched rows are shown; backend_ms is what the page says the filter took. */
async function timeFilter(
  page: Page,
  expression: string,
  matched: number,
): Promise<{ ms: number; backend_ms: number }> {
  await page.fill('[data-test=filter] input', expression);
  const started = performance.now();
  await page.press('[data-test=filter] input', 'Enter');
  await waitShown(page, matched, 120_000);
  const ms = performance.now() - started;
  const backendMs = await page.evaluate(() =>
    Number(/filtered in ([\d.]+) ms/.exec(document.body.textContent ?? '')?.[1]),
  );
  return { ms: round(ms), backend_ms: round(backendMs) };
}

// Measure the renderer as it is now, not an older build.
const build = spawnSync(
  path.join(REPO, 'node_modules/.bin/vite'),
  ['build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'],
  { cwd: REPO, stdio: 'inherit' },
);
if (build.status !== 0) throw new Error('the renderer did not build');

const service = new StudioService({ mode: 'serve', defaultTarget: TARGET });
const server = await startStudioServer({ service, port: 0, staticRoot: RENDERER_DIST });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });

  fill(service, 1_000_000);
  let started = performance.now();
  await page.goto(`${server.url}#traffic`);
  await page.waitForSelector('[data-test=row][data-id="999999"]', { timeout: 60_000 });
  emit({ name: 'load_1m', rows: 1_000_000, ms: round(performance.now() - started) });

  emit({ name: 'scroll_1m', rows: 1_000_000, fps: round(await framesPerSecond(page, 3000, true)) });

  emit({
    name: 'filter_1m',
    rows: 1_000_000,
    matched: 125_000,
    ...(await timeFilter(page, 'type == 1 && id >= 500000', 125_000)),
  });
  await setFilter(page, '');
  await waitShown(page, 1_000_000);

  // Pairing: the same million rows scrolled without a reply rule (longtest has none), then with telemetry's.
  await service.handlers.clear({});
  await service.handlers.setProtocol({ target: TARGET, protocol: 'longtest' });
  fillPairs(service, 500_000);
  await waitShown(page, 1_000_000);
  const baselineFps = await framesPerSecond(page, 3000, true);
  await service.handlers.setProtocol({ target: TARGET, protocol: 'telemetry' });
  const pairingMs = await timePanel(
    page,
    'latency',
    '[data-test=latency-row][data-kind=get_info] [data-test=latency-count]:text-is("500,000")',
  );
  const pairingFps = await framesPerSecond(page, 3000, true);
  emit({
    name: 'pairing_1m',
    rows: 1_000_000,
    first_draw_ms: round(pairingMs),
    fps: round(pairingFps),
    baseline_fps: round(baselineFps),
  });

  await service.handlers.clear({});
  fillSineSamples(service, 1000);
  await waitShown(page, 1000);
  await page.click('[data-test=analysis-tab-plot]');
  const plotBaselineMs = await timePlot(page, 1000);
  await service.handlers.clear({});
  fillSineSamples(service, 1_000_000);
  await waitShown(page, 1_000_000);
  const plotMs = await timePlot(page, 1_000_000);
  const plotFps = await panFramesPerSecond(page, 3000);
  await page.screenshot({ path: screenshotPath('traffic-plot-1m') });
  emit({
    name: 'plot_1m',
    points: 1_000_000,
    first_draw_ms: round(plotMs),
    fps: round(plotFps),
    baseline_first_draw_ms: round(plotBaselineMs),
  });
  await page.click('[data-test=analysis-close]');
  await service.handlers.clear({});
  fill(service, 1_000_000);
  await waitShown(page, 1_000_000);

  // 100 000 messages a second (about 1 000 every 10 ms) while the page is watched for 5 seconds.
  const before = await shown(page);
  const feedStart = performance.now();
  let fed = 0;
  const feeder = setInterval(() => {
    // Timers run late under load: catch up with the rate, not with the tick count.
    const due = Math.floor(((performance.now() - feedStart) / 1000) * 100_000);
    fill(service, due - fed);
    fed = due;
  }, 10);
  await new Promise((r) => setTimeout(r, 500));
  const from = await shown(page);
  started = performance.now();
  const fps = await framesPerSecond(page, 5000, false);
  const to = await shown(page);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(feeder);
  emit({
    name: 'live_100k',
    offered_msgs_per_s: 100_000,
    msgs_per_s: Math.round((to - from) / seconds),
    fps: round(fps),
    rows_before: before,
  });

  await service.handlers.clear({});
  fill(service, 10_000_000);
  await waitShown(page, 10_000_000, 90_000);
  // To the top, then the scrollbar's end: the last row must be drawn, whole, with its id.
  await page.evaluate(() => {
    const el = document.querySelector('[data-test=scroller]') as HTMLElement;
    el.scrollTop = 0;
  });
  await page.waitForSelector('[data-test=row][data-id="0"]', { timeout: 30_000 });
  await page.evaluate(() => {
    const el = document.querySelector('[data-test=scroller]') as HTMLElement;
    el.scrollTop = el.scrollHeight;
  });
  const last = 9_999_999;
  const reachable = await page
    .waitForFunction(
      (id) => {
        const row = document.querySelector(`[data-test=row][data-id="${id}"]`);
        const box = document.querySelector('[data-test=scroller]')?.getBoundingClientRect();
        if (!row || !box) return false;
        const r = row.getBoundingClientRect();
        return r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5;
      },
      last,
      { timeout: 30_000 },
    )
    .then(
      () => true,
      () => false,
    );
  const lastId = await page.evaluate(() =>
    [...document.querySelectorAll('[data-test=row][data-id]')].at(-1)?.getAttribute('data-id'),
  );
  await page.screenshot({ path: screenshotPath('traffic-10m') });
  emit({
    name: 'rows_10m',
    rows: 10_000_000,
    last_row_reachable: reachable,
    last_row_id: lastId === undefined || lastId === null ? null : Number(lastId),
  });

  // A filter on a data field: telemetry samples, decoded with the telemetry layout.
  await service.handlers.setProtocol({ target: TARGET, protocol: 'telemetry' });
  for (const rows of [1_000_000, 10_000_000]) {
    await service.handlers.clear({});
    fillSamples(service, rows);
    await waitShown(page, rows, 90_000);
    const matched = (rows / 20) * 9;
    emit({
      name: `filter_data_${rows / 1_000_000}m`,
      rows,
      matched,
      ...(await timeFilter(page, DATA_FILTER, matched)),
    });
    await setFilter(page, '');
    await waitShown(page, rows, 90_000);
  }
} finally {
  await browser.close();
  await server.close();
  await service.close();
}
