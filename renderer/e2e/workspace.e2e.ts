// The workspace and the shell end to end: serve started with only a state
// folder opens its default workspace; another folder is opened through the
// dialog (a file is refused there, saying why); the theme goes dark, Traffic
// gets a filter; a layout written into the folder by another program shows
// in Protocols and the Composer without a reload; the shortcuts overlay and
// Alt+N work; then the backend is restarted with the same state folder and a
// fresh page finds the same workspace, tab, theme and filter. Screenshots of
// every view in both themes, the overlay and the dialog.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { TABS } from '../src/lib/tabs.ts';
import {
  check,
  checkNoPageErrors,
  connectTarget,
  LARGE_VIEWPORT,
  launchChromium,
  newStudioPage,
  openStudio,
  screenshotPath,
  screenshotSizes,
  showTab,
  SMALL_VIEWPORT,
  startServe,
  tempHome,
  WAIT,
  type Serving,
  type Suite,
} from './harness.ts';

const FILTER = 'type == 7 && direction == "tx"';
const PROBE_LAYOUT = `protocol: probe
doc: written by another editor while the Studio runs
header:
  type: { name: kind }
messages:
  - name: ping
    when: { type: 1 }
    fields:
      - { name: seq, type: u32 }
`;

/** A fresh page on the Studio, once it names its workspace in the top bar. */
async function openWorkspacePage(browser: Browser, url: string, pageErrors: string[]): Promise<Page> {
  const page = await newStudioPage(browser, pageErrors);
  await openStudio(page, url);
  await page.waitForSelector('[data-test=workspace-name]', WAIT);
  return page;
}

const theme = (page: Page): Promise<string | undefined> => page.evaluate(() => document.documentElement.dataset.theme);

/** Waits until the backend's state file holds @key = @value (written a moment after the change). */
async function waitForKept(stateFile: string, key: string, value: unknown): Promise<void> {
  for (const until = Date.now() + WAIT.timeout; Date.now() < until;) {
    try {
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { ui?: Record<string, unknown> };
      if (JSON.stringify(state.ui?.[key]) === JSON.stringify(value)) return;
    } catch {
      // not written yet
    }
    await sleep(100);
  }
  throw new Error(`the state file never kept ${key} = ${JSON.stringify(value)}: ${readFileSync(stateFile, 'utf8')}`);
}

async function screenshotViews(page: Page, themeName: string): Promise<void> {
  for (const t of TABS) {
    await showTab(page, t.id);
    await page.waitForTimeout(150);
    await screenshotSizes(page, `workspace-${t.id}-${themeName}`);
  }
}

