// Capture files: what is written is read back; a writer killed with SIGKILL
// leaves a file readable to its last whole block; a damaged block is
// reported and skipped; memory does not grow with the capture; pcapng
// export and import keep every message, and tshark opens the export.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BLOCK_HEADER_SIZE, type CaptureRecord } from './format.ts';
import { exportPcapng, importPcapng } from './pcapng.ts';
import { readCapture, readCaptureBlocks, type CaptureProblem } from './reader.ts';
import { CaptureWriter } from './writer.ts';
import { CaptureIndex } from './capture-index.ts';

const work = mkdtempSync(path.join(tmpdir(), 'kucomms-capture-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

function record(n: number): CaptureRecord {
  const length = n % 300;
  return {
    target: ['demo:echo', '/dev/kucomms_echo', 'shm:peer'][n % 3] ?? '',
    direction: n % 2 ? 'rx' : 'tx',
    timestampNs: 1_764_000_000_123_456_789n + BigInt(n) * 1000n,
    length: BigInt(length),
    type: BigInt(n % 7),
    id: BigInt(n),
    userValue: 0xffff_ffff_ffff_ffffn - BigInt(n),
    data: new Uint8Array(length).fill(n % 256),
  };
}

function assertRecord(got: CaptureRecord | undefined, n: number): void {
  const want = record(n);
  assert.ok(got, `record ${n} is missing`);
  assert.equal(got.id, want.id, `record ${n}: id`);
  assert.deepEqual(
    {
      target: got.target,
      direction: got.direction,
      ts: got.timestampNs,
      type: got.type,
      uv: got.userValue,
      length: got.length,
    },
    {
      target: want.target,
      direction: want.direction,
      ts: want.timestampNs,
      type: want.type,
      uv: want.userValue,
      length: want.length,
    },
    `record ${n}`,
  );
  assert.equal(Buffer.from(got.data).toString('hex'), Buffer.from(want.data).toString('hex'), `record ${n}: data`);
}

async function readAll(file: string): Promise<{ records: CaptureRecord[]; problems: CaptureProblem[] }> {
  const records: CaptureRecord[] = [];
  const problems: CaptureProblem[] = [];
  for await (const r of readCapture(file, { onProblem: (p) => problems.push(p) })) records.push(r);
  return { records, problems };
}

function writeCapture(file: string, count: number, blockBytes = 8 << 10): void {
  const w = new CaptureWriter(file, { blockBytes, flushIntervalMs: 0 });
  for (let n = 0; n < count; n++) w.write(record(n));
  w.close();
}

test('capture: 20 000 messages of three targets, both directions, come back identical and in order', async () => {
  const file = path.join(work, 'plain.kucap');
  writeCapture(file, 20_000);
  const { records, problems } = await readAll(file);
  assert.deepEqual(problems, []);
  assert.equal(records.length, 20_000);
  records.forEach((r, n) => assertRecord(r, n));
});

test('capture: a writer killed with SIGKILL leaves a capture readable up to its last whole block', async () => {
  const file = path.join(work, 'killed.kucap');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./testdata/write-forever.ts', import.meta.url)), file],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`the writer exited early (${code})`)));
    });
  } finally {
    child.kill('SIGKILL');
  }
  await new Promise((r) => child.once('close', r));
  const checkPrefix = (records: CaptureRecord[]): void =>
    records.forEach((r, n) => {
      assert.equal(r.id, BigInt(n), `record ${n} is out of order or missing`);
      assert.equal(r.data.length, n % 200);
      assert.ok(
        r.data.every((b) => b === n % 256),
        `record ${n}: data`,
      );
    });
  const killed = await readAll(file);
  assert.ok(killed.records.length >= 5000, `only ${killed.records.length} of the 5000 flushed records read back`);
  checkPrefix(killed.records);
  assert.ok(killed.problems.length <= 1, `problems: ${JSON.stringify(killed.problems)}`);
  // Cut the file inside its last whole block too, as a kill during write()
  // would. Wherever the kill landed (between blocks or inside one), the
  // file's whole blocks end where the last block read ends.
  let wholeEnd = 0;
  for await (const b of readCaptureBlocks(file)) wholeEnd = b.offset + BLOCK_HEADER_SIZE + b.body.length;
  writeFileSync(file, readFileSync(file).subarray(0, wholeEnd - 7));
  const { records, problems } = await readAll(file);
  assert.ok(
    records.length > 0 && records.length < killed.records.length,
    `${records.length} records after cutting the last block, ${killed.records.length} before`,
  );
  checkPrefix(records);
  assert.equal(problems.length, 1, `problems: ${JSON.stringify(problems)}`);
  assert.match(
    problems[0]?.message ?? '',
    /^the file ends inside the block at offset \d+ \(only \d+ of its \d+ body bytes are there\): it was cut off while being written; everything before it was read$/,
  );
});

