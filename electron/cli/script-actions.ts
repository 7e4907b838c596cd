// What kucomms-studio run-script does: a handler script attached to a target
// until it stops, is stopped or the duration ends. Loaded when it runs.
import { statSync } from 'node:fs';
import { ScriptRun, type ScriptStop } from '../services/scripts/script-host.ts';
import { EXIT } from './exit-codes.ts';
import { LIMITS, limitMessage } from '../shared/limits.ts';
import { CliError, interrupted } from './cli-support.ts';
import { openTarget } from './open-target.ts';

interface RunScriptOptions {
  duration?: number;
  runawayMs?: number;
  memoryMb?: number;
  layout?: string;
}

/** Refuses a script that is missing, not a file, or larger than a script may be, before anything starts. */
function checkScriptFile(file: string): void {
  const st = statSync(file);
  if (!st.isFile()) throw new CliError(`${file} is not a file: give a .ts, .mts, .js or .mjs module`, EXIT.USAGE);
  if (st.size > LIMITS.scriptBytes)
    throw new CliError(`${file} is ${st.size} bytes; ${limitMessage('a script', LIMITS.scriptBytes)}`, EXIT.USAGE);
}

export async function runScriptCommand(file: string, target: string, o: RunScriptOptions): Promise<number> {
  checkScriptFile(file);
  const ep = await openTarget(target);
  try {
    let run: ScriptRun;
    try {
      run = await ScriptRun.start(file, ep, {
        ...(o.runawayMs !== undefined ? { runawayMs: o.runawayMs } : {}),
        ...(o.memoryMb !== undefined ? { memoryMb: o.memoryMb } : {}),
        ...(o.layout !== undefined ? { layout: o.layout } : {}),
        output: (text) => process.stdout.write(text),
      });
    } catch (err) {
      const stop = (err as { stop?: ScriptStop }).stop;
      if (stop?.reason === 'layout') {
        // Every error of the layout, one file:line:column each, as gen and decode print them.
        process.stderr.write(`${stop.message}\nkucomms-studio: ${file} not started: layout ${o.layout} did not load\n`);
        return EXIT.LAYOUT;
      }
      process.stderr.write(`kucomms-studio: ${(err as Error).message}\n${stop?.stack ? `${stop.stack}\n` : ''}`);
      return EXIT.SCRIPT;
    }
    run.on('sendError', (err) =>
      process.stderr.write(`kucomms-studio: script send failed (${err.code}): ${err.message}\n`),
    );
    const ended = await Promise.race([
      run.finished,
      interrupted().then(() => 'signal' as const),
      ...(o.duration !== undefined
        ? [new Promise<'duration'>((r) => setTimeout(r, o.duration! * 1000, 'duration').unref())]
        : []),
    ]);
    const stop = typeof ended === 'string' ? await run.stop() : ended;
    const c = run.counts();
    process.stderr.write(
      `kucomms-studio: script ${stop.reason}: messages=${c.messages} work_calls=${c.workCalls} timer_calls=${c.timerCalls} ` +
        `work_skipped=${c.workSkipped} sends=${c.sends}\n`,
    );
    if (stop.reason === 'stopped') return EXIT.OK;
    process.stderr.write(`kucomms-studio: ${stop.message}\n${stop.stack ? `${stop.stack}\n` : ''}`);
    return EXIT.SCRIPT;
  } finally {
    await ep.close();
  }
}
