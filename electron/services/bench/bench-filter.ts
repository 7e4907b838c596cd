// Compiled decoding and data-field filters, each beside its baseline in the
// same run (for npm run bench:node), one JSON object per line:
//  - decode-telemetry-sample: the compiled decoder vs the interpreted codec
//    on the telemetry layout's sample message (goal: >= 5 M msg/s, >= 15x);
//  - filter-data-field: a filter on a data field over a 10 M-message capture
//    already open (indexed) in Traffic, with the open/index time beside it
//    (goal: <= 2 s);
//  - filter-vs-tshark: the same filter against tshark -Y with the generated
//    dissector on a pcapng export of a 100 k sample (goal: >= 100x).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureWriter } from '../capture/writer.ts';
import { readCapture } from '../capture/reader.ts';
import { exportPcapng } from '../capture/pcapng.ts';
import { compileCodec } from '../protocol/compiled.ts';
import { decodeMessage } from '../protocol/decode.ts';
import { encodeMessage } from '../protocol/encode.ts';
import { generateLua } from '../protocol/gen-lua.ts';
import { loadLayoutFile } from '../protocol/loader.ts';
import { CaptureSource } from '../studio/captures/capture-source.ts';
import { TELEMETRY_EXAMPLES } from '../protocol/testdata/telemetry-examples.ts';

const quick = process.argv.includes('--quick');
const DECODE_COUNT = quick ? 500_000 : 2_000_000;
const FILTER_MESSAGES = 10_000_000;
const TSHARK_SAMPLE = 100_000;
const TARGET = '/dev/kucomms_telemetry';
const FILTER = 'data.temperature > 30';

const print = (row: object): void => console.log(JSON.stringify(row));
const dir = mkdtempSync(path.join(tmpdir(), 'kucomms-bench-filter-'));
const telemetry = loadLayoutFile(fileURLToPath(new URL('../../../protocols/telemetry.yaml', import.meta.url)));
const sampleKind = telemetry.messages.find((m) => m.name === 'sample');
if (!sampleKind?.when.type) throw new Error('telemetry has no sample kind');
const sample = (i: number): Uint8Array =>
  encodeMessage(
    telemetry,
    { type: sampleKind.when.type ?? 0n, id: 0n, user_value: BigInt(i) },
    { ...TELEMETRY_EXAMPLES.sample, sequence: i, temperature: 20 + (i % 20) },
    'sample',
  );

function decodeRates(): void {
  // 20 messages in buffers of their own, taken in turn: no decoder can keep a view of one buffer.
  const messages = Array.from({ length: 20 }, (_, i) => sample(i));
  const codec = compileCodec(telemetry);
  /** Messages per second of wall time, and per second of this process's CPU time (apart on a busy machine). */
  const rate = (decode: (m: Uint8Array) => boolean, count: number): { wall: number; cpu: number } => {
    for (let i = 0; i < count / 10; i++) decode(messages[i % 20]!); // warm up
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    let kept = 0;
    for (let i = 0; i < count; i++) if (decode(messages[i % 20]!)) kept++;
    const cpu = process.cpuUsage(cpu0);
    if (kept !== count) throw new Error('a decode failed');
    return {
      wall: count / (Number(process.hrtime.bigint() - t0) / 1e9),
      cpu: count / ((cpu.user + cpu.system) / 1e6),
    };
  };
  const interpreted = rate((m) => !decodeMessage(telemetry, m).error, DECODE_COUNT / 10);
  const compiled = rate((m) => !codec.decodeMessage(m).error, DECODE_COUNT);
  print({
    name: 'decode-telemetry-sample',
    codec: 'compiled',
    msgs_per_s: Math.round(compiled.wall),
    interpreted_msgs_per_s: Math.round(interpreted.wall),
    ratio: Math.round((compiled.wall / interpreted.wall) * 10) / 10,
    cpu_msgs_per_s: Math.round(compiled.cpu),
    interpreted_cpu_msgs_per_s: Math.round(interpreted.cpu),
    goal: '>= 5000000 msgs/s and >= 15x interpreted',
    goal_met: compiled.wall >= 5e6 && compiled.wall >= 15 * interpreted.wall,
  });
}

function writeCapture(file: string, count: number): void {
  // 20 distinct messages (temperature 20..39 °C), written over and over.
  const messages = Array.from({ length: 20 }, (_, i) => sample(i));
  const w = new CaptureWriter(file);
  for (let i = 0; i < count; i++) {
    const m = messages[i % 20] as Uint8Array;
    const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
    w.write({
      target: TARGET,
      direction: 'rx',
      timestampNs: BigInt(i),
      length: v.getBigUint64(0, true),
      type: v.getBigUint64(8, true),
      id: BigInt(i),
      userValue: v.getBigUint64(24, true),
      data: m.subarray(32),
    });
  }
  w.close();
}

async function filterRates(): Promise<void> {
  const file = path.join(dir, 'telemetry.kucap');
  writeCapture(file, FILTER_MESSAGES);
  let t0 = performance.now();
  const source = new CaptureSource(
    'telemetry.kucap',
    file,
    () => telemetry,
    () => {},
  );
  await source.indexed;
  const openMs = performance.now() - t0;
  if (source.error) throw new Error(source.error);
  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const view = await source.views.create(FILTER);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const matched = source.views.total(view);
  // Temperatures 20..39: 31..39 are above 30, 9 in every 20.
  if (matched !== (FILTER_MESSAGES / 20) * 9) throw new Error(`the filter matched ${matched}`);
  source.close();
  print({
    name: 'filter-data-field',
    messages: FILTER_MESSAGES,
    ms: Math.round(ms),
    // The process's CPU time beside the wall time: on a busy machine the two part.
    cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
    open_ms: Math.round(openMs),
    filter: FILTER,
    matched,
    goal: '<= 2000 ms',
    goal_met: ms <= 2000,
  });

  // tshark on a sample of the same messages, exported to pcapng with the generated dissector.
  const sampleFile = path.join(dir, 'sample.kucap');
  writeCapture(sampleFile, TSHARK_SAMPLE);
  const pcap = path.join(dir, 'sample.pcapng');
  await exportPcapng(readCapture(sampleFile), pcap);
  const lua = path.join(dir, 'telemetry.lua');
  writeFileSync(lua, generateLua(telemetry, 'telemetry.yaml'));
  t0 = performance.now();
  const r = spawnSync(
    'tshark',
    [
      '-r',
      pcap,
      '-X',
      `lua_script:${lua}`,
      '-Y',
      'kucomms_telemetry.sample.temperature > 30',
      '-T',
      'fields',
      '-e',
      'frame.number',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  const tsharkSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  const tsharkMatched = r.stdout.trim().split('\n').length;
  if (tsharkMatched !== (TSHARK_SAMPLE / 20) * 9) throw new Error(`tshark matched ${tsharkMatched}`);
  const rate = FILTER_MESSAGES / (ms / 1000);
  const tsharkRate = TSHARK_SAMPLE / tsharkSeconds;
  print({
    name: 'filter-vs-tshark',
    messages: FILTER_MESSAGES,
    msgs_per_s: Math.round(rate),
    tshark_messages: TSHARK_SAMPLE,
    tshark_msgs_per_s: Math.round(tsharkRate),
    ratio: Math.round((rate / tsharkRate) * 10) / 10,
    goal: '>= 100x',
    goal_met: rate >= 100 * tsharkRate,
  });
}

try {
  decodeRates();
  await filterRates();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
