// What the end-to-end tests stand on: the Studio's real processes
// (`kucomms-studio serve` and `agent`), Debian's Chromium driven by
// playwright-core, one line per test, and screenshots for people to look at.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOTS = path.join(REPO, 'test-output/screenshots');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
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
      reject(new Error(`kucomms-studio ${args.join(' ')} printed nothing matching ${ready} within ${timeoutMs} ms; it printed: ${out.trim() || '(nothing)'}`));
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

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
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
