// kucomms-studio: the Studio's command-line front end, over the same
// services as the desktop app.
import { readFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { isNote, u64Input, type Message, type SendHeader } from '../shared/message.ts';
import type { KucommsError } from '../services/endpoint.ts';
import { TargetsService } from '../services/studio/targets/targets.ts';
import { stopAllDemoPeers } from '../services/demo-peers.ts';
import { EXIT, EXIT_HELP } from './exit-codes.ts';
import { formatMessage, formatMessageJson } from './format.ts';
import { registerProtocolCommands } from './protocol-commands.ts';
import { CliError, interrupted, isSystemError, lazy, oneLine, reportInternalError, say } from './cli-support.ts';
import { InputError } from '../services/input-error.ts';
import { MONITOR_TARGETS_HELP, openSendTarget, openSource } from './open-target.ts';
import { parseHexBytes } from '../services/hex-bytes.ts';
import { STUDIO_VERSION } from '../services/version.ts';
import { registerCaptureCommands } from './capture-commands.ts';
import { registerServeCommands } from './serve-commands.ts';
import { registerSuiteCommands } from './suite-commands.ts';
import { registerWireshark } from './wireshark-commands.ts';
import { registerFuzzCommands } from './fuzz-commands.ts';

function parseWith<T>(schema: z.ZodType<T>, what: string) {
  return (value: string): T => {
    const r = schema.safeParse(value);
    if (!r.success) throw new InvalidArgumentError(`${what}: ${r.error.issues.map((i) => i.message).join('; ')}`);
    return r.data;
  };
}

const u64Arg = parseWith(u64Input, 'expected a u64 (decimal or 0x hex)');
/** A u64 option defaulting to 0; the default is shown as text, since help cannot print a BigInt. */
const u64Option = (flags: string, description: string): Option =>
  new Option(flags, description).argParser(u64Arg).default(0n, '0');
const countArg = parseWith(z.coerce.number().int().min(1), 'expected a whole number of at least 1');
const secondsArg = parseWith(z.coerce.number().positive(), 'expected a number of seconds above 0');
const msArg = parseWith(z.coerce.number().int().positive(), 'expected a whole number of milliseconds above 0');
const hexArg = (value: string): Buffer => {
  const bytes = parseHexBytes(value);
  if (typeof bytes === 'string')
    throw new InvalidArgumentError(`expected hex bytes (00ff, 00 ff, 00:ff, 0x00 0xff): ${bytes}`);
  return bytes;
};

function printer(json: boolean): (m: Message) => void {
  return (m) => process.stdout.write(`${json ? formatMessageJson(m) : formatMessage(m)}\n`);
}

interface SendOptions {
  type: bigint;
  id: bigint;
  userValue: bigint;
  data?: string;
  hex?: Buffer;
  file?: string;
  count: number;
  reply?: number;
  record?: string;
  json: boolean;
}

async function sendCommand(target: string, o: SendOptions): Promise<number> {
  const given = [o.data, o.hex, o.file].filter((v) => v !== undefined).length;
  if (given > 1) throw new CliError('give at most one of --data, --hex and --file', EXIT.USAGE);
  const data =
    o.hex !== undefined
      ? o.hex
      : o.file !== undefined
        ? await readFile(o.file).catch((err: Error) => {
            throw new CliError(`cannot read --file: ${err.message}`, EXIT.USAGE);
          })
        : Buffer.from(o.data ?? '', 'utf8');
  // Opened first: a file that cannot be written fails the command before anything is sent.
  const recorder = o.record !== undefined ? await sessionRecorder(o.record, target) : undefined;
  const ep = await openSendTarget(target);
  try {
    const header: SendHeader = { type: o.type, id: o.id, userValue: o.userValue };
    const replies: Message[] = [];
    let sentSeen = 0;
    ep.on('messages', (msgs) => {
      for (const m of msgs) {
        recorder?.write(m);
        if (m.direction === 'rx') replies.push(m);
        else sentSeen++;
      }
    });
    try {
      if (o.count === 1) ep.send(header, data);
      else await ep.sendBurst(o.count, header, data);
    } catch (err) {
      throw new CliError(
        `send to ${target} failed (${(err as KucommsError).code}): ${(err as Error).message}`,
        EXIT.TARGET,
      );
    }
    // What was sent reaches the recording as the endpoint reports it, a moment after the send.
    if (recorder) await waitUntil(() => sentSeen >= o.count, RECORD_SENT_WAIT_MS);
    if (o.reply === undefined) return EXIT.OK;
    await waitUntil(() => replies.length >= o.count, o.reply);
    replies.forEach(printer(o.json));
    if (replies.length < o.count) {
      process.stderr.write(
        `kucomms-studio: ${replies.length} of ${o.count} replies from ${target} within ${o.reply} ms\n`,
      );
      return EXIT.TIMEOUT;
    }
    return EXIT.OK;
  } finally {
    await ep.close();
    recorder?.close();
  }
}

/** How long a sent message may take to be reported back for --record (it takes microseconds). */
const RECORD_SENT_WAIT_MS = 10_000;

/** Resolves once @done() holds or @ms have passed, whichever is first. */
async function waitUntil(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

/** A capture file taking every message of @target, sent and received; says where it went when closed. */
async function sessionRecorder(file: string, target: string): Promise<{ write(m: Message): void; close(): void }> {
  const [{ CaptureWriter }, { captureRecord }] = await Promise.all([
    import('../services/capture/writer.ts'),
    import('../services/capture/format.ts'),
  ]);
  const writer = new CaptureWriter(file);
  return {
    write: (m) => writer.write(captureRecord(m, target)),
    close: () => {
      writer.close();
      say(`recorded ${writer.count} message${writer.count === 1 ? '' : 's'} to ${file}`);
    },
  };
}

interface ListenOptions {
  json: boolean;
  count?: number;
  timeout?: number;
  sent: boolean;
}

async function listenCommand(target: string, o: ListenOptions): Promise<number> {
  const ep = await openSource(target);
  const print = printer(o.json);
  let seen = 0;
  let down: KucommsError | undefined;
  try {
    const outcome = await new Promise<'count' | 'timeout' | 'signal' | 'down'>((resolve) => {
      ep.on('messages', (msgs) => {
        for (const m of msgs) {
          // A monitor shows both directions of the links it watches: this side sends nothing.
          if (m.direction === 'tx' && !o.sent && !m.origin) continue;
          if (o.count !== undefined && seen >= o.count) break;
          print(m);
          // A monitor's drops and events are printed where they happened, not counted as messages.
          if (!isNote(m)) seen++;
        }
        if (o.count !== undefined && seen >= o.count) resolve('count');
      });
      ep.on('down', (err) => {
        down = err;
        resolve('down');
      });
      if (o.timeout !== undefined) setTimeout(resolve, o.timeout * 1000, 'timeout').unref();
      void interrupted().then(() => resolve('signal'));
    });
    if (outcome === 'down') throw new CliError(`${target}: ${down?.message ?? 'link down'}`, EXIT.TARGET);
    if (outcome === 'timeout' && o.count !== undefined) {
      process.stderr.write(`kucomms-studio: ${seen} of ${o.count} messages from ${target} within ${o.timeout} s\n`);
      return EXIT.TIMEOUT;
    }
    return EXIT.OK;
  } finally {
    await ep.close();
  }
}

async function targetsCommand(o: { json: boolean }): Promise<number> {
  const targets = await new TargetsService().list();
  for (const t of targets)
    process.stdout.write(o.json ? `${JSON.stringify(t)}\n` : `${t.target.padEnd(32)} ${t.description}\n`);
  return EXIT.OK;
}

function program(setExit: (code: number) => void): Command {
  const p = new Command('kucomms-studio')
    .description(
      'Talk to kucomms targets: /dev/kucomms_NAME devices, shm:NAME peers, demo:echo and demo:longtest; watch links with monitor:/dev/kucomms_NAME, monitor:/dev/kucomms and monitor:shm:NAME',
    )
    .version(STUDIO_VERSION, '-V, --version', 'print the version and exit')
    .addHelpText('after', EXIT_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> =>
      setExit(await fn(...args));

  p.command('targets')
    .description('list the targets that can be opened')
    .option('--json', 'one JSON object per line', false)
    .action(run(targetsCommand));

  p.command('send')
    .description('send a message (or --count copies, ids counting up) to a target')
    .argument('<target>', 'e.g. demo:echo, shm:NAME, /dev/kucomms_NAME')
    .addOption(u64Option('--type <u64>', 'message type'))
    .addOption(u64Option('--id <u64>', 'message id (the first, with --count)'))
    .addOption(u64Option('--user-value <u64>', 'user value'))
    .option('--data <text>', 'data as UTF-8 text')
    .option('--hex <bytes>', 'data as hex bytes: 00ff, "00 ff", 00:ff or "0x00 0xff"', hexArg)
    .option('--file <path>', 'data from a file')
    .option('--count <n>', 'send this many copies', countArg, 1)
    .addOption(
      new Option('--reply <ms>', 'wait up to ms for as many received messages and print them').argParser(msArg),
    )
    .option('--json', 'print replies as JSON lines', false)
    .option('--record <file>', 'record what is sent (and, with --reply, the replies) to this capture file (.kucap)')
    .action(run(sendCommand));

  p.command('listen')
    .description(
      'print the messages a target sends (a monitor target: every message of the links it watches), until interrupted',
    )
    .argument('<target>', 'e.g. demo:echo, shm:NAME, /dev/kucomms_NAME, monitor:shm:NAME, monitor:/dev/kucomms_NAME')
    .addHelpText('after', MONITOR_TARGETS_HELP)
    .option('--json', 'one JSON object per line (u64 fields as decimal strings, data base64)', false)
    .option('--count <n>', 'stop after n messages', countArg)
    .option('--timeout <seconds>', 'stop after this long (exit 4 if --count was not reached)', secondsArg)
    .option('--sent', 'also print what this side sends (a monitor target prints both directions anyway)', false)
    .action(run(listenCommand));

  p.command('run-script')
    .description('run a handler script (exports onMessage, onWork, onTimer) attached to a target')
    .argument('<script>', 'a .ts, .mts, .js or .mjs module')
    .argument('<target>')
    .option('--duration <seconds>', 'stop the script after this long', secondsArg)
    .option('--runaway-ms <ms>', 'stop a callback that runs longer than this (default 2000)', msArg)
    .option('--memory-mb <mb>', "the script's heap limit (default 128)", msArg)
    .option(
      '--layout <file>',
      'a protocol layout: each message reaches onMessage decoded, ctx.sendDecoded encodes (exit 6 if it does not load)',
    )
    .action(run(lazy(async () => (await import('./script-actions.ts')).runScriptCommand)));

  registerProtocolCommands(p, run);
  registerCaptureCommands(p, run);
  registerServeCommands(p, run);
  registerSuiteCommands(p, run);
  registerWireshark(p, run);
  registerFuzzCommands(p, run);
  return p;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.OK;
  try {
    await program((c) => (code = c)).parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError)
      code = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE; // help and --version end with 0
    else if (err instanceof CliError) {
      process.stderr.write(`kucomms-studio: ${err.message}\n`);
      code = err.exitCode;
    } else if (err instanceof InputError || isSystemError(err)) {
      // A file the command line named is missing, unreadable, unwritable or not of its kind.
      process.stderr.write(`kucomms-studio: ${oneLine(err)}\n`);
      code = EXIT.USAGE;
    } else {
      reportInternalError(err);
      code = EXIT.TARGET;
    }
  } finally {
    await stopAllDemoPeers();
  }
  return code;
}
