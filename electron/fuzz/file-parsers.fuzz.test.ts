// Property tests of the binary readers: capture files, pcapng files and the
// codec's decode. Inputs are valid files and messages with one field broken
// (a byte flipped, a length set to an edge value, bytes inserted, the end cut
// off) and random bytes. Whatever the bytes: no exception but the reader's
// own "not a file of this kind" (InputError), every record it gives is whole,
// the file is never changed, and a capture gives back only records that were
// written (its blocks are checksummed) and all of them when it reports nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { CaptureIndex } from '../services/capture/capture-index.ts';
import { BLOCK_HEADER_SIZE, FILE_HEADER_SIZE, fileHeader, type CaptureRecord } from '../services/capture/format.ts';
import { exportPcapng, importPcapng } from '../services/capture/pcapng.ts';
import { readCapture, type CaptureProblem } from '../services/capture/reader.ts';
import { CaptureWriter } from '../services/capture/writer.ts';
import { InputError } from '../services/input-error.ts';
import { decodeMessage } from '../services/protocol/decode.ts';
import { EncodeError, encodeMessage } from '../services/protocol/encode.ts';
import type { Layout } from '../services/protocol/layout.ts';
import { loadLayoutFile } from '../services/protocol/loader.ts';
import { randomMessage, Rng } from '../services/protocol/testdata/random-values.ts';
import { fuzz, oneFieldBroken, oneLengthBroken } from './fuzz.ts';

const work = mkdtempSync(path.join(tmpdir(), 'kucomms-fuzz-files-'));
after(() => rmSync(work, { recursive: true, force: true }));

const listing = (r: CaptureRecord): string =>
  `${r.target} ${r.direction} ${r.timestampNs} ${r.type} ${r.id} ${r.userValue} ${r.length} ${Buffer.from(r.data).toString('hex')}`;

function assertWhole(r: CaptureRecord): void {
  assert.equal(BigInt(r.data.length), r.length, `a record whose header says ${r.length} bytes holds ${r.data.length}`);
  assert.ok(r.direction === 'rx' || r.direction === 'tx', `direction ${String(r.direction)}`);
}

// Two valid captures: the version-1 fixture, and one of three targets over many small blocks.
const compatCapture = fileURLToPath(new URL('../services/capture/testdata/compat/capture-v1.kucap', import.meta.url));
const manyBlocks = path.join(work, 'many-blocks.kucap');
{
  const w = new CaptureWriter(manyBlocks, { blockBytes: 300, flushIntervalMs: 0 });
  for (let n = 0; n < 40; n++)
    w.write({
      target: ['demo:echo', 'shm:x', '/dev/kucomms_echo'][n % 3]!,
      direction: n % 2 ? 'rx' : 'tx',
      timestampNs: BigInt(n),
      length: BigInt(n % 9),
      type: BigInt(n % 4),
      id: BigInt(n),
      userValue: 7n,
      data: Buffer.alloc(n % 9, n),
    });
  w.close();
}
const captureBases = [compatCapture, manyBlocks].map((f) => new Uint8Array(readFileSync(f)));
const written = new Set<string>();
for (const f of [compatCapture, manyBlocks]) for await (const r of readCapture(f)) written.add(listing(r));

/** Each block's length and record count, and the file header's version. */
function captureFields(b: Buffer): number[] {
  const out = [8];
  for (let at = FILE_HEADER_SIZE; at + BLOCK_HEADER_SIZE <= b.length; at += BLOCK_HEADER_SIZE + b.readUInt32LE(at + 4))
    out.push(at + 4, at + 8);
  return out;
}

/** Each block's leading and trailing length, and a packet's interface and captured length. */
function pcapngFields(b: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at + 12 <= b.length; at += b.readUInt32LE(at + 4)) {
    const total = b.readUInt32LE(at + 4);
    out.push(at + 4, at + total - 4);
    if (b.readUInt32LE(at) === 6) out.push(at + 8, at + 20, at + 24);
  }
  return out;
}

let fileNo = 0;
function asFile(bytes: Uint8Array, ext: string): string {
  const file = path.join(work, `input-${++fileNo}.${ext}`);
  writeFileSync(file, bytes);
  return file;
}

function unchanged(file: string, bytes: Uint8Array): void {
  assert.ok(
    Buffer.from(bytes).equals(readFileSync(file)) && statSync(file).size === bytes.length,
    'reading changed the file',
  );
}

