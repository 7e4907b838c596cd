// Capture and decode throughput, one JSON object per line (for
// npm run bench:node; --quick for a short run):
//  - capture-write-file: the capture writer alone, messages already in
//    memory, then read back to check that none was lost;
//  - capture-read-file: the streaming reader over that file;
//  - capture-open-index: opening that file into Traffic (the index pass),
//    with the memory the index keeps per message;
//  - capture-live-inproc: a native sender floods an in-process loopback
//    endpoint and every message delivered to JavaScript is captured; the
//    file is read back and must hold exactly the messages delivered;
//  - decode-*: the layout codec over typical messages.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Message } from '../../shared/message.ts';
import { Endpoint } from '../endpoint.ts';
import { flood } from './flood.ts';
import { CaptureIndex, INDEX_BYTES_PER_MESSAGE } from '../capture/capture-index.ts';
import { captureRecord } from '../capture/format.ts';
import { readCapture } from '../capture/reader.ts';
import { CaptureWriter } from '../capture/writer.ts';
import { decodeMessage } from '../protocol/decode.ts';
import { encodeMessage } from '../protocol/encode.ts';
import { loadLayoutFile } from '../protocol/loader.ts';

const quick = process.argv.includes('--quick');
const WRITE_COUNT = quick ? 2_000_000 : 10_000_000;
const LIVE_MS = quick ? 2000 : 10_000;
const DECODE_COUNT = quick ? 200_000 : 1_000_000;
const PAYLOAD = 16;
const GOAL = 1_000_000;

const dir = mkdtempSync(path.join(tmpdir(), 'kucomms-bench-capture-'));
const print = (row: object): void => console.log(JSON.stringify(row));

async function countRecords(file: string): Promise<{ count: number; seconds: number }> {
  const t0 = process.hrtime.bigint();
  let count = 0;
  let problems = 0;
  for await (const r of readCapture(file, { onProblem: () => problems++ })) {
    if (r.id !== BigInt(count)) problems++;
    count++;
  }
  if (problems > 0) throw new Error(`${file}: ${problems} problems reading the capture back`);
  return { count, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function writeFile(): Promise<void> {
  const file = path.join(dir, 'write.kucap');
  const data = new Uint8Array(PAYLOAD).fill(0x5a);
  // Messages as a target delivers them: BigInt header fields, a timestamp.
  const messages: Message[] = Array.from({ length: 1024 }, (_, i) => ({
    direction: i % 2 ? 'rx' : 'tx',
    timestampNs: 0n,
    length: BigInt(PAYLOAD),
    type: 1n,
    id: 0n,
    userValue: 0n,
    data,
  }));
  const writer = new CaptureWriter(file);
  const t0 = process.hrtime.bigint();
  for (let n = 0; n < WRITE_COUNT; n++) {
    const m = messages[n & 1023] as Message;
    m.id = BigInt(n);
    m.timestampNs = BigInt(n);
    writer.write(captureRecord(m, 'demo:echo'));
  }
  writer.close();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const bytes = statSync(file).size;
  const back = await countRecords(file);
  const rate = Math.round(WRITE_COUNT / seconds);
  print({
    name: 'capture-write-file',
    transport: 'file',
    payload: PAYLOAD,
    messages: WRITE_COUNT,
    msgs_per_s: rate,
    mb_per_s: Math.round(bytes / seconds / 1e5) / 10,
    lost: WRITE_COUNT - back.count,
    goal: `>= ${GOAL} msgs/s, none lost`,
    goal_met: rate >= GOAL && back.count === WRITE_COUNT,
  });
  print({
    name: 'capture-read-file',
    transport: 'file',
    payload: PAYLOAD,
    messages: back.count,
    msgs_per_s: Math.round(back.count / back.seconds),
    mb_per_s: Math.round(bytes / back.seconds / 1e5) / 10,
  });
  await openIndex(file, bytes);
}

/** Opening a capture into Traffic: one indexing pass, the index's memory per message. */
async function openIndex(file: string, bytes: number): Promise<void> {
  const index = new CaptureIndex(file);
  const t0 = process.hrtime.bigint();
  await index.build();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // What the index's typed arrays hold (chunks are allocated whole); the Node test measures the process too.
  const perMessage = index.memoryBytes / index.total;
  print({
    name: 'capture-open-index',
    transport: 'file',
    payload: PAYLOAD,
    messages: index.total,
    msgs_per_s: Math.round(index.total / seconds),
    mb_per_s: Math.round(bytes / seconds / 1e5) / 10,
    index_bytes_per_message: Math.round(perMessage * 10) / 10,
    goal: `all ${WRITE_COUNT} indexed, <= 40 bytes a message (${INDEX_BYTES_PER_MESSAGE} in typed arrays)`,
    goal_met: index.total === WRITE_COUNT && index.damage.length === 0 && perMessage <= 40,
  });
}

async function live(): Promise<void> {
  const file = path.join(dir, 'live.kucap');
  const ep = Endpoint.loopback({ maxBatch: 4096, reportSent: false });
  const writer = new CaptureWriter(file);
  let delivered = 0;
  let measuring = false;
  ep.on('messages', (msgs) => {
    if (!measuring) return;
    for (const m of msgs) {
      writer.write(captureRecord(m, 'inproc:loopback'));
      delivered++;
    }
  });
  const data = Buffer.alloc(PAYLOAD, 0x5a);
  const sender = flood(ep, data);
  await new Promise((r) => setTimeout(r, 300));
  measuring = true;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, LIVE_MS));
  measuring = false;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await sender.stop();
  await ep.close();
  writer.close();
  let count = 0;
  for await (const r of readCapture(file)) count += r.length === BigInt(PAYLOAD) ? 1 : 0;
  const rate = Math.round(delivered / seconds);
  print({
    name: 'capture-live-inproc',
    transport: 'inproc',
    payload: PAYLOAD,
    messages: delivered,
    msgs_per_s: rate,
    lost: delivered - count,
    goal: `>= ${GOAL} msgs/s, none lost`,
    goal_met: rate >= GOAL && count === delivered,
  });
}

function decode(): void {
  const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
  const longtest = loadLayoutFile(here('../../../protocols/longtest.yaml'));
  const features = loadLayoutFile(here('../protocol/testdata/features.yaml'));
  const cases = [
    {
      name: 'decode-longtest-sequence',
      layout: longtest,
      bytes: encodeMessage(
        longtest,
        { type: 1n, id: 300n, user_value: 0n },
        { fill: new Uint8Array(300 % 2048).fill(300 % 256) },
      ),
    },
    {
      name: 'decode-struct-with-arrays',
      layout: features,
      bytes: encodeMessage(
        features,
        { type: 4n, id: 1n, user_value: 0n },
        {
          fixed: [1, 2, 3],
          points: [
            { x: 1, y: 2 },
            { x: 3, y: 4 },
          ],
          samples: [{ at: { x: 1, y: 1 }, value: 0.5, tag: 'abc' }],
          levels: [1, 2, 3, 4],
        },
      ),
    },
  ];
  for (const c of cases) {
    let errors = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < DECODE_COUNT; i++) if (decodeMessage(c.layout, c.bytes).error) errors++;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    print({
      name: c.name,
      transport: 'none',
      payload: c.bytes.length - 32,
      messages: DECODE_COUNT,
      msgs_per_s: Math.round(DECODE_COUNT / seconds),
      errors,
    });
  }
}

try {
  await writeFile();
  await live();
  decode();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
