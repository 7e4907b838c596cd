// kucomms-studio capture, replay, export-pcapng and import-pcapng.
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Message } from '../shared/message.ts';
import { Endpoint } from '../services/endpoint.ts';
import { exportPcapng } from '../services/capture/pcapng.ts';
import { readCapture } from '../services/capture/reader.ts';
import { importPcapng } from '../services/capture/pcapng.ts';
import { isDifferent, replay, type PairResult, type ReplaySpeed } from '../services/capture/replay.ts';
import { CaptureWriter } from '../services/capture/writer.ts';
import { captureRecord } from '../services/capture/format.ts';
import type { Layout } from '../services/protocol/layout.ts';
import { EXIT_DIFFERENT, EXIT_LAYOUT, linktypeArg, loadLayoutOrReport, openRecords, type Runner } from './protocol-commands.ts';

const positive = (what: string) => (v: string): number => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected ${what} above 0`);
  return n;
};
const wholePositive = (what: string) => (v: string): number => {
  const n = positive(what)(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected ${what}: a whole number above 0`);
  return n;
};

const TARGET_FAILED = 1;
const USAGE = 2;

function say(message: string): void {
  process.stderr.write(`kucomms-studio: ${message}\n`);
}

async function openTarget(target: string): Promise<Endpoint | undefined> {
  try {
    return await Endpoint.open(target);
  } catch (err) {
    say((err as Error).message);
    return undefined;
  }
}

function whenInterrupted(): Promise<'signal'> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('signal'));
    process.once('SIGTERM', () => resolve('signal'));
  });
}

interface CaptureOptions {
  output: string;
  duration?: number;
  count?: number;
}

async function captureCommand(targets: string[], o: CaptureOptions): Promise<number> {
  const endpoints: Endpoint[] = [];
  const writer = new CaptureWriter(o.output);
  let count = 0;
  let done: (why: 'count') => void = () => {};
  const reachedCount = new Promise<'count'>((resolve) => (done = resolve));
  try {
    for (const t of targets) {
      const ep = await openTarget(t);
      if (!ep) return TARGET_FAILED;
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
      whenInterrupted(),
      ...(o.duration !== undefined ? [new Promise((r) => setTimeout(r, o.duration! * 1000).unref())] : []),
    ]);
    return 0;
  } finally {
    for (const ep of endpoints) await ep.close();
    writer.close();
    say(`captured ${count} message${count === 1 ? '' : 's'} to ${o.output}`);
  }
}

async function exportCommand(input: string, o: { output: string; linktype: number }): Promise<number> {
  let problems = 0;
  const n = await exportPcapng(readCapture(input, { onProblem: (p) => (problems++, say(`${input}: ${p.message}`)) }), o.output, { linktype: o.linktype });
  say(`exported ${n} message${n === 1 ? '' : 's'} to ${o.output}`);
  return problems > 0 ? EXIT_DIFFERENT : 0;
}

async function importCommand(input: string, o: { output: string }): Promise<number> {
  let problems = 0;
  const writer = new CaptureWriter(o.output, { flushIntervalMs: 0 });
  try {
    for await (const r of importPcapng(input, (p) => (problems++, say(`${input}: ${p.message}`)))) writer.write(r);
  } finally {
    writer.close();
  }
  say(`imported ${writer.count} message${writer.count === 1 ? '' : 's'} to ${o.output}`);
  return problems > 0 ? EXIT_DIFFERENT : 0;
}

const speedArg = (v: string): ReplaySpeed => {
  if (v === 'max') return { kind: 'max' };
  if (v === 'original') return { kind: 'timed', factor: 1 };
  const factor = Number(v);
  if (!(factor > 0) || !Number.isFinite(factor)) throw new InvalidArgumentError('expected original, max, or a speed factor above 0 (2 = twice as fast)');
  return { kind: 'timed', factor };
};

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
  if (r.status === 'missing') process.stdout.write(`reply ${r.index}: missing: the captured reply ${describe(r.captured!)} has no replayed counterpart\n`);
  else if (r.status === 'unexpected') process.stdout.write(`unexpected reply ${r.index}: ${describe(r.replayed!)} has no captured counterpart\n`);
  else {
    process.stdout.write(`reply ${r.index}: ${r.diffs.length} difference${r.diffs.length === 1 ? '' : 's'} (captured ${describe(r.captured!)})\n`);
    for (const d of r.diffs) process.stdout.write(`  ${d.path}: captured ${d.captured}, replayed ${d.replayed}\n`);
  }
}