test('capture: a damaged block is reported with its offset and skipped; the blocks after it are read', async () => {
  const file = path.join(work, 'damaged.kucap');
  writeCapture(file, 3000, 4096);
  const clean = await readAll(file);
  const bytes = readFileSync(file);
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = (bytes[middle] ?? 0) ^ 0x40;
  writeFileSync(file, bytes);
  const { records, problems } = await readAll(file);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  const p = problems[0];
  assert.ok(p && p.offset <= middle, `reported at ${p?.offset}, the damage is at ${middle}`);
  assert.match(
    p.message,
    /^damaged block at offset \d+ \(checksum mismatch\); skipped \d+ bytes to the next block at \d+$/,
  );
  const lost = clean.records.length - records.length;
  assert.ok(lost > 0 && lost < 100, `${lost} records lost: one block's worth expected`);
  const ids = records.map((r) => Number(r.id));
  const gapAt = ids.findIndex((id, i) => id !== i);
  assert.ok(gapAt > 0, 'records before the damage are all there');
  ids.slice(gapAt).forEach((id, i) => assert.equal(id, gapAt + lost + i, 'records after the damage are all there'));
  for (const r of records) assertRecord(r, Number(r.id));
});

test('capture: garbage between blocks is skipped and reported, not fatal', async () => {
  const file = path.join(work, 'garbage.kucap');
  writeCapture(file, 10, 1 << 20);
  const first = readFileSync(file);
  writeCapture(path.join(work, 'second.kucap'), 10, 1 << 20);
  const second = readFileSync(path.join(work, 'second.kucap')).subarray(16);
  writeFileSync(file, Buffer.concat([first, Buffer.from('KBLK not really a block'), second]));
  const { records, problems } = await readAll(file);
  assert.equal(records.length, 20);
  assert.equal(problems.length, 1);
  assert.match(problems[0]?.message ?? '', /skipped 23 bytes/);
});

test('capture: not a capture file is one clear error', async () => {
  const file = path.join(work, 'not.kucap');
  writeFileSync(file, 'hello world, this is text');
  await assert.rejects(readAll(file), /not\.kucap is not a kucomms capture file \(it does not start with "KUCMCAP"\)/);
});

function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

test('capture: writing and reading 1 000 000 messages takes no more memory than 10', async () => {
  const small = path.join(work, 'ten.kucap');
  const big = path.join(work, 'million.kucap');
  const base = heapAfterGc();
  writeCapture(small, 10);
  for await (const r of readCapture(small)) void r;
  const afterSmall = heapAfterGc() - base;
  const data = new Uint8Array(16);
  const w = new CaptureWriter(big, { flushIntervalMs: 0 });
  // What stays live while streaming, sampled after a collection: garbage not
  // yet collected depends on when the collector runs, not on the capture code.
  let peak = 0;
  for (let n = 0; n < 1_000_000; n++) {
    w.write({
      target: 'demo:echo',
      direction: 'rx',
      timestampNs: BigInt(n),
      length: 16n,
      type: 1n,
      id: BigInt(n),
      userValue: 0n,
      data,
    });
    if (n % 250_000 === 0) peak = Math.max(peak, heapAfterGc() - base);
  }
  w.close();
  let count = 0;
  for await (const r of readCapture(big)) {
    if (r.id !== BigInt(count)) assert.fail(`record ${count} read back as ${r.id}`);
    if (++count % 250_000 === 0) peak = Math.max(peak, heapAfterGc() - base);
  }
  assert.equal(count, 1_000_000);
  const afterBig = heapAfterGc() - base;
  assert.ok(statSync(big).size > 60_000_000, 'the capture is larger than any buffer');
  assert.ok(
    afterBig - afterSmall < 8 << 20,
    `heap kept ${((afterBig - afterSmall) / 1048576).toFixed(1)} MiB more after a million messages than after ten`,
  );
  assert.ok(
    peak < 16 << 20,
    `heap peaked ${(peak / 1048576).toFixed(1)} MiB above the start while streaming 64 MB (no more than a few blocks may be live)`,
  );
});

test('pcapng: export then import gives back every message, target, direction and nanosecond timestamp', async () => {
  const file = path.join(work, 'export.kucap');
  writeCapture(file, 2000);
  const pcap = path.join(work, 'export.pcapng');
  assert.equal(await exportPcapng(readCapture(file), pcap), 2000);
  const problems: CaptureProblem[] = [];
  let n = 0;
  for await (const r of importPcapng(pcap, (p) => problems.push(p))) assertRecord(r, n++);
  assert.equal(n, 2000);
  assert.deepEqual(problems, []);
});

