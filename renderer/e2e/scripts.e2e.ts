// Handler scripts end to end: in a temporary workspace, a script written in
// the Scripts tab (completion offering a layout's field while typing) runs on
// demo:echo and answers a message sent from the Composer — the answer in
// Traffic as tx, the script's log line in the log pane; then a runaway script
// is stopped with its reason and line while the Studio keeps answering.
import { readFileSync } from 'node:fs';
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

const EDITOR = '[data-test=script-editor] .cm-content';

// Answers type 7 with type 8 carrying the same bytes; type 8 is never
// answered, so the echo peer cannot make it loop. The last line is left
// open: the test types the rest with completion.
const ANSWER_HEAD = `import type { DecodedAs, ScriptContext, ScriptMessage } from 'kucomms:script';
import type { EchoMessage } from 'kucomms:layout/echo';

export function onMessage(msg: ScriptMessage<DecodedAs<EchoMessage>>, ctx: ScriptContext): void {
  console.log(\`script saw type \${msg.type} id \${msg.id}\`);
  if (msg.type !== 7n || !msg.decoded || msg.decoded.error) return;
  ctx.send({ type: 8n, id: msg.id }, msg.decoded.`;

const SPIN = `import type { ScriptMessage } from 'kucomms:script';

export function onMessage(msg: ScriptMessage): void {
  while (msg.type > 0n) {} // spins on any message but type 0
}
`;

const editorText = (page: Page): Promise<string> => page.locator(EDITOR).innerText();

async function sendRaw(page: Page, type: number, id: number): Promise<void> {
  await showTab(page, 'composer');
  await page.selectOption('[data-test=protocol]', '(raw)');
  await page.selectOption('[data-test=send-target]', 'demo:echo');
  await page.fill('#hdr-type', String(type));
  await page.fill('#hdr-id', String(id));
  await page.fill('textarea[data-path=data]', 'ca fe');
  await sendFromComposer(page, 'sent 1 to demo:echo');
}

/** Shows only the rows of @expression in Traffic and waits until there are @count. */
async function trafficShows(page: Page, expression: string, count: number): Promise<void> {
  await showTab(page, 'traffic');
  await filterTraffic(page, expression);
  await waitForNumber(page, VIEW_TOTAL, count);
}

async function newScript(page: Page, name: string): Promise<void> {
  await showTab(page, 'scripts');
  await page.click('[data-test=new-script]');
  await page.fill('[data-test=new-script-name]', name);
  await page.selectOption('[data-test=new-script-layout]', 'echo');
  await page.click('[data-test=create-script]');
  await page.waitForSelector(`[data-test=open-script]:has-text("scripts/${name}")`, WAIT);
}

/**
 * Accepts the open completion with Enter. CodeMirror ignores an accept within its interaction delay (75 ms)
 * of the list opening, so a key already on its way does not pick an option the user has not seen; a person
 * is slower than that, the test waits it out.
 */
async function acceptCompletion(page: Page): Promise<void> {
  await page.waitForTimeout(150);
  await page.keyboard.press('Enter');
}