interface ReplayCliOptions {
  layout?: string;
  from?: string;
  direction: 'rx' | 'tx';
  speed: ReplaySpeed;
  volatile: string[];
  wait: number;
  record?: string;
  json: boolean;
}

async function replayCommand(capture: string, target: string, o: ReplayCliOptions): Promise<number> {
  let layout: Layout | undefined;
  if (o.layout !== undefined) {
    layout = loadLayoutOrReport(o.layout);
    if (!layout) return EXIT_LAYOUT;
  }
  let problems = 0;
  let records;
  try {
    records = await openRecords(capture, (p) => (problems++, say(`${capture}: ${p.message}`)));
  } catch (err) {
    say((err as Error).message);
    return USAGE;
  }
  if (!records) {
    say(`cannot read capture ${capture}`);
    return USAGE;
  }
  const ep = await openTarget(target);
  if (!ep) return TARGET_FAILED;
  const writer = o.record === undefined ? undefined : new CaptureWriter(o.record);
  try {
    const summary = await replay(records, ep, {
      ...(layout ? { layout } : {}),
      ...(o.from !== undefined ? { from: o.from } : {}),
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
    return isDifferent(summary) || problems > 0 ? EXIT_DIFFERENT : 0;
  } catch (err) {
    say(`replay into ${target} failed: ${(err as Error).message}`);
    return TARGET_FAILED;
  } finally {
    writer?.close();
    await ep.close();
  }
}

export function registerCaptureCommands(p: Command, run: Runner): void {
  p.command('capture')
    .description('record every message to and from the targets into a capture file, until interrupted')
    .argument('<targets...>', 'e.g. demo:echo /dev/kucomms_echo')
    .requiredOption('-o, --output <file>', 'the capture file to write (.kucap)')
    .addOption(new Option('--duration <seconds>', 'stop after this long').argParser(positive('a number of seconds')))
    .addOption(new Option('--count <n>', 'stop after n messages').argParser(wholePositive('a count')))
    .action(run(captureCommand));

  p.command('replay')
    .description(`send one direction of a capture into a target and compare the replies with the captured ones, field by field; exit ${EXIT_DIFFERENT} when they differ`)
    .argument('<capture>', 'a capture file (.kucap or pcapng)')
    .argument('<target>', 'where to replay, e.g. demo:echo')
    .option('--layout <file>', 'decode with this layout (pairs replies by its reply rule; field-level differences)')
    .option('--from <target>', "the captured target whose traffic to replay (default: the capture's first)")
    .addOption(new Option('--direction <dir>', 'the captured direction to send').choices(['tx', 'rx']).default('tx'))
    .addOption(new Option('--speed <s>', 'original (captured timing), max, or a factor (2 = twice as fast)').argParser(speedArg).default({ kind: 'timed', factor: 1 }, 'original'))
    .option('--volatile <path>', 'ignore this field when comparing (repeatable), e.g. data.seconds, header.user_value', (v: string, all: string[]) => [...all, v], [] as string[])
    .addOption(new Option('--wait <ms>', 'how long to wait for missing replies after the last send').argParser(wholePositive('milliseconds')).default(1000))
    .option('--record <file>', 'also record the replay session to this capture file')
    .option('--json', 'one JSON object per reply, then the summary', false)
    .action(run(replayCommand));

  p.command('export-pcapng')
    .description('convert a capture to pcapng for Wireshark and tshark (see gen lua)')
    .argument('<capture>', 'a .kucap file')
    .requiredOption('-o, --output <file>', 'the pcapng file to write')
    .addOption(new Option('--linktype <n>', 'LINKTYPE_USER number, 147 (USER0) to 162').argParser(linktypeArg).default(147))
    .action(run(exportCommand));

  p.command('import-pcapng')
    .description('convert a pcapng file exported by the Studio (and maybe edited) back to a capture')
    .argument('<pcapng>')
    .requiredOption('-o, --output <file>', 'the capture file to write (.kucap)')
    .action(run(importCommand));
}