test('fuzz: the capture reader and index read every whole block of a damaged capture, only written records, and report what they skip', async () => {
  const inputs = fc.oneof(
    oneFieldBroken(captureBases),
    oneLengthBroken(captureBases, captureFields),
    fc.uint8Array({ maxLength: 600 }).map((b) => new Uint8Array(Buffer.concat([fileHeader(), b]))),
    fc.uint8Array({ maxLength: 64 }),
  );
  await fuzz('capture-reader', inputs, async (bytes) => {
    const file = asFile(bytes, 'kucap');
    const problems: CaptureProblem[] = [];
    const records: string[] = [];
    try {
      for await (const r of readCapture(file, { onProblem: (p) => problems.push(p) })) {
        assertWhole(r);
        records.push(listing(r));
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      unchanged(file, bytes);
      return;
    }
    for (const r of records) assert.ok(written.has(r), `a record that was never written: ${r}`);
    for (const p of problems)
      assert.ok(p.offset >= 0 && p.offset <= bytes.length && p.message.length > 0, `problem ${JSON.stringify(p)}`);
    if (problems.length === 0 && captureBases.some((b) => Buffer.from(b).equals(Buffer.from(bytes))))
      assert.equal(records.length, bytes.length === captureBases[0]!.length ? 6 : 40);
    const index = new CaptureIndex(file);
    await index.build();
    assert.equal(index.total, records.length, 'the index and the reader disagree on how many records the file holds');
    unchanged(file, bytes);
  });
});

const pcapngBases: Uint8Array[] = [];
for (const f of [compatCapture, manyBlocks]) {
  const out = path.join(work, `${path.basename(f)}.pcapng`);
  await exportPcapng(readCapture(f), out);
  pcapngBases.push(new Uint8Array(readFileSync(out)));
}

test('fuzz: the pcapng reader gives whole records from a damaged pcapng and reports the rest; only a file that is not pcapng at all throws', async () => {
  const inputs = fc.oneof(
    oneFieldBroken(pcapngBases),
    oneLengthBroken(pcapngBases, pcapngFields),
    fc
      .uint8Array({ maxLength: 300 })
      .map((b) => new Uint8Array(Buffer.concat([Buffer.from(pcapngBases[0]!.subarray(0, 28)), b]))),
    fc.uint8Array({ maxLength: 64 }),
  );
  await fuzz('pcapng-reader', inputs, async (bytes) => {
    const file = asFile(bytes, 'pcapng');
    const problems: CaptureProblem[] = [];
    try {
      for await (const r of importPcapng(file, (p) => problems.push(p))) assertWhole(r);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
    }
    for (const p of problems)
      assert.ok(p.offset >= 0 && p.offset <= bytes.length && p.message.length > 0, `problem ${JSON.stringify(p)}`);
    unchanged(file, bytes);
  });
});

// Valid messages of every kind of every layout, encoded from random values; the first byte of an input picks the layout.
const layoutFiles = [
  new URL('../../protocols/', import.meta.url),
  new URL('../services/protocol/testdata/', import.meta.url),
].flatMap((dir) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.yaml'))
    .map((n) => fileURLToPath(new URL(n, dir))),
);
const layouts: Layout[] = layoutFiles.flatMap((f) => {
  try {
    return [loadLayoutFile(f)];
  } catch {
    return [];
  }
});
const messages: Uint8Array[] = [];
layouts.forEach((layout, li) => {
  for (const kind of layout.messages)
    for (let seed = 1; seed <= 4; seed++) {
      try {
        const header = { type: kind.when.type ?? 0n, id: kind.when.id ?? 1n, user_value: kind.when.user_value ?? 0n };
        messages.push(
          new Uint8Array([li, ...encodeMessage(layout, header, randomMessage(kind, new Rng(seed * 7919)), kind.name)]),
        );
      } catch (err) {
        if (!(err instanceof EncodeError)) throw err;
      }
    }
});

test('fuzz: decode gives a result (with its error when the bytes do not fit) for every message of every layout, broken or not, and never throws', async () => {
  assert.ok(
    layouts.length >= 4 && messages.length >= 20,
    `${layouts.length} layouts, ${messages.length} messages to start from`,
  );
  const inputs = fc.oneof(oneFieldBroken(messages), fc.uint8Array({ maxLength: 200 }));
  await fuzz('codec-decode', inputs, (input) => {
    const layout = layouts[(input[0] ?? 0) % layouts.length]!;
    const d = decodeMessage(layout, input.subarray(1));
    assert.equal(typeof d.header.type, 'bigint');
    assert.ok(Array.isArray(d.tree));
    if (d.error) assert.ok(d.error.message.length > 0);
  });
});
