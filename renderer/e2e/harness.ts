// What the end-to-end tests stand on: the Studio's real processes
// (`kucomms-studio serve` and `agent`) in temporary folders, Debian's
// Chromium driven by playwright-core, the steps every suite takes in the
// page, one line per test, and screenshots for people to look at.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TabId } from '../src/lib/tabs.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOTS = path.join(REPO, 'test-output/screenshots');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const CLI = path.join(REPO, 'electron/cli/kucomms-studio.mjs');

export interface Started {
  child: ChildProcess;
  match: RegExpExecArray;
  output: () => string;
  stop: () => Promise<void>;
}

/** Runs `kucomms-studio ARGS` until its output matches @ready (rejects with its output after @timeoutMs). */
export function startCli(args: string[], ready: RegExp, timeoutMs = 30_000): Promise<Started> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(
        new Error(
          `kucomms-studio ${args.join(' ')} printed nothing matching ${ready} within ${timeoutMs} ms; it printed: ${out.trim() || '(nothing)'}`,
        ),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match, output: () => out, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kucomms-studio ${args.join(' ')} exited (${code}) before it was ready: ${out.trim()}`));
    });
  });
}

/** A suite's own folder: it starts as a first run does, whatever an earlier Studio on this machine kept. */
export interface TempHome {
  /** The folder, for any other files the suite needs. */
  root: string;
  /** ROOT/workspace, not created: serve creates it when it opens it. */
  workspace: string;
  /** ROOT/state, serve's state folder. */
  stateDir: string;
  /** Removes the folder with everything in it. */
  remove: () => void;
}

export function tempHome(suiteName: string): TempHome {
  const root = mkdtempSync(path.join(tmpdir(), `kucomms-e2e-${suiteName}-`));
  return {
    root,
    workspace: path.join(root, 'workspace'),
    stateDir: path.join(root, 'state'),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface ServeFolders {
  stateDir: string;
  /** Without one, serve opens the workspace its state names (at first STATE-DIR/workspace). */
  workspace?: string;
}

export interface Serving extends Started {
  /** The page's address with its token, as serve prints it. */
  url: string;
}

/** Starts `kucomms-studio serve` on a free port with @folders; ready once it prints the URL to open. */
export async function startServe(folders: ServeFolders): Promise<Serving> {
  const workspace = folders.workspace === undefined ? [] : ['--workspace', folders.workspace];
  const started = await startCli(
    ['serve', '--port', '0', ...workspace, '--state-dir', folders.stateDir],
    /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/,
  );
  return { ...started, url: started.match[1]! };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
}

/** The window sizes the Studio is laid out for, and screenshot at: a desktop's, and a small laptop's. */
export const LARGE_VIEWPORT = { width: 1440, height: 900 };
export const SMALL_VIEWPORT = { width: 1280, height: 720 };

/** Screenshots the page as NAME.png (1440×900) and NAME-1280x720.png, and leaves it at 1440×900. */
export async function screenshotSizes(page: Page, name: string): Promise<void> {
  await page.setViewportSize(LARGE_VIEWPORT);
  await page.screenshot({ path: screenshotPath(name) });
  await page.setViewportSize(SMALL_VIEWPORT);
  await page.screenshot({ path: screenshotPath(`${name}-${SMALL_VIEWPORT.width}x${SMALL_VIEWPORT.height}`) });
  await page.setViewportSize(LARGE_VIEWPORT);
}

/** How long a step in the page may take before it counts as stuck. */
export const WAIT = { timeout: 20_000 };

/** A page at the size the screenshots are made for; its uncaught errors go into @errors (see checkNoPageErrors). */
export async function newStudioPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: LARGE_VIEWPORT });
  page.on('pageerror', (e) => errors.push(e.message));
  return page;
}

/** Loads the Studio from @url and waits until it is connected to its backend. */
export async function openStudio(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('[data-test=connection].connected', WAIT);
}

export function checkNoPageErrors(errors: string[]): void {
  check(errors.length === 0, `uncaught errors in the page: ${errors.join(' | ')}`);
}

export async function showTab(page: Page, tab: TabId): Promise<void> {
  await page.click(`[data-tab=${tab}]`);
}

/** Connects @target from the Targets tab and waits until it is open. */
export async function connectTarget(page: Page, target: string): Promise<void> {
  await showTab(page, 'targets');
  await page.click(`tr[data-target="${target}"] button:has-text("Connect")`);
  await page.waitForSelector(`tr[data-target="${target}"] .state.open`, WAIT);
}

/** Picks @layout for @target in the Targets tab and waits until it holds without an error notice. */
export async function pickLayout(page: Page, target: string, layout: string): Promise<void> {
  await showTab(page, 'targets');
  const picker = `tr[data-target="${target}"] [data-test=layout]`;
  await page.selectOption(picker, layout);
  await page.waitForFunction(
    ({ picker, layout }) =>
      document.querySelector<HTMLSelectElement>(picker)?.value === layout &&
      !document.querySelector('[data-test=notice].error'),
    { picker, layout },
    WAIT,
  );
}

/** Sends what the Composer holds and waits until it notes @note (e.g. "sent 1 to demo:echo"). */
export async function sendFromComposer(page: Page, note: string): Promise<void> {
  await page.click('[data-test=send]');
  await page.locator('[data-test=last-sent]', { hasText: note }).waitFor(WAIT);
}

/** Types @expression into the Traffic filter and applies it with Enter; '' shows everything again. */
export async function filterTraffic(page: Page, expression: string): Promise<void> {
  await page.fill('[data-test=filter] input', expression);
  await page.press('[data-test=filter] input', 'Enter');
}

/** Where Traffic shows how many messages are in its view. */
export const VIEW_TOTAL = '[data-test=view-total] b';

/** The number an element shows: its first run of digits (and thousands commas), or what @pattern captures; NaN if none. */
export async function shownNumber(page: Page, selector: string, pattern = /([\d,]+)/): Promise<number> {
  const text =
    (await page
      .locator(selector)
      .first()
      .textContent({ timeout: 1000 })
      .catch(() => null)) ?? '';
  return Number(pattern.exec(text)?.[1]?.replace(/,/g, '') ?? NaN);
}

/** Waits until the element shows @expected; fails saying what it showed last. */
export async function waitForNumber(
  page: Page,
  selector: string,
  expected: number,
  options: { timeout?: number; pattern?: RegExp } = {},
): Promise<void> {
  const timeout = options.timeout ?? WAIT.timeout;
  const until = Date.now() + timeout;
  let seen = NaN;
  while (Date.now() < until) {
    seen = await shownNumber(page, selector, options.pattern);
    if (seen === expected) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`${selector} shows ${seen} after ${timeout} ms, expected ${expected}`);
}

/** Sequential tests, one line each; a failing test does not stop the next. */
export class Suite {
  passed = 0;
  failed = 0;
  skipped = 0;

  async test(name: string, run: () => Promise<void>): Promise<boolean> {
    try {
      await run();
      this.passed++;
      console.log(`ok - ${name}`);
      return true;
    } catch (err) {
      this.failed++;
      const e = err as Error;
      console.log(`not ok - ${name}: ${(e.message ?? String(err)).replace(/\s+/g, ' ').trim().slice(0, 600)}`);
      return false;
    }
  }

  skip(name: string, reason: string): void {
    this.skipped++;
    console.log(`ok - ${name} # skip ${reason}`);
  }

  /** A test that cannot run because an earlier step failed: counted as failed. */
  blocked(name: string, why: string): void {
    this.failed++;
    console.log(`not ok - ${name}: not run: ${why}`);
  }
}

export function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}
