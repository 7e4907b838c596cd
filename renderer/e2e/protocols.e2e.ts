// The layout workbench end to end: a new layout defined in the form (kinds,
// fields of several types) shows as valid YAML, is saved into a temporary
// workspace, picked for demo:echo, composed and sent from, and decoded in
// Traffic; then broken in the YAML editor, where every error shows inline
// and in the list with its line and column.
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
  pickLayout,
  screenshotPath,
  screenshotSizes,
  SMALL_VIEWPORT,
  LARGE_VIEWPORT,
  sendFromComposer,
  showTab,
  startServe,
  tempHome,
  WAIT,
  type Serving,
  type Suite,
} from './harness.ts';

/** Types into a form input and commits it (the form applies an edit when the input changes). */
async function commit(page: Page, selector: string, value: string): Promise<void> {
  await page.fill(selector, value);
  await page.press(selector, 'Enter');
}

const yamlText = (page: Page): Promise<string> => page.locator('[data-test=layout-yaml] .cm-content').innerText();

/** Replaces the YAML editor's text as typing would (select all, then insert). */
async function replaceYaml(page: Page, text: string): Promise<void> {
  await page.click('[data-test=layout-yaml] .cm-content');
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(text);
}

async function waitForYaml(page: Page, needle: string): Promise<void> {
  await page.waitForFunction(
    (n) => document.querySelector('[data-test=layout-yaml] .cm-content')?.textContent?.includes(n) === true,
    needle,
    WAIT,
  );
}

