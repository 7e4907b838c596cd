// The handler-script calls through the StudioService the way serve runs
// them: a temporary workspace, the demo echo peer, real worker threads and a
// real TypeScript language service.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ScriptEvents, ScriptStopView } from '../../../shared/api/scripts-api.ts';
import { bytesToBase64 } from '../../../shared/message.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import { stopAllDemoPeers } from '../../demo-peers.ts';
import { StudioService } from '../studio-service.ts';
import { STATE_WAIT_MS } from '../../testing/patience.ts';

/** A generous bound for what happens in other threads; not a timing assertion. */
const WAIT_MS = STATE_WAIT_MS;

let dir: string;
let studio: StudioService;
const h = () => studio.handlers;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kucomms-scripts-'));
  studio = new StudioService({ mode: 'serve', workspaceDir: dir });
  await h().connect({ target: 'demo:echo' });
});
after(async () => {
  await studio.close();
  await stopAllDemoPeers();
  rmSync(dir, { recursive: true, force: true });
});

function within<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: nothing after ${WAIT_MS} ms`)), WAIT_MS).unref(),
    ),
  ]);
}

/** The next @event payload of @run that @accept takes. */
function next<E extends keyof ScriptEvents>(
  event: E,
  run: () => string | undefined,
  accept: (p: ScriptEvents[E]) => boolean = () => true,
): Promise<ScriptEvents[E]> {
  return within(
    new Promise((resolve) => {
      const on = (p: ScriptEvents[E]): void => {
        if (p.run !== run() || !accept(p)) return;
        (studio.off as (e: string, l: unknown) => void)(event, on);
        resolve(p);
      };
      (studio.on as (e: string, l: unknown) => void)(event, on);
    }),
    `${event} of run ${run()}`,
  );
}

/** Every output line of a run until it stopped, and how many were dropped. */
function collectOutput(run: () => string | undefined): { lines: string[]; dropped: number } {
  const got = { lines: [] as string[], dropped: 0 };
  studio.on('scriptOutput', (p) => {
    if (p.run !== run()) return;
    got.lines.push(...p.lines);
    got.dropped += p.dropped ?? 0;
  });
  return got;
}

const send = (type: number, id = 1, data = 'hi') =>
  h().send({
    target: 'demo:echo',
    header: { type: String(type), id: String(id), userValue: '0' },
    body: { format: 'raw', data: bytesToBase64(Buffer.from(data)) },
    count: 1,
  });

/** The 1-based line of the first line of @text containing @marker. */
const lineOf = (text: string, marker: string): number => text.split('\n').findIndex((l) => l.includes(marker)) + 1;

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StudioError, `expected a StudioError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

/** Starts @name and returns its id, with the stopped event already awaited in `stopped`. */
async function start(
  name: string,
  protocol?: string | null,
): Promise<{ run: string; stopped: Promise<ScriptEvents['scriptState']> }> {
  let id: string | undefined;
  const stopped = next(
    'scriptState',
    () => id,
    (p) => p.state === 'stopped',
  );
  id = (await h().runScript({ name, target: 'demo:echo', ...(protocol !== undefined ? { protocol } : {}) })).run;
  return { run: id, stopped };
}

