// The soak test: `kucomms-studio serve` as a real process on loopback, under
// everything at once for a while:
//  - CLIENTS WebSocket clients making calls back to back (hello, the target
//    list, the layouts, the capture status, a traffic window...);
//  - one client subscribed to traffic (the `traffic` events);
//  - one client sending malformed frames (bad JSON, binary, frames of the
//    wrong shape), reconnecting each time the server closes it;
//  - demo:echo offered as many messages as it takes, by `send` calls of
//    100 000 copies kept in flight for the whole time.
// It holds when the server never exits, every well-formed call is answered,
// and memory stays bounded: the server's RSS at the end is within a fixed
// allowance of the start plus what the traffic store holds by design (every
// message, 42 bytes a row). Prints one JSON line with the figures.
//
//   npm run soak                    60 s, 200 clients
//   node --import tsx electron/soak/soak.ts SECONDS CLIENTS
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { wsStudioApi, type SocketLike, type WsStudioApi } from '../shared/studio-client.ts';

const cli = fileURLToPath(new URL('../cli/kucomms-studio.mjs', import.meta.url));
/** RSS the server may gain beyond what its traffic store holds: caches, JIT, buffers of 200 sockets. */
const RSS_ALLOWANCE_MIB = 300;
/** Bytes a stored message takes (a row of the traffic store, no data): what the store grows by, by design. */
const STORED_BYTES_PER_MESSAGE = 64;
const BURST = 100_000;

export interface SoakResult {
  seconds: number;
  clients: number;
  calls: number;
  answered: number;
  failedCalls: string[];
  malformedFrames: number;
  messagesDelivered: number;
  trafficEvents: number;
  rssStartMiB: number;
  rssEndMiB: number;
  rssPeakMiB: number;
  serverExit: string | null;
  /** What did not hold; empty when the soak passed. */
  problems: string[];
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

function startServe(home: string): Promise<{ child: ChildProcess; url: URL }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') };
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m) resolve({ child, url: new URL(m[1]!) });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code, signal) =>
      reject(new Error(`serve exited (${code ?? signal}) before printing its URL: ${out}`)),
    );
  });
}

function apiUrl(url: URL): string {
  return `ws://${url.host}/api?token=${url.searchParams.get('token')}`;
}

function connect(url: URL): Promise<WsStudioApi> {
  return wsStudioApi(new WebSocket(apiUrl(url)) as unknown as SocketLike);
}

/** Malformed frames, each on a fresh connection the server is expected to close. */
const MALFORMED: Array<string | Buffer> = [
  'not json',
  '{"id": 1, "call": "hello"',
  '[]',
  'null',
  '{"id": -1, "call": "hello", "input": {}}',
  '{"id": 1, "call": "hello", "input": {}, "more": true}',
  '{"id": "1", "call": "hello", "input": {}}',
  Buffer.from([0, 1, 2, 255]),
  `{"id": 1, "call": "${'x'.repeat(10_000)}", "input": {}`,
];

function sendMalformed(url: URL, frame: string | Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(apiUrl(url));
    ws.on('open', () => ws.send(frame, { binary: Buffer.isBuffer(frame) }));
    ws.on('close', (code) => resolve(code));
    ws.on('error', reject);
  });
}