export async function workspaceTests(suite: Suite): Promise<void> {
  const home = tempHome('workspace');
  // No --workspace: serve opens the workspace its state names, which the restart below relies on.
  const folders = { stateDir: home.stateDir };
  const stateFile = path.join(home.stateDir, 'state.json');
  const project = path.join(home.root, 'project');
  const notes = path.join(home.root, 'notes.txt');
  mkdirSync(project);
  writeFileSync(notes, 'not a folder\n');
  let serve: Serving | undefined;
  let browser: Browser | undefined;
  try {
    const started = await suite.test('workspace: serve starts with a state folder and no --workspace', async () => {
      serve = await startServe(folders);
    });
    if (!started || !serve) return suite.blocked('the workspace and the shell in Chromium', 'serve did not start');
    browser = await launchChromium();
    const pageErrors: string[] = [];
    let page = await openWorkspacePage(browser, serve.url, pageErrors);

    await suite.test(
      'workspace: the first start opens STATE-DIR/workspace, named in the top bar with its path on hover',
      async () => {
        check(
          (await page.textContent('[data-test=workspace-name]')) === 'workspace',
          `the top bar names ${await page.textContent('[data-test=workspace-name]')}`,
        );
        const title = (await page.getAttribute('[data-test=workspace-bar]', 'title')) ?? '';
        check(title.includes(path.join(home.stateDir, 'workspace')), `the tooltip is "${title}"`);
      },
    );

    const opened = await suite.test(
      'workspace: the dialog refuses a file with the reason, then opens a folder typed in',
      async () => {
        await page.keyboard.press('Control+o');
        await page.waitForSelector('[data-test=workspace-dialog]', WAIT);
        check(
          await page.evaluate(() => document.activeElement?.getAttribute('data-test') === 'workspace-path'),
          'the path field does not have the focus',
        );
        await page.fill('[data-test=workspace-path]', notes);
        await page.click('[data-test=workspace-open]');
        await page.waitForSelector('[data-test=workspace-error]:has-text("is a file, not a folder")', WAIT);
        await page.screenshot({ path: screenshotPath('workspace-dialog-error') });
        check(
          (await page.textContent('[data-test=workspace-name]')) === 'workspace',
          'a refused path changed the workspace',
        );
        await page.fill('[data-test=workspace-path]', project);
        await page.keyboard.press('Enter');
        await page.waitForSelector('[data-test=workspace-dialog]', { state: 'detached', ...WAIT });
        await page.waitForSelector('[data-test=workspace-name]:text-is("project")', WAIT);
        await page.click('[data-test=workspace-bar]');
        await page.waitForSelector('[data-test=workspace-recent]', WAIT);
        const recent = await page.locator('[data-test=workspace-recent] li').allTextContents();
        check(
          recent.length === 2 &&
            recent[0]!.includes(project) &&
            recent[1]!.includes(path.join(home.stateDir, 'workspace')),
          `recent: ${recent.join(' | ')}`,
        );
        await page.screenshot({ path: screenshotPath('workspace-dialog') });
        await page.keyboard.press('Escape');
        await page.waitForSelector('[data-test=workspace-dialog]', { state: 'detached', ...WAIT });
      },
    );

    await suite.test(
      'workspace: the shortcuts overlay opens with ?, lists the shortcuts by view, and closes with Escape',
      async () => {
        await page.keyboard.press('?');
        await page.waitForSelector('[data-test=help-overlay]', WAIT);
        const text = (await page.textContent('[data-test=help-overlay]')) ?? '';
        for (const needle of [
          'Everywhere',
          'Show Traffic',
          'Switch between the light and the dark theme',
          'Open a workspace folder',
        ])
          check(text.includes(needle), `the overlay lacks "${needle}": ${text}`);
        check(
          (await page.locator('[role=dialog][aria-modal=true]').count()) === 1,
          'the overlay is not a modal dialog',
        );
        await page.keyboard.press('Tab');
        await page.keyboard.press('Tab');
        check(
          await page.evaluate(() => document.activeElement?.closest('[role=dialog]') !== null),
          'Tab took the focus out of the overlay',
        );
        await page.screenshot({ path: screenshotPath('workspace-help-overlay') });
        await page.keyboard.press('Escape');
        await page.waitForSelector('[data-test=help-overlay]', { state: 'detached', ...WAIT });
      },
    );

    await suite.test(
      'workspace: at 1280×720 the shortcuts overlay shows every shortcut, the last one not cut off, without scrolling',
      async () => {
        await page.setViewportSize(SMALL_VIEWPORT);
        await page.keyboard.press('F1');
        await page.waitForSelector('[data-test=help-overlay]', WAIT);
        const box = (selector: string) =>
          page
            .locator(selector)
            .last()
            .evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect);
        const [dialog, body, last] = await Promise.all([
          box('[role=dialog]'),
          box('[role=dialog] .body'),
          box('[data-test=help-overlay] dd'),
        ]);
        check(
          dialog.bottom <= SMALL_VIEWPORT.height,
          `the overlay ends at y = ${dialog.bottom}, below the ${SMALL_VIEWPORT.height} px window`,
        );
        const shownTop = Math.max(body.top, dialog.top);
        const shownBottom = Math.min(body.bottom, dialog.bottom);
        check(
          last.top >= shownTop && last.bottom <= shownBottom,
          `the last shortcut (y ${last.top}..${last.bottom}) lies outside what the overlay shows (y ${shownTop}..${shownBottom}): it is cut off`,
        );
        const scrolls = await page.locator('[role=dialog] .body').evaluate((e) => e.scrollHeight > e.clientHeight);
        check(!scrolls, 'the overlay has to be scrolled to see every shortcut');
        await page.screenshot({ path: screenshotPath('workspace-help-overlay-1280x720') });
        await page.keyboard.press('Escape');
        await page.waitForSelector('[data-test=help-overlay]', { state: 'detached', ...WAIT });
        await page.setViewportSize(LARGE_VIEWPORT);
      },
    );

    await suite.test('workspace: Alt+N shows the N-th tab, for the first nine', async () => {
      // A digit key each: the views past the ninth are reached by their tabs.
      for (const [i, t] of TABS.slice(0, 9).entries()) {
        await page.keyboard.press(`Alt+${i + 1}`);
        await page.waitForSelector(`[data-tab=${t.id}][aria-selected=true]`, WAIT);
      }
    });

    await suite.test(
      'workspace: traffic to show in the screenshots (demo:echo connected, messages sent with Ctrl+Enter, a row selected)',
      async () => {
        await connectTarget(page, 'demo:echo');
        await showTab(page, 'composer');
        await page.fill('input[placeholder^="hex bytes"]', '01 02 03 04');
        await page.fill('#send-count', '6');
        await page.keyboard.press('Control+Enter'); // the Composer's shortcut for Send
        await showTab(page, 'traffic');
        await page.waitForSelector('[data-test=row][data-row="3"]', WAIT);
        await page.click('[data-test=row][data-row="3"]');
      },
    );

    await suite.test('workspace: Ctrl+Shift+L and the top bar button switch the theme', async () => {
      const before = await theme(page);
      check(before === 'light', `the page starts in ${before} (headless Chromium prefers light)`);
      await page.keyboard.press('Control+Shift+L');
      await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark', undefined, WAIT);
      await page.click('[data-test=theme-toggle]');
      await page.waitForFunction(() => document.documentElement.dataset.theme === 'light', undefined, WAIT);
      await screenshotViews(page, 'light');
      await page.click('[data-test=theme-toggle]');
      await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark', undefined, WAIT);
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      check(background !== 'rgb(245, 246, 248)', `the dark page still has the light background ${background}`);
      await screenshotViews(page, 'dark');
    });

    await suite.test(
      'workspace: a layout written into layouts/ by another program shows in Protocols and the Composer without a reload',
      async () => {
        if (!opened) throw new Error('the project folder was not opened');
        writeFileSync(path.join(project, 'layouts', 'probe.yaml'), PROBE_LAYOUT);
        await showTab(page, 'protocols');
        await page.waitForSelector('[data-layout="workspace:probe.yaml"]', WAIT);
        await showTab(page, 'composer');
        await page.waitForSelector('[data-test=protocol] option[value=probe]', { state: 'attached', ...WAIT });
      },
    );

    await suite.test('workspace: a Traffic filter is set (/ goes to the filter)', async () => {
      await showTab(page, 'traffic');
      await page.keyboard.press('/');
      await page.keyboard.type(FILTER);
      check(
        (await page.inputValue('[data-test=filter] input')) === FILTER,
        'what was typed after / is not in the filter box',
      );
      await page.keyboard.press('Enter');
      await page.waitForSelector('[data-test=view-total]:has-text("matching")', WAIT);
      await page.screenshot({ path: screenshotPath('workspace-traffic-filtered-dark') });
    });

    await suite.test(
      'workspace: after a restart of the backend a fresh page finds the same workspace, tab, theme and filter',
      async () => {
        await waitForKept(stateFile, 'traffic.filter', FILTER);
        await waitForKept(stateFile, 'app.tab', 'traffic');
        await waitForKept(stateFile, 'app.theme', 'dark');
        await page.close();
        await serve!.stop();
        serve = await startServe(folders);
        // The new URL has no #tab: the tab comes from the kept state.
        page = await openWorkspacePage(browser!, serve.url, pageErrors);
        await page.waitForSelector('[data-test=workspace-name]:text-is("project")', WAIT);
        await page.waitForSelector('[data-tab=traffic][aria-selected=true]', WAIT);
        check((await theme(page)) === 'dark', `the theme is ${await theme(page)}`);
        check(
          (await page.inputValue('[data-test=filter] input')) === FILTER,
          `the filter box holds "${await page.inputValue('[data-test=filter] input')}"`,
        );
        await page.waitForSelector('[data-test=view-total]:has-text("matching")', WAIT);
        await page.screenshot({ path: screenshotPath('workspace-after-restart') });
      },
    );

    await suite.test('workspace: no page errors', async () => {
      checkNoPageErrors(pageErrors);
    });
  } finally {
    await browser?.close();
    await serve?.stop();
    home.remove();
  }
}
