// Damaged captures and pcapng files: everything readable is read, every part
// skipped is reported with where and how much, reading never changes the file,
// and the files this version writes keep opening (testdata/compat holds a
// capture and a pcapng export of format version 1, byte for byte).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { CaptureIndex } from './capture-index.ts';
import { BLOCK_HEADER_SIZE, FILE_HEADER_SIZE, type CaptureRecord } from './format.ts';
import { importPcapng } from './pcapng.ts';
import { readCapture, type CaptureProblem } from './reader.ts';
import { CaptureWriter } from './writer.ts';

const work = mkdtempSync(path.join(tmpdir(), 'kucomms-capture-damage-'));
after(() => rmSync(work, { recursive: true, force: true }));
const compat = (name: string): string => fileURLToPath(new URL(`./testdata/compat/${name}`, import.meta.url));

/** The six records testdata/compat holds, as `target direction ts type id user_value data`. */
const COMPAT_LISTING = [0, 1, 2, 3, 4, 5].map(
  (n) =>
    `${n % 2 ? 'demo:echo' : '/dev/kucomms_echo'} ${n % 3 ? 'rx' : 'tx'} ${1_764_000_000_000_000_000n + BigInt(n) * 1_000_001n} ${n} ${100 + n} ${0xffff_ffff_ffff_fff0n + BigInt(n)} ${Buffer.alloc(n * 3, 0x41 + n).toString('hex')}`,
);
const listing = (r: CaptureRecord): string =>
  `${r.target} ${r.direction} ${r.timestampNs} ${r.type} ${r.id} ${r.userValue} ${Buffer.from(r.data).toString('hex')}`;

async function readAll(records: AsyncIterable<CaptureRecord>): Promise<string[]> {
  const out: string[] = [];
  for await (const r of records) out.push(listing(r));
  return out;
}

function hashOf(file: string): string {
  return `${createHash('sha256').update(readFileSync(file)).digest('hex')} ${statSync(file).mtimeMs}`;
}

/** Reads @file every way the Studio does (stream, index, pcapng import); returns what each said, and checks the file did not change. */
async function readEveryWay(
  file: string,
): Promise<{ records: string[]; problems: string[]; indexRows: number; indexProblems: string[] }> {
  const before = hashOf(file);
  const problems: CaptureProblem[] = [];
  const records = await readAll(readCapture(file, { onProblem: (p) => problems.push(p) }));
  const index = new CaptureIndex(file);
  await index.build();
  assert.equal(hashOf(file), before, `reading ${path.basename(file)} changed it`);
  return {
    records,
    problems: problems.map((p) => p.message),
    indexRows: index.total,
    indexProblems: index.damage.map((p) => p.message),
  };
}

function writeCapture(file: string, count: number): void {
  const w = new CaptureWriter(file, { flushIntervalMs: 0 });
  for (let n = 0; n < count; n++)
    w.write({
      target: 'demo:echo',
      direction: 'rx',
      timestampNs: BigInt(n),
      length: 4n,
      type: 1n,
      id: BigInt(n),
      userValue: 0n,
      data: Buffer.from([n, n, n, n]),
    });
  w.close();
}

/** Changes the first block of @file with @edit (its header and body) and fixes its checksum, as a buggy or hostile writer would. */
function rewriteFirstBlock(file: string, edit: (header: Buffer, body: Buffer) => void): void {
  const bytes = readFileSync(file);
  const header = bytes.subarray(FILE_HEADER_SIZE, FILE_HEADER_SIZE + BLOCK_HEADER_SIZE);
  const body = bytes.subarray(
    FILE_HEADER_SIZE + BLOCK_HEADER_SIZE,
    FILE_HEADER_SIZE + BLOCK_HEADER_SIZE + header.readUInt32LE(4),
  );
  edit(header, body);
  header.writeUInt32LE(crc32(body, crc32(header.subarray(4, 12))), 12);
  writeFileSync(file, bytes);
}

test('compat: a version-1 capture and a version-1 pcapng export open with every record as written', async () => {
  const kucap = compat('capture-v1.kucap');
  const { records, problems, indexRows } = await readEveryWay(kucap);
  assert.deepEqual(problems, []);
  assert.deepEqual(records, COMPAT_LISTING);
  assert.equal(indexRows, 6);
  const before = hashOf(compat('export-v1.pcapng'));
  const pcapProblems: CaptureProblem[] = [];
  assert.deepEqual(
    await readAll(importPcapng(compat('export-v1.pcapng'), (p) => pcapProblems.push(p))),
    COMPAT_LISTING,
  );
  assert.deepEqual(pcapProblems, []);
  assert.equal(hashOf(compat('export-v1.pcapng')), before);
});

