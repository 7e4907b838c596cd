// The Electron shell end to end with Playwright's _electron: start-up on the
// demo target and one send/echo. Skipped, with the reason, where there is no
// Electron binary (it is never downloaded here) or no display.
import path from 'node:path';
import { _electron } from 'playwright-core';
import { displayMissing, findElectronBinary } from '../../electron/main/electron-binary.ts';
import { REPO, check, screenshotPath, type Suite } from './harness.ts';

const NAME = 'electron: the app starts on demo:echo and one message comes back';

export async function electronTests(suite: Suite): Promise<void> {
  const binary = findElectronBinary();
  if (!binary.found) return suite.skip(NAME, binary.reason);
  const noDisplay = displayMissing();
  if (noDisplay) return suite.skip(NAME, noDisplay);
  await suite.test(NAME, async () => {
    const app = await _electron.launch({
      executablePath: binary.binary,
      args: [path.join(REPO, 'electron/main/entry.mjs')],
      cwd: REPO,
    });
    try {
      const page = await app.firstWindow();
      await page.waitForSelector('[data-test=connection].connected', { timeout: 30_000 });
      check((await page.innerText('[data-test=connection]')).includes('electron'), 'the status does not say electron');
      const connect = page.locator('tr[data-target="demo:echo"] button:has-text("Connect")');
      if (await connect.count()) await connect.click();
      await page.waitForSelector('tr[data-target="demo:echo"] .state.open', { timeout: 20_000 });
      await page.click('[data-tab=composer]');
      await page.selectOption('[data-test=send-target]', 'demo:echo');
      await page.fill('#hdr-id', '4242');
      await page.click('[data-test=send]');
      await page.click('[data-tab=traffic]');
      await page.waitForSelector('[data-test=row][data-id="4242"] >> text=← rx', { timeout: 20_000 });
      await page.screenshot({ path: screenshotPath('electron') });
    } finally {
      await app.close();
    }
  });
}
