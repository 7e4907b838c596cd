// What kucomms-studio capture, replay, export-pcapng and import-pcapng do.
// Loaded when one of them runs.
import type { Message } from '../shared/message.ts';
import { readCapture } from '../services/capture/reader.ts';
import { exportPcapng, importPcapng } from '../services/capture/pcapng.ts';
import { isDifferent, replay, type PairResult, type ReplaySpeed } from '../services/studio/replay/replay.ts';
import { CaptureWriter } from '../services/capture/writer.ts';
import { captureRecord } from '../services/capture/format.ts';
import type { Layout } from '../services/protocol/layout.ts';
import { loadLayoutOrReport, openRecords } from './protocol-actions.ts';
import { EXIT } from './exit-codes.ts';
import { interrupted, refuseOverwritingInput, say } from './cli-support.ts';
import { openSource, openTarget, type MessageSource } from './open-target.ts';

interface CaptureOptions {
  output: string;
  duration?: number;
  count?: number;
}

export async function captureCommand(targets: string[], o: CaptureOptions): Promise<number> {
  const endpoints: MessageSource[] = [];
  const writer = new CaptureWriter(o.output);
  let count = 0;
  let done: (why: 'count') => void = () => {};
  const reachedCount = new Promise<'count'>((resolve) => (done = resolve));
  try {
    for (const t of targets) {
      const ep = await openSource(t);
      endpoints.push(ep);
      ep.on('messages', (msgs: Message[]) => {
        for (const m of msgs) {
          if (o.count !== undefined && count >= o.count) return done('count');
          writer.write(captureRecord(m, t));
          count++;
        }
        if (o.count !== undefined && count >= o.count) done('count');
      });
    }
    say(`capturing ${targets.join(', ')} to ${o.output} (Ctrl-C to stop)`);
    await Promise.race([
      reachedCount,
      interrupted(),
      ...(o.duration !== undefined ? [new Promise((r) => setTimeout(r, o.duration! * 1000).unref())] : []),
    ]);
    return EXIT.OK;
  } finally {
    for (const ep of endpoints) await ep.close();
    writer.close();
    say(`captured ${count} message${count === 1 ? '' : 's'} to ${o.output}`);
  }
}

export async function exportCommand(input: string, o: { output: string; linktype: number }): Promise<number> {
  refuseOverwritingInput(input, o.output);
  let problems = 0;
  const n = await exportPcapng(
    readCapture(input, { onProblem: (p) => (problems++, say(`${input}: ${p.message}`)) }),
    o.output,
    { linktype: o.linktype },
  );
  say(`exported ${n} message${n === 1 ? '' : 's'} to ${o.output}`);
  return problems > 0 ? EXIT.DIFFERENT : EXIT.OK;
}

export async function importCommand(input: string, o: { output: string }): Promise<number> {
  refuseOverwritingInput(input, o.output);
  let problems = 0;
  // Created at the first record or the end: a file that is not pcapng at all throws before, and leaves @output as it was.
  let writer: CaptureWriter | undefined;
  const output = (): CaptureWriter => (writer ??= new CaptureWriter(o.output, { flushIntervalMs: 0 }));
  try {
    for await (const r of importPcapng(input, (p) => (problems++, say(`${input}: ${p.message}`)))) output().write(r);
    output();
  } finally {
    writer?.close();
  }
  const count = output().count;
  say(`imported ${count} message${count === 1 ? '' : 's'} to ${o.output}`);
  return problems > 0 ? EXIT.DIFFERENT : EXIT.OK;
}

function describe(m: Message): string {
  return `type=${m.type} id=${m.id} user_value=${m.userValue} length=${m.length}`;
}

function printResult(r: PairResult, json: boolean): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({
        status: r.status,
        index: r.index,
        captured: r.captured && { type: r.captured.type.toString(), id: r.captured.id.toString() },
        replayed: r.replayed && { type: r.replayed.type.toString(), id: r.replayed.id.toString() },
        diffs: r.diffs,
      })}\n`,
    );
    return;
  }
  if (r.status === 'same') return;
  if (r.status === 'missing')
    process.stdout.write(
      `reply ${r.index}: missing: the captured reply ${describe(r.captured!)} has no replayed counterpart\n`,
    );
  else if (r.status === 'unexpected')
    process.stdout.write(`unexpected reply ${r.index}: ${describe(r.replayed!)} has no captured counterpart\n`);
  else {
    process.stdout.write(
      `reply ${r.index}: ${r.diffs.length} difference${r.diffs.length === 1 ? '' : 's'} (captured ${describe(r.captured!)})\n`,
    );
    for (const d of r.diffs) process.stdout.write(`  ${d.path}: captured ${d.captured}, replayed ${d.replayed}\n`);
  }
}

interface ReplayCliOptions {
  layout?: string;
  from?: string;
  link?: string;
  direction: 'rx' | 'tx';
  speed: ReplaySpeed;
  volatile: string[];
  wait: number;
  record?: string;
  json: boolean;
}

export async function replayCommand(capture: string, target: string, o: ReplayCliOptions): Promise<number> {
  let layout: Layout | undefined;
  if (o.layout !== undefined) {
    layout = loadLayoutOrReport(o.layout);
    if (!layout) return EXIT.LAYOUT;
  }
  let problems = 0;
  let records;
  try {
    records = await openRecords(capture, (p) => (problems++, say(`${capture}: ${p.message}`)));
  } catch (err) {
    say((err as Error).message);
    return EXIT.USAGE;
  }
  if (!records) {
    say(`cannot read capture ${capture}`);
    return EXIT.USAGE;
  }
  if (o.record !== undefined) refuseOverwritingInput(capture, o.record);
  const ep = await openTarget(target);
  const writer = o.record === undefined ? undefined : new CaptureWriter(o.record);
  try {
    const summary = await replay(records, ep, {
      ...(layout ? { layout } : {}),
      ...(o.from !== undefined ? { from: o.from } : {}),
      ...(o.link !== undefined ? { link: o.link } : {}),
      ...(writer ? { record: writer } : {}),
      direction: o.direction,
      speed: o.speed,
      volatile: o.volatile,
      waitMs: o.wait,
      onResult: (r) => printResult(r, o.json),
    });
    const line = `replayed ${summary.sent} message${summary.sent === 1 ? '' : 's'} of ${summary.from || '(no target)'} into ${target}: ${summary.same} same, ${summary.different} different, ${summary.missing} missing, ${summary.unexpected} unexpected`;
    if (o.json) process.stdout.write(`${JSON.stringify({ summary })}\n`);
    else process.stdout.write(`${line}\n`);
    return isDifferent(summary) || problems > 0 ? EXIT.DIFFERENT : EXIT.OK;
  } catch (err) {
    say(`replay into ${target} failed: ${(err as Error).message}`);
    return EXIT.TARGET;
  } finally {
    writer?.close();
    await ep.close();
  }
}