test('pcapng: tshark opens the export, one interface per target, LINKTYPE_USER0, inbound for rx', async () => {
  const file = path.join(work, 'tshark.kucap');
  writeCapture(file, 6);
  const pcap = path.join(work, 'tshark.pcapng');
  await exportPcapng(readCapture(file), pcap);
  const r = spawnSync(
    'tshark',
    [
      '-r',
      pcap,
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'frame.interface_name',
      '-e',
      'frame.encap_type',
      '-e',
      'frame.packet_flags_direction',
      '-e',
      'frame.time_epoch',
      '-e',
      'frame.len',
    ],
    { encoding: 'utf8' },
  );
  if (r.error) assert.fail(`tshark could not run (apt-get install tshark): ${r.error.message}`);
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\n');
  assert.equal(rows.length, 6);
  const first = rows[0]?.split('|');
  assert.equal(first?.[0], 'demo:echo');
  assert.equal(first?.[1], '45', 'WTAP_ENCAP_USER0 (LINKTYPE_USER0)');
  assert.equal(first?.[2], '0x00000002', 'outbound (tx)');
  assert.equal(first?.[3], '1764000000.123456789');
  assert.equal(first?.[4], String(4 + 'demo:echo'.length + 32 + 0), 'pseudo-header + header + data');
  assert.equal(rows[1]?.split('|')[0], '/dev/kucomms_echo');
  assert.equal(rows[1]?.split('|')[2], '0x00000001', 'inbound (rx)');
});

test('pcapng: a cut-off pcapng imports up to its last whole packet and says so', async () => {
  const file = path.join(work, 'cut.kucap');
  writeCapture(file, 50);
  const pcap = path.join(work, 'cut.pcapng');
  await exportPcapng(readCapture(file), pcap);
  const bytes = readFileSync(pcap);
  writeFileSync(pcap, bytes.subarray(0, bytes.length - 10));
  const problems: CaptureProblem[] = [];
  let n = 0;
  for await (const r of importPcapng(pcap, (p) => problems.push(p))) assertRecord(r, n++);
  assert.equal(n, 49);
  assert.equal(problems.length, 1);
  assert.match(problems[0]?.message ?? '', /cut off/);
});

/** A monitored conversation: an opener's message, the module's reply, a drop, the link's close. */
function monitoredRecords(): CaptureRecord[] {
  const link = { device: 'kucomms_thermo', link: 3, pid: 4242, process: 'thermo_daemon' };
  const base = { target: 'monitor:/dev/kucomms_thermo', type: 1n, id: 7n, userValue: 0n };
  const note = (timestampNs: bigint, origin: CaptureRecord['origin']): CaptureRecord => ({
    ...base,
    type: 0n,
    id: 0n,
    direction: 'rx',
    timestampNs,
    length: 0n,
    data: Buffer.alloc(0),
    ...(origin ? { origin } : {}),
  });
  return [
    { ...base, direction: 'tx', timestampNs: 1n, length: 2n, data: Buffer.from('hi'), origin: link },
    { ...base, direction: 'rx', timestampNs: 2n, length: 1n, data: Buffer.from('!'), origin: link },
    note(3n, { ...link, note: 'drop', value: 37n }),
    note(4n, { ...link, note: 'link-close', value: 9n }),
  ];
}

test('capture v2: monitored messages keep their link, pid and process, and drops and events stay where they happened, in the file, its index and pcapng', async () => {
  const file = path.join(work, 'monitored.kucap');
  const w = new CaptureWriter(file);
  const want = monitoredRecords();
  for (const r of [...want, record(0)]) w.write(r);
  w.close();
  assert.equal(readFileSync(file).readUInt32LE(8), 2, 'format version 2');
  const strip = (r: CaptureRecord): unknown => ({ ...r, data: Buffer.from(r.data).toString('hex') });
  const back: CaptureRecord[] = [];
  for await (const r of readCapture(file)) back.push(r);
  assert.deepEqual(back.slice(0, 4).map(strip), want.map(strip));
  assert.equal(back[4]?.origin, undefined, "the Studio's own message has no origin");

  const index = new CaptureIndex(file);
  await index.build();
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((row) => index.origin(row)),
    [...want.map((r) => r.origin), undefined],
  );

  const pcap = path.join(work, 'monitored.pcapng');
  await exportPcapng(readCapture(file), pcap);
  const problems: CaptureProblem[] = [];
  const imported: CaptureRecord[] = [];
  for await (const r of importPcapng(pcap, (p) => problems.push(p))) imported.push(r);
  assert.deepEqual(problems, []);
  assert.deepEqual(imported.map(strip), back.map(strip));
  const t = spawnSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'frame.comment'], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout.split('\n')[0] ?? '', /^kucomms-origin .*"pid":4242,"process":"thermo_daemon"/);
});
