// npm run bench:node [-- --quick]: how many messages per second reach a
// JavaScript callback, delivered in batches and one call per message, side
// by side in the same run. A native sender (sendBurst, off the JS thread)
// floods a ring; the endpoint thread reads it, copies into the batch queue
// and hands batches through the thread-safe function to JS, where every
// message is decoded (BigInt header fields) and its id read. Two sources:
// an in-process loopback (this side's cost alone) and demo:echo over shared
// memory (a real peer process in the loop). One JSON object per line.
import { Endpoint } from '../endpoint.ts';
import { stopAllDemoPeers } from '../demo-peers.ts';
import { flood } from './flood.ts';

const quick = process.argv.includes('--quick');
const MEASURE_MS = quick ? 3000 : 10_000;
const WARMUP_MS = quick ? 500 : 1000;
const PAYLOADS = quick ? [16] : [16, 256];
const SOURCES: Source[] = ['inproc', 'shm'];

interface Row {
  name: string;
  transport: Source;
  payload: number;
  msgs_per_s: number;
  js_calls_per_s: number;
  mean_batch: number;
  stalls: number;
}

type Source = 'inproc' | 'shm';

async function measure(name: string, source: Source, payload: number, maxBatch: number): Promise<Row> {
  const options = { maxBatch, reportSent: false };
  const ep = source === 'inproc' ? Endpoint.loopback(options) : await Endpoint.open('demo:echo', options);
  let messages = 0;
  let calls = 0;
  let checksum = 0n;
  ep.on('messages', (msgs) => {
    calls++;
    for (const m of msgs) {
      checksum += m.id; // touch each decoded message
      messages++;
    }
  });
  const data = Buffer.alloc(payload, 0x5a);
  const sender = flood(ep, data);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const m0 = messages;
  const c0 = calls;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const m1 = messages - m0;
  const c1 = calls - c0;
  const stopped = sender.stop();
  const stalls = Number(ep.counters().stalls);
  await ep.close();
  await stopped;
  if (checksum < 0n) throw new Error('unreachable');
  return {
    name,
    transport: source,
    payload,
    msgs_per_s: Math.round(m1 / seconds),
    js_calls_per_s: Math.round(c1 / seconds),
    mean_batch: c1 ? Math.round((m1 / c1) * 10) / 10 : 0,
    stalls,
  };
}

try {
  for (const [source, payload] of SOURCES.flatMap((s) => PAYLOADS.map((p) => [s, p] as const))) {
    const batched = await measure(`js-delivery-batched-${source}`, source, payload, 4096);
    console.log(JSON.stringify(batched));
    const single = await measure(`js-delivery-per-message-${source}`, source, payload, 1);
    console.log(JSON.stringify(single));
    console.log(
      JSON.stringify({
        name: `js-delivery-summary-${source}`,
        transport: source,
        payload,
        msgs_per_s: batched.msgs_per_s,
        per_message_msgs_per_s: single.msgs_per_s,
        batched_vs_per_message: Math.round((batched.msgs_per_s / Math.max(1, single.msgs_per_s)) * 10) / 10,
        goal: 'batched >= 1000000 msgs/s and >= 5x per-message',
        goal_met: batched.msgs_per_s >= 1_000_000 && batched.msgs_per_s >= 5 * single.msgs_per_s,
      }),
    );
  }
} finally {
  await stopAllDemoPeers();
}

// Capture and decode rates come in the same run (they read the same --quick),
// then compiled decoding and data-field filters beside their baselines.
await import('./bench-capture.ts');
await import('./bench-filter.ts');