describe('scripts: workspace files', () => {
  test('a new script comes from the template typed with its layout, and is listed, read and saved', async () => {
    const created = await h().createScript({ name: 'answer' });
    assert.equal(created.name, 'answer.ts');
    assert.match(created.text, /import type \{ EchoMessage \} from 'kucomms:layout\/echo'/);
    assert.match(
      created.text,
      /export function onMessage\(msg: ScriptMessage<DecodedAs<EchoMessage>>, ctx: ScriptContext\)/,
    );
    assert.deepEqual(
      (await h().listScripts({})).map((f) => f.name),
      ['answer.ts'],
    );
    assert.equal((await h().readScript({ name: 'answer.ts' })).text, created.text);
    const saved = await h().saveScript({ name: 'answer.ts', text: `${created.text}// saved\n` });
    assert.equal(saved.name, 'answer.ts');
    assert.match((await h().readScript({ name: 'answer.ts' })).text, /\/\/ saved\n$/);
    const telemetry = await h().createScript({ name: 'sensors.ts', protocol: 'telemetry' });
    assert.match(telemetry.text, /import type \{ TelemetryMessage \} from 'kucomms:layout\/telemetry'/);
  });

  test("the template answers in the layout's terms with ctx.sendDecoded, and type-checks against every shipped layout", async () => {
    const echo = (await h().readScript({ name: 'answer.ts' })).text;
    assert.match(echo, /ctx\.sendDecoded\('any', \{ data: msg\.decoded\.data\.data \}, \{ type: 2n, id: msg\.id \}\)/);
    assert.doesNotMatch(echo, /ctx\.send\(/, 'the template still sends raw bytes');
    const telemetry = (await h().readScript({ name: 'sensors.ts' })).text;
    assert.match(
      telemetry,
      /if \(msg\.decoded\?\.kind === 'get_info' && !msg\.decoded\.error\)\n\s+ctx\.sendDecoded\('info', \{/,
    );
    for (const protocol of ['echo', 'telemetry', 'longtest']) {
      const text = (await h().createScript({ name: `typed-${protocol}.ts`, protocol })).text;
      assert.deepEqual(await h().scriptDiagnostics({ text, protocol }), [], `the ${protocol} template has type errors`);
    }
  });

  test('a taken name, a name outside the folder and a missing script are refused saying why', async () => {
    await rejects(h().createScript({ name: 'answer.ts' }), 'EEXIST', /scripts\/answer\.ts already exists/);
    await rejects(h().saveScript({ name: '../escape.ts', text: '' }), 'EINVAL_INPUT', /not a valid file name/);
    await rejects(h().readScript({ name: 'nothing.ts' }), 'ENOENT', /scripts\/nothing\.ts does not exist/);
    await rejects(h().createScript({ name: 'x', protocol: 'nope' }), 'ENOENT', /no protocol "nope"/);
  });
});

describe('scripts: runs', () => {
  test('the template answers type 1 with type 2 on demo:echo: its send is in Traffic as tx, its log line arrives, and it stops when asked', async () => {
    let id: string | undefined;
    const output = collectOutput(() => id);
    const txBefore = countRows('tx', 2n);
    const { run, stopped } = await start('answer.ts');
    id = run;
    const listed = (await h().listRuns({})).find((r) => r.run === run);
    assert.deepEqual(
      [listed?.state, listed?.script, listed?.target, listed?.protocol],
      ['running', 'answer.ts', 'demo:echo', 'echo'],
    );
    const logged = next(
      'scriptOutput',
      () => id,
      (p) => p.lines.some((l) => l.includes('type 2')),
    );
    await send(1, 41, 'ping');
    await logged;
    assert.ok(
      output.lines.includes('got any: type 1, id 41, 4 bytes'),
      `the log lines were: ${output.lines.join(' | ')}`,
    );
    await waitFor(() => countRows('tx', 2n) === txBefore + 1, 'the answer (type 2) stored as tx on demo:echo');
    const answer = lastRow('tx', 2n);
    assert.deepEqual(
      [answer.id, Buffer.from(answer.data).toString()],
      [41n, 'ping'],
      'the answer is not the ping again',
    );
    const counts = (await h().listRuns({})).find((r) => r.run === run)?.counts;
    assert.equal(counts?.sends, 1);
    assert.ok((counts?.messages ?? 0) >= 2, `messages handed to the script: ${counts?.messages}`);
    const view = await h().stopScript({ run });
    assert.equal(view.state, 'stopped');
    assert.equal(view.stop?.reason, 'stopped');
    assert.deepEqual((await stopped).stop?.reason, 'stopped');
    await rejects(h().stopScript({ run: 'r999' }), 'ENOENT', /no script run "r999"/);
  });

  test('the telemetry template answers a get_info with an info of the same id, encoded from the layout', async () => {
    const txBefore = countRows('tx', 2n);
    const { run, stopped } = await start('sensors.ts', 'telemetry');
    await send(1, 77, '');
    await waitFor(() => countRows('tx', 2n) === txBefore + 1, 'the info (type 2) stored as tx on demo:echo');
    const info = lastRow('tx', 2n);
    // firmware 4 bytes, serial 6, model 16, channels 1, calibrated 1, driver's length prefix 1.
    assert.deepEqual([info.id, info.data.length], [77n, 29]);
    await h().stopScript({ run });
    await stopped;
  });

  test('a runaway onMessage is stopped with its reason and line while the Studio answers other calls', async () => {
    const text = `export function onMessage(): void {\n  let n = 0;\n  while (true) n++; // SPINS\n}\n`;
    await h().saveScript({ name: 'runaway.ts', text });
    const { run, stopped } = await start('runaway.ts', null);
    await send(3);
    await waitFor(
      async () => ((await h().listRuns({})).find((r) => r.run === run)?.counts.messages ?? 0) >= 1,
      'the script got the message',
    );
    // The script's thread is spinning; the Studio's is not.
    const [scripts, encoded] = await Promise.all([
      h().listScripts({}),
      h().encode({ header: { type: '1', id: '1', userValue: '0' }, body: { format: 'raw', data: 'AA==' } }),
    ]);
    assert.ok(scripts.length >= 2 && encoded.bytes.length > 0);
    assert.equal(
      (await h().listRuns({})).find((r) => r.run === run)?.state,
      'running',
      'the calls were answered before the runaway was stopped',
    );
    const stop = (await stopped).stop as ScriptStopView;
    assert.equal(stop.reason, 'runaway');
    assert.equal(stop.callback, 'onMessage');
    assert.deepEqual([stop.location?.file, stop.location?.line], ['runaway.ts', lineOf(text, 'SPINS')]);
    assert.match(stop.message, /^runaway\.ts:3: onMessage ran for more than \d+ ms and was stopped$/);
    // The target still works: an echo comes back.
    const rxBefore = countRows('rx', 9n);
    await send(9);
    await waitFor(() => countRows('rx', 9n) === rxBefore + 1, 'an echo after the runaway');
  });

  test('a script that throws is stopped with the message, file and line', async () => {
    const text = `export function onMessage(msg: { type: bigint }): void {\n  if (msg.type === 4n) throw new Error('type 4 is not allowed'); // THROWS\n}\n`;
    await h().saveScript({ name: 'throws.ts', text });
    const { stopped } = await start('throws.ts', null);
    await send(4);
    const stop = (await stopped).stop as ScriptStopView;
    assert.equal(stop.reason, 'error');
    assert.deepEqual([stop.location?.file, stop.location?.line], ['throws.ts', lineOf(text, 'THROWS')]);
    assert.match(stop.message, /^throws\.ts:2: onMessage threw: type 4 is not allowed$/);
    assert.match(stop.stack ?? '', /throws\.ts:2:/);
  });

  test('a script that does not load is a stopped run saying why, not a failed call', async () => {
    await h().saveScript({ name: 'empty.ts', text: 'export const nothing = 1;\n' });
    const { run } = await h().runScript({ name: 'empty.ts', target: 'demo:echo' });
    const listed = (await h().listRuns({})).find((r) => r.run === run);
    assert.equal(listed?.state, 'stopped');
    assert.equal(listed?.stop?.reason, 'error');
    assert.match(listed?.stop?.message ?? '', /empty\.ts exports none of onMessage, onWork, onTimer/);
    await rejects(
      h().runScript({ name: 'answer.ts', target: 'shm:nobody' }),
      'ENOTCONN',
      /shm:nobody is not connected/,
    );
  });

  test('a script printing in a loop is capped: at most 200 lines a second reach the UI, the rest are counted as dropped', async () => {
    await h().saveScript({
      name: 'chatty.ts',
      text: `export function onMessage(): void {\n  for (let i = 0; i < 5000; i++) console.log('line', i);\n}\n`,
    });
    let id: string | undefined;
    const output = collectOutput(() => id);
    const { run, stopped } = await start('chatty.ts', null);
    id = run;
    await send(5);
    await waitFor(
      () => output.lines.length + output.dropped === 5000,
      `5000 lines shown or dropped (so far ${output.lines.length} + ${output.dropped})`,
    );
    assert.ok(output.lines.length <= 400, `${output.lines.length} lines shown (the cap is 200 a second)`);
    assert.deepEqual(output.lines.slice(0, 2), ['line 0', 'line 1']);
    assert.equal((await h().listRuns({})).find((r) => r.run === run)?.droppedLines, output.dropped);
    await h().stopScript({ run });
    await stopped;
  });
});

describe('scripts: completion and type errors', () => {
  const head = `import type { DecodedAs, ScriptContext, ScriptMessage } from 'kucomms:script';
import type { TelemetryMessage } from 'kucomms:layout/telemetry';
export function onMessage(msg: ScriptMessage<DecodedAs<TelemetryMessage>>, ctx: ScriptContext): void {
`;
  const complete = (body: string) =>
    h().scriptCompletions({ text: `${head}${body}\n}\n`, offset: head.length + body.length });
  const labels = async (body: string) => (await complete(body)).options.map((o) => o.label);

  test("msg.decoded. offers the decoded message; once narrowed to a kind, its data offers the layout's fields", async () => {
    assert.deepEqual(await labels('  msg.decoded.'), ['data', 'error', 'header', 'kind']);
    const fields = await labels("  if (msg.decoded?.kind === 'sample') msg.decoded.data.");
    for (const f of ['sequence', 'channel', 'status', 'taken_us', 'acceleration', 'temperature', 'aux_mv'])
      assert.ok(fields.includes(f), `${f} is not offered: ${fields.join(', ')}`);
    const kinds = await labels("  const d = msg.decoded;\n  if (!d || d.error) return;\n  if (d.kind === '");
    assert.ok(kinds.includes('sample') && kinds.includes('event'), `kinds offered: ${kinds.join(', ')}`);
  });

  test('ctx. offers send, sendDecoded and encode with their types; a half-typed word completes from where it starts', async () => {
    const c = await complete('  ctx.se');
    assert.equal(c.from, head.length + '  ctx.'.length);
    const send = c.options.find((o) => o.label === 'send');
    assert.ok(send && c.options.some((o) => o.label === 'sendDecoded') && c.options.some((o) => o.label === 'encode'));
    assert.equal(send.type, 'method');
    assert.match(send.detail ?? '', /^\(header: ScriptSendHeader, data\?: .*\): void$/);
  });

  test("module names complete inside an import's quotes", async () => {
    const text = "import type { X } from 'kucomms:la";
    const c = await h().scriptCompletions({ text, offset: text.length });
    assert.equal(c.from, text.indexOf('kucomms'));
    assert.ok(
      c.options.some((o) => o.label === 'kucomms:layout/telemetry') &&
        c.options.some((o) => o.label === 'kucomms:script'),
    );
  });

  test("type errors come with line and column; a script typed for another layout than the run's gets a warning on its import", async () => {
    const text = `${head}  const n: number = msg.decoded?.kind;\n  ctx.sendd('x', {});\n}\n`;
    const diags = await h().scriptDiagnostics({ text, protocol: 'echo' });
    const assignment = diags.find((d) => d.line === 4);
    assert.equal(assignment?.severity, 'error');
    assert.equal(assignment?.column, 9);
    assert.match(assignment?.message ?? '', /not assignable to type 'number'/);
    const typo = diags.find((d) => d.line === 5);
    assert.deepEqual([typo?.column, typo?.endColumn], [7, 12]);
    assert.match(typo?.message ?? '', /Property 'sendd' does not exist on type 'ScriptContext'. Did you mean 'send'/);
    const mismatch = diags.find((d) => d.line === 2);
    assert.equal(mismatch?.severity, 'warning');
    assert.match(mismatch?.message ?? '', /typed for the telemetry layout but runs with echo/);
    assert.deepEqual(await h().scriptDiagnostics({ text: `${head}}\n`, protocol: 'telemetry' }), []);
    const unknown = await h().scriptDiagnostics({ text: "import type { X } from 'kucomms:layout/nope';\n" });
    assert.match(
      unknown[0]?.message ?? '',
      /no module 'kucomms:layout\/nope': a script imports its types from 'kucomms:script', 'kucomms:layout\/echo'/,
    );
  });
});

function countRows(direction: 'rx' | 'tx', type: bigint): number {
  let n = 0;
  for (let row = 0; row < studio.store.total; row++)
    if (
      studio.store.direction(row) === direction &&
      studio.store.type(row) === type &&
      studio.store.target(row) === 'demo:echo'
    )
      n++;
  return n;
}

/** The last stored row of demo:echo in @direction with header type @type. */
function lastRow(direction: 'rx' | 'tx', type: bigint): { id: bigint; data: Uint8Array } {
  for (let row = studio.store.total - 1; row >= 0; row--)
    if (
      studio.store.direction(row) === direction &&
      studio.store.type(row) === type &&
      studio.store.target(row) === 'demo:echo'
    )
      return { id: studio.store.id(row), data: Uint8Array.from(studio.store.data(row)) };
  throw new Error(`no ${direction} row of type ${type} on demo:echo`);
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what}: not after ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('scripts: their target', () => {
  test('disconnecting the target stops its scripts, saying so', async () => {
    const { run, stopped } = await start('answer.ts');
    assert.equal((await h().listRuns({})).find((r) => r.run === run)?.state, 'running');
    await h().disconnect({ target: 'demo:echo' });
    const stop = (await stopped).stop;
    assert.deepEqual([stop?.reason, stop?.message], ['stopped', 'stopped: demo:echo was disconnected']);
    await h().connect({ target: 'demo:echo' });
  });
});