export async function protocolsTests(suite: Suite): Promise<void> {
  const home = tempHome('protocols');
  const workspace = home.workspace;
  let serve: Serving | undefined;
  let browser: Browser | undefined;
  try {
    const ok = await suite.test('protocols: serve starts with a temporary workspace', async () => {
      serve = await startServe(home);
    });
    if (!ok || !serve) return suite.blocked('the layout workbench in Chromium', 'serve did not start');
    browser = await launchChromium();
    const pageErrors: string[] = [];
    const page = await newStudioPage(browser, pageErrors);
    await openStudio(page, serve.url);

    const defined = await suite.test(
      'protocols: a new layout defined in the form (a kind; integer, string, bool, float and array fields) is valid YAML',
      async () => {
        await showTab(page, 'protocols');
        await page.waitForSelector('[data-layout="builtin:echo.yaml"]', WAIT);
        await page.click('[data-test=new-layout]');
        await page.fill('[data-test=new-layout-name]', 'sensor.yaml');
        await page.click('[data-test=create-layout]');
        await page.waitForSelector('[data-test=open-layout]:has-text("layouts/sensor.yaml")', WAIT);
        await waitForYaml(page, 'protocol: sensor');

        await page.click('[data-test=add-kind]');
        const kind = '[data-test=form-kinds] [data-kind-index="1"]';
        await page.waitForSelector(kind, WAIT);
        await commit(page, `${kind} [data-test=kind-name]`, 'reading');
        await commit(page, `${kind} [data-test=when-type]`, '2');
        const field = (i: number) => `${kind} [data-field="messages.1.fields.${i}"]`;
        const addField = async (i: number, name: string, type: string): Promise<void> => {
          await page.click(`${kind} [data-test=add-field]`);
          await page.waitForSelector(field(i), WAIT);
          await commit(page, `${field(i)} [data-test=field-name]`, name);
          await page.selectOption(`${field(i)} [data-test=field-type]`, type);
        };
        await addField(0, 'celsius', 's16');
        await addField(1, 'label', 'string');
        await page.selectOption(`${field(1)} [data-test=length-size] [data-test=length-mode]`, 'prefix');
        await page.selectOption(`${field(1)} [data-test=length-size] [data-test=length-prefix]`, 'u8');
        await addField(2, 'healthy', 'bool');
        await addField(3, 'ratio', 'f32');
        await addField(4, 'samples', 'u16');
        await page.selectOption(`${field(4)} [data-test=length-array] [data-test=length-mode]`, 'fixed');
        await commit(page, `${field(4)} [data-test=length-array] [data-test=length-value]`, '3');

        await waitForYaml(page, 'samples');
        const yaml = await yamlText(page);
        for (const line of [
          '- name: reading',
          'when: { type: 2 }',
          '{ name: celsius, type: s16 }',
          '{ name: label, type: string, size: { prefix: u8 } }',
          '{ name: healthy, type: bool }',
          '{ name: ratio, type: f32 }',
          '{ name: samples, type: u16, count: 3 }',
        ])
          check(yaml.includes(line), `the YAML lacks "${line}":\n${yaml}`);
        await page.waitForSelector('[data-test=layout-errors] >> text=No errors.', WAIT);
        check((await page.locator('[data-test=error-count]').count()) === 0, 'the layout shows errors');
        check(await page.isVisible('[data-test=dirty]'), 'no unsaved marker after edits');
        await page.selectOption('[data-test=preview-kind]', 'reading');
        // 32 header bytes + s16 + u8 prefix + bool + f32 + 3 x u16
        await page.waitForSelector('[data-test=layout-preview] >> text=46 bytes', WAIT);
        await page.hover('[data-test=layout-preview] [data-path="data.ratio"]');
        const lit = await page.locator('[data-test=layout-preview] [data-test=hexdump] .hex .hl').count();
        check(lit === 4, `hovering ratio lights ${lit} bytes, expected 4`);
        await page.screenshot({ path: screenshotPath('protocols-form') });
      },
    );

    const saved =
      defined &&
      (await suite.test(
        'protocols: Ctrl+S saves the layout into the workspace; the generated code follows it',
        async () => {
          await page.click('[data-test=form-protocol]');
          await page.keyboard.press('Control+s');
          await page.waitForSelector('[data-test=dirty]', { state: 'detached', ...WAIT });
          const onDisk = readFileSync(path.join(workspace, 'layouts/sensor.yaml'), 'utf8');
          check(
            onDisk.includes('name: reading') && onDisk.includes('A kucomms protocol layout'),
            `layouts/sensor.yaml is not the edited layout:\n${onDisk}`,
          );
          await page.click('[data-test=layout-code] [data-lang=lua]');
          await page.waitForSelector('[data-test=code-file]:has-text("kucomms_sensor.lua")', WAIT);
          await page.waitForFunction(
            () =>
              document
                .querySelector('[data-test=layout-code] .cm-content')
                ?.textContent?.includes('kucomms_sensor.reading.celsius') === true,
            undefined,
            WAIT,
          );
          await page.screenshot({ path: screenshotPath('protocols-code') });
          await page.click('[data-test=layout-code] [data-lang=c]');
          await page.waitForSelector('[data-test=code-file]:has-text("sensor_layout.h")', WAIT);
        },
      ));

    if (saved)
      await suite.test(
        'protocols: the saved layout on demo:echo — composed, sent and decoded in Traffic with its field values',
        async () => {
          await connectTarget(page, 'demo:echo');
          await pickLayout(page, 'demo:echo', 'sensor');
          await showTab(page, 'composer');
          await page.selectOption('[data-test=protocol]', 'sensor');
          await page.selectOption('[data-test=kind]', 'reading');
          await page.selectOption('[data-test=send-target]', 'demo:echo');
          await page.fill('#hdr-id', '5150');
          await page.fill('[data-path="data.celsius"]', '-12');
          await page.fill('[data-path="data.label"]', 'lab');
          await page.fill('[data-path="data.ratio"]', '0.5');
          await sendFromComposer(page, 'sent 1 to demo:echo');
          await showTab(page, 'traffic');
          await filterTraffic(page, 'target == "demo:echo" && id == 5150 && direction == "rx"');
          const row = '[data-test=row][data-id="5150"]';
          await page.waitForSelector(`${row} >> text=← rx`, WAIT);
          const text = await page.innerText(row);
          for (const part of ['reading', 'celsius=-12', 'label="lab"', 'ratio=0.5', 'samples=[0, 0, 0]'])
            check(text.includes(part), `the echoed row reads "${text}", expected ${part}`);
        },
      );
    else
      suite.blocked('protocols: the saved layout composed, sent and decoded', 'the layout was not defined and saved');

    await suite.test(
      'protocols: breaking the layout in the YAML editor shows every error inline and listed with line:column',
      async () => {
        await showTab(page, 'protocols');
        await page.click('[data-layout="workspace:sensor.yaml"]');
        await waitForYaml(page, 'protocol: sensor');
        // From the saved file: the editor's DOM holds only the lines in view.
        const broken = readFileSync(path.join(workspace, 'layouts/sensor.yaml'), 'utf8')
          .replace('type: s16', 'type: s12')
          .replace('type: f32', 'type: f32, colour: red');
        await replaceYaml(page, broken);
        await page.waitForSelector('[data-test=error-count]:has-text("2 errors")', WAIT);
        const lines = broken.split('\n');
        const at = (needle: string): string => {
          const i = lines.findIndex((l) => l.includes(needle));
          return `${i + 1}:${lines[i]!.indexOf(needle) + 1}`;
        };
        const listed = await page.locator('[data-test=layout-error] .at').allInnerTexts();
        check(
          JSON.stringify(listed) === JSON.stringify([at('s12'), at('colour')]),
          `the errors are listed at ${listed.join(', ')}, expected ${at('s12')}, ${at('colour')}`,
        );
        await page.waitForFunction(
          () => document.querySelectorAll('[data-test=layout-yaml] .cm-lintRange-error').length === 2,
          undefined,
          WAIT,
        );
        await page.click('[data-test=layout-error] >> nth=1');
        await page.screenshot({ path: screenshotPath('protocols-errors') });
        // YAML that does not parse: the form says so and keeps its last state.
        await replaceYaml(page, `${broken}messages: [oops\n`);
        await page.waitForSelector('[data-test=form-cannot-follow]', WAIT);
        check(
          (await page.inputValue('[data-test=form-kinds] [data-kind-index="1"] [data-test=kind-name]')) === 'reading',
          'the form lost its state while the YAML did not parse',
        );
        checkNoPageErrors(pageErrors);
      },
    );

    await suite.test(
      'protocols: a shipped layout says it is read-only and its fields look it; the drop-downs say what they choose',
      async () => {
        await page.click('[data-layout="builtin:telemetry.yaml"]');
        await page.waitForSelector('[data-test=open-layout]:has-text("protocols/telemetry.yaml")', WAIT);
        const banner = await page.innerText('[data-test=read-only-banner]');
        check(banner.includes('Duplicate to workspace'), `the banner reads "${banner}"`);
        // The theme's colours as the page computes them (a probe element takes each variable in turn).
        const colours = await page.evaluate(() => {
          const probe = document.createElement('div');
          document.body.append(probe);
          const [panel, bg] = ['--panel', '--bg'].map((v) => {
            probe.style.background = `var(${v})`;
            return getComputedStyle(probe).backgroundColor;
          });
          probe.remove();
          return { field: getComputedStyle(document.querySelector('#lf-protocol')!).backgroundColor, panel, bg };
        });
        check(
          colours.field !== colours.panel && colours.field === colours.bg,
          `a read-only field's background is ${colours.field} (editable fields: ${colours.panel})`,
        );
        const endian = await page.locator('[data-test=field-endian] option').first().innerText();
        const meaning = await page.locator('[data-test=field-meaning] option').first().innerText();
        check(
          endian === 'byte order: the layout’s' && meaning === 'a plain number',
          `the drop-downs read "${endian}" and "${meaning}"`,
        );
        await screenshotSizes(page, 'protocols-shipped');
      },
    );

    await suite.test(
      "protocols: at 1280×720 the generated code's Copy and Save buttons lie inside its panel",
      async () => {
        await page.setViewportSize(SMALL_VIEWPORT);
        const box = (selector: string) =>
          page.locator(selector).evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect);
        const [panel, save] = await Promise.all([box('[data-test=layout-code]'), box('[data-test=save-code]')]);
        await page.setViewportSize(LARGE_VIEWPORT);
        check(
          save.right <= panel.right && save.bottom <= panel.bottom,
          `Save ends at x ${save.right}, y ${save.bottom}; its panel at x ${panel.right}, y ${panel.bottom}`,
        );
      },
    );

    await suite.test(
      'protocols: the sample message shows whole values (the dump goes under the tree when both do not fit)',
      async () => {
        await page.click('[data-layout="builtin:telemetry.yaml"]');
        await page.selectOption('[data-test=preview-kind]', 'info');
        await page.waitForSelector('[data-test=layout-preview] >> text=61 bytes', WAIT);
        for (const size of [LARGE_VIEWPORT, SMALL_VIEWPORT]) {
          await page.setViewportSize(size);
          const cut = await page
            .locator('[data-test=layout-preview] .node .value')
            .evaluateAll((values) => values.filter((v) => v.scrollWidth > v.clientWidth + 1).map((v) => v.textContent));
          check(cut.length === 0, `at ${size.width}×${size.height} these values are cut short: ${cut.join(', ')}`);
        }
        await page.setViewportSize(LARGE_VIEWPORT);
        await screenshotSizes(page, 'protocols-sample');
      },
    );

    await suite.test(
      'protocols: the generated code enlarges over the view and back (Restore, Escape), Save still in reach',
      async () => {
        const box = (selector: string) =>
          page.locator(selector).evaluate((e) => e.getBoundingClientRect().toJSON() as DOMRect);
        const before = await box('[data-test=layout-code]');
        await page.click('[data-test=enlarge-code]');
        await page.waitForSelector('[data-test=layout-code][data-enlarged=true]', WAIT);
        const [big, view, save] = await Promise.all([
          box('[data-test=layout-code]'),
          page.evaluate(() => ({ width: innerWidth, height: innerHeight })),
          box('[data-test=save-code]'),
        ]);
        check(
          big.width > view.width * 0.9 && big.height > view.height * 0.8 && big.width > before.width * 2,
          `enlarged it is ${big.width}×${big.height} in a ${view.width}×${view.height} window (it was ${before.width}×${before.height})`,
        );
        check(save.right <= big.right && save.bottom <= big.bottom, 'Save lies outside the enlarged panel');
        await screenshotSizes(page, 'protocols-code-enlarged');
        await page.click('[data-test=enlarge-code]');
        await page.waitForSelector('[data-test=layout-code][data-enlarged=false]', WAIT);
        await page.click('[data-test=enlarge-code]');
        await page.click('[data-test=layout-code] .cm-content');
        await page.keyboard.press('Escape');
        await page.waitForSelector('[data-test=layout-code][data-enlarged=false]', WAIT);
      },
    );

    await suite.test(
      'protocols: a long YAML line wraps instead of scrolling the editor sideways, in this file and the next',
      async () => {
        await page.click('[data-layout="workspace:sensor.yaml"]');
        await waitForYaml(page, 'protocol: sensor');
        await page.click('[data-test=layout-yaml] .cm-content');
        await page.keyboard.press('Control+End');
        await page.keyboard.insertText(`# ${'a long comment '.repeat(30)}END`);
        const sideways = () =>
          page.locator('[data-test=layout-yaml] .cm-scroller').evaluate((s) => ({
            left: s.scrollLeft,
            overflow: s.scrollWidth - s.clientWidth,
          }));
        const here = await sideways();
        check(here.left === 0 && here.overflow <= 1, `the editor scrolled sideways: ${JSON.stringify(here)}`);
        await page.click('[data-layout="builtin:telemetry.yaml"]');
        await waitForYaml(page, 'protocol: telemetry');
        const next = await sideways();
        check(next.left === 0 && next.overflow <= 1, `the next file opens scrolled sideways: ${JSON.stringify(next)}`);
        const first = await page.locator('[data-test=layout-yaml] .cm-line').first().boundingBox();
        const editor = await page.locator('[data-test=layout-yaml]').boundingBox();
        check(first!.x >= editor!.x, 'the first line starts left of the editor');
      },
    );
  } finally {
    await browser?.close();
    await serve?.stop();
    home.remove();
  }
}