export async function runSoak(seconds: number, clients: number): Promise<SoakResult> {
  const home = mkdtempSync(path.join(tmpdir(), 'kucomms-soak-home-'));
  const { child, url } = await startServe(home);
  let serverExit: string | null = null;
  child.on('exit', (code, signal) => (serverExit = `${code ?? signal}`));
  const result: SoakResult = {
    seconds,
    clients,
    calls: 0,
    answered: 0,
    failedCalls: [],
    malformedFrames: 0,
    messagesDelivered: 0,
    trafficEvents: 0,
    rssStartMiB: rssMiB(child.pid!),
    rssEndMiB: 0,
    rssPeakMiB: 0,
    serverExit: null,
    problems: [],
  };
  const sampler = setInterval(() => {
    if (serverExit === null) result.rssPeakMiB = Math.max(result.rssPeakMiB, rssMiB(child.pid!));
  }, 250);
  const apis: WsStudioApi[] = [];
  try {
    const driver = await connect(url);
    const subscriber = await connect(url);
    apis.push(driver, subscriber);
    subscriber.on('traffic', (t) => {
      result.trafficEvents++;
      result.messagesDelivered = Math.max(result.messagesDelivered, t.total);
    });
    await driver.connect({ target: 'demo:echo' });
    for (let i = 0; i < clients; i++) apis.push(await connect(url));
    const end = Date.now() + seconds * 1000;
    const running = (): boolean => Date.now() < end && serverExit === null;

    /** One well-formed call: counted, and answered (with a result or a StudioError) or recorded as failed. */
    const call = async (what: string, p: () => Promise<unknown>): Promise<void> => {
      result.calls++;
      try {
        await p();
        result.answered++;
      } catch (err) {
        const code = (err as { code?: string }).code;
        // A StudioError is an answer; a transport failure (ECONNRESET, a timeout) is not.
        if (code && !['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT'].includes(code)) result.answered++;
        else result.failedCalls.push(`${what}: ${(err as Error).message}`);
      }
    };
    const CALLS: Array<[string, (api: WsStudioApi) => Promise<unknown>]> = [
      ['hello', (a) => a.hello({})],
      ['listTargets', (a) => a.listTargets({})],
      ['listProtocols', (a) => a.listProtocols({})],
      ['captureStatus', (a) => a.captureStatus({})],
      ['getSettings', (a) => a.getSettings({})],
      ['listCollections', (a) => a.listCollections({})],
    ];
    const callers = apis.slice(2).map(async (api, i) => {
      for (let n = i; running(); n++) {
        const [name, fn] = CALLS[n % CALLS.length]!;
        await call(name, () => fn(api));
      }
    });
    const offer = (async () => {
      for (let id = 0; running(); id += BURST)
        await call('send', () =>
          driver.send({
            target: 'demo:echo',
            header: { type: '1', id: String(id), userValue: '0' },
            body: { format: 'raw', data: '' },
            count: BURST,
          }),
        );
    })();
    const hostile = (async () => {
      for (let i = 0; running(); i++) {
        const code = await sendMalformed(url, MALFORMED[i % MALFORMED.length]!);
        if (code !== 1003 && code !== 1009)
          result.problems.push(`a malformed frame closed its connection with ${code}, not 1003`);
        result.malformedFrames++;
      }
    })();
    await Promise.all([...callers, offer, hostile]);
    // The server still answers after all of it.
    await call('hello after the soak', () => apis[2]!.hello({}));
    const after = await driver.listTargets({});
    void after;
  } catch (err) {
    result.problems.push(`the soak stopped: ${(err as Error).message}`);
  } finally {
    clearInterval(sampler);
    if (serverExit === null) result.rssEndMiB = rssMiB(child.pid!);
    result.rssPeakMiB = Math.max(result.rssPeakMiB, result.rssEndMiB);
    result.serverExit = serverExit;
    for (const api of apis) api.close();
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    rmSync(home, { recursive: true, force: true });
  }
  if (result.serverExit !== null) result.problems.push(`serve exited during the soak (${result.serverExit})`);
  if (result.answered !== result.calls)
    result.problems.push(
      `${result.calls - result.answered} of ${result.calls} well-formed calls were not answered: ${result.failedCalls.slice(0, 3).join('; ')}`,
    );
  if (result.malformedFrames === 0) result.problems.push('no malformed frame was sent');
  if (result.messagesDelivered === 0) result.problems.push('no message reached the traffic store');
  const bound =
    result.rssStartMiB + RSS_ALLOWANCE_MIB + (result.messagesDelivered * STORED_BYTES_PER_MESSAGE) / (1 << 20);
  if (!(result.rssPeakMiB <= bound))
    result.problems.push(`RSS peaked at ${result.rssPeakMiB} MiB, above the bound of ${Math.round(bound)} MiB`);
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const seconds = Number(process.argv[2] ?? 60);
  const clients = Number(process.argv[3] ?? 200);
  const r = await runSoak(seconds, clients);
  const { failedCalls, ...figures } = r;
  process.stdout.write(`${JSON.stringify({ soak: true, ...figures, failedCalls: failedCalls.length })}\n`);
  for (const p of r.problems) process.stderr.write(`soak: ${p}\n`);
  process.exitCode = r.problems.length === 0 ? 0 : 1;
}