export async function scriptsTests(suite: Suite): Promise<void> {
  const home = tempHome('scripts');
  let serve: Serving | undefined;
  let browser: Browser | undefined;
  try {
    const ok = await suite.test('scripts: serve starts with a temporary workspace', async () => {
      serve = await startServe(home);
    });
    if (!ok || !serve) return suite.blocked('handler scripts in Chromium', 'serve did not start');
    browser = await launchChromium();
    const pageErrors: string[] = [];
    const page = await newStudioPage(browser, pageErrors);
    await openStudio(page, serve.url);
    await connectTarget(page, 'demo:echo');

    await suite.test(
      'scripts: the editor is laid out in the served page (line numbers beside the text, not above it)',
      async () => {
        await newScript(page, 'layout-check.ts');
        const gutter = await page.locator('[data-test=script-editor] .cm-gutters').boundingBox();
        const content = await page.locator(EDITOR).boundingBox();
        check(gutter !== null && content !== null, 'the editor has no gutter or no content');
        check(
          gutter!.x + gutter!.width <= content!.x + 1 && Math.abs(gutter!.y - content!.y) < 20,
          `the gutter (${JSON.stringify(gutter)}) is not beside the text (${JSON.stringify(content)}): the editor's styles did not apply`,
        );
      },
    );

    const written = await suite.test(
      "scripts: a new script from the template; typing msg.decoded. offers the layout's fields; Ctrl+S saves it",
      async () => {
        await newScript(page, 'answer.ts');
        await page.waitForFunction(
          (sel) => document.querySelector(sel)?.textContent?.includes("from 'kucomms:layout/echo'") === true,
          EDITOR,
          WAIT,
        );
        await page.locator(EDITOR).fill(ANSWER_HEAD);
        await page.keyboard.press('Control+End');
        await page.keyboard.type('d');
        const option = page.locator('.cm-tooltip-autocomplete .cm-completionLabel', { hasText: /^data$/ });
        await option.waitFor(WAIT);
        await page.screenshot({ path: screenshotPath('scripts-completion') });
        await acceptCompletion(page);
        await page.keyboard.type('.');
        await option.waitFor(WAIT); // the echo layout's one field, `data`, is offered too
        await acceptCompletion(page);
        await page.keyboard.press('Escape');
        await page.keyboard.type(');');
        await page.keyboard.press('Enter');
        await page.keyboard.type('}');
        const text = await editorText(page);
        check(
          text.includes('ctx.send({ type: 8n, id: msg.id }, msg.decoded.data.data);'),
          `the completed line is not in the editor:\n${text}`,
        );
        check(await page.isVisible('[data-test=script-dirty]'), 'no unsaved marker after typing');
        await page.keyboard.press('Control+s');
        await page.waitForSelector('[data-test=script-dirty]', { state: 'detached', ...WAIT });
        const onDisk = readFileSync(path.join(home.workspace, 'scripts/answer.ts'), 'utf8');
        check(onDisk.includes('msg.decoded.data.data);'), `scripts/answer.ts on disk lacks the typed line:\n${onDisk}`);
        // The language service finds nothing wrong with it, once it has checked the text as it is now.
        await page.waitForSelector('[data-test=script-toolbar][data-checked=yes]', WAIT);
        check(
          (await page.locator('[data-test=script-error-count]').count()) === 0,
          `type errors shown: ${await page
            .locator('[data-test=script-error-count]')
            .textContent()
            .catch(() => '')}`,
        );
      },
    );

    const ran =
      written &&
      (await suite.test(
        "scripts: run on demo:echo; a type-7 message from the Composer is answered with type 8, in Traffic as tx, and the log shows the script's lines",
        async () => {
          check(
            (await page.inputValue('[data-test=script-target]')) === 'demo:echo',
            'the target picker does not offer demo:echo',
          );
          await page.keyboard.press('Control+Enter');
          await page.waitForSelector('[data-test=run-state]:has-text("running")', WAIT);
          await sendRaw(page, 7, 4242);
          await trafficShows(page, 'id == 4242 && type == 8', 2); // the answer and its echo
          await page.waitForSelector('[data-test=row][data-id="4242"] >> text=→ tx', WAIT);
          await filterTraffic(page, '');
          await showTab(page, 'scripts');
          await page.waitForSelector('[data-test=log-line]:text-is("script saw type 7 id 4242")', WAIT);
          await page.waitForSelector('[data-test=log-line]:text-is("script saw type 8 id 4242")', WAIT);
          await page.waitForSelector('[data-test=run-sends]:text-is("1")', WAIT);
          await page.screenshot({ path: screenshotPath('scripts-running') });
          await page.click('[data-test=stop-script]');
          await page.waitForSelector('[data-test=run-state]:has-text("stopped")', WAIT);
        },
      ));
    if (!ran) suite.blocked('scripts: the runaway script', 'the first script did not run');
    else
      await suite.test(
        'scripts: a runaway onMessage is stopped with its reason and line, shown in the editor on a click; the Composer and Traffic keep working meanwhile',
        async () => {
          await newScript(page, 'spin.ts');
          await page.locator(EDITOR).fill(SPIN);
          await page.click('[data-test=save-script]');
          await page.waitForSelector('[data-test=script-dirty]', { state: 'detached', ...WAIT });
          await page.click('[data-test=run-script]');
          await page.waitForSelector('[data-test=run-state]:has-text("running")', WAIT);
          await sendRaw(page, 5, 5151); // sets it spinning
          await sendRaw(page, 5, 5152); // the Studio still sends while it spins
          await trafficShows(page, 'id == 5152 && direction == "rx"', 1);
          await filterTraffic(page, '');
          await showTab(page, 'scripts');
          const stop = page.locator('[data-test=log-stop][data-reason=runaway]');
          await stop.waitFor(WAIT);
          const stopText = await stop.innerText();
          check(
            /spin\.ts:4: onMessage ran for more than \d+ ms and was stopped/.test(stopText),
            `the runaway reads "${stopText}"`,
          );
          check(
            (await page.innerText('[data-test=run-state]')).includes('runaway'),
            'the state badge does not say runaway',
          );
          await page.click('[data-test=log-location]');
          const active = await page.locator('[data-test=script-editor] .cm-activeLine').innerText();
          check(active.includes('while (msg.type > 0n)'), `the editor shows line "${active}", expected the loop`);
          await page.screenshot({ path: screenshotPath('scripts-runaway') });
          await sendRaw(page, 6, 6161); // and after it
          await trafficShows(page, 'id == 6161', 2);
          await filterTraffic(page, '');
          checkNoPageErrors(pageErrors);
        },
      );
  } finally {
    await browser?.close();
    await serve?.stop();
    home.remove();
  }
}