test('capture: a block announcing fewer records than it holds loses none of them and says so', async () => {
  const file = path.join(work, 'fewer.kucap');
  writeCapture(file, 10);
  rewriteFirstBlock(file, (header) => header.writeUInt32LE(7, 8));
  const r = await readEveryWay(file);
  assert.equal(r.records.length, 10);
  assert.equal(r.indexRows, 10);
  assert.deepEqual(r.problems, [`block at ${FILE_HEADER_SIZE} announces 7 records but holds 10; all 10 were read`]);
  assert.deepEqual(r.indexProblems, r.problems);
});

test('capture: a block announcing more records than it holds reads those it holds and says so', async () => {
  const file = path.join(work, 'more.kucap');
  writeCapture(file, 10);
  rewriteFirstBlock(file, (header) => header.writeUInt32LE(1000, 8));
  const r = await readEveryWay(file);
  assert.equal(r.records.length, 10);
  assert.deepEqual(r.problems, [`block at ${FILE_HEADER_SIZE} announces 1000 records but holds 10; all 10 were read`]);
});

test('capture: a malformed record inside a whole block: the records before it are read, the bytes after it reported', async () => {
  const file = path.join(work, 'malformed.kucap');
  writeCapture(file, 10);
  // Record 4's direction code becomes 7. The target table is 2 + 2 + "demo:echo", the (empty) origin table 2;
  // each record 48 + 4 bytes.
  const recordAt = (n: number): number => 2 + 2 + 'demo:echo'.length + 2 + n * 52;
  rewriteFirstBlock(file, (_header, body) => body.writeUInt8(7, recordAt(4) + 10));
  const r = await readEveryWay(file);
  assert.equal(r.records.length, 4);
  assert.equal(r.indexRows, 4);
  assert.deepEqual(r.problems, [
    `block at ${FILE_HEADER_SIZE}: record 4 (10 announced) is malformed: its direction code 7 is neither 0 (tx) nor 1 (rx); the last ${6 * 52} bytes of the block were skipped`,
  ]);
});

test('capture: a block whose target table runs past its body is reported, not thrown', async () => {
  const file = path.join(work, 'table.kucap');
  writeCapture(file, 10);
  rewriteFirstBlock(file, (_header, body) => body.writeUInt16LE(0xffff, 2));
  const r = await readEveryWay(file);
  assert.equal(r.records.length, 0);
  assert.deepEqual(r.problems, [
    `block at ${FILE_HEADER_SIZE}: target 0 of its table runs past the body; its 10 records were skipped`,
  ]);
  assert.deepEqual(r.indexProblems, r.problems);
});

test('pcapng: a block claiming 4 GB in the middle of a file: the packets before it are read, the rest reported as skipped', async () => {
  const file = path.join(work, 'absurd.pcapng');
  copyFileSync(compat('export-v1.pcapng'), file);
  const bytes = readFileSync(file);
  // The last packet's block length (its first word after the type) becomes 0xfffffff0.
  const lastBlockAt = bytes.length - bytes.readUInt32LE(bytes.length - 4);
  bytes.writeUInt32LE(0xfffffff0, lastBlockAt + 4);
  writeFileSync(file, bytes);
  const before = hashOf(file);
  const problems: CaptureProblem[] = [];
  const records = await readAll(importPcapng(file, (p) => problems.push(p)));
  assert.deepEqual(records, COMPAT_LISTING.slice(0, 5));
  assert.deepEqual(
    problems.map((p) => p.message),
    [
      `the block at offset ${lastBlockAt} has an impossible length 4294967280 (more than the 64 MiB a block may have): the rest of the file (${bytes.length - lastBlockAt} bytes from offset ${lastBlockAt}) was skipped; everything before it was read`,
    ],
  );
  assert.equal(hashOf(file), before);
});

test('pcapng: an empty file and a file of another kind are one clear error each', async () => {
  const empty = path.join(work, 'empty.pcapng');
  writeFileSync(empty, '');
  await assert.rejects(readAll(importPcapng(empty)), {
    name: 'InputError',
    message: `${empty} is not a pcapng file (it is empty)`,
  });
  await assert.rejects(readAll(importPcapng(compat('capture-v1.kucap'))), {
    name: 'InputError',
    message: /is not a pcapng file \(it does not start with a section header block\)/,
  });
});
