// Reads a capture file (format.ts) as a stream of records, one block in
// memory at a time. A damaged block is reported through onProblem and
// skipped (reading resumes at the next block whose checksum holds); a file
// cut off mid-block reads to its last whole block and reports the rest.
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { Direction, MessageOrigin } from '../../shared/message.ts';
import { LIMITS, formatBytes } from '../../shared/limits.ts';
import { InputError } from '../input-error.ts';
import { FileWindow } from './file-window.ts';
import {
  BLOCK_HEADER_SIZE,
  BLOCK_MAGIC,
  DIRECTION_NAME,
  FILE_HEADER_SIZE,
  FILE_MAGIC,
  FILE_VERSION,
  READ_VERSIONS,
  RECORD_HEADER_SIZE,
  originFromBytes,
  type CaptureRecord,
} from './format.ts';

export interface CaptureProblem {
  /** byte offset in the file where the problem starts */
  offset: number;
  message: string;
}

export interface ReadCaptureOptions {
  /** Called for each damaged or missing part; reading goes on. */
  onProblem?: (problem: CaptureProblem) => void;
}

const MAGIC_BYTES = Buffer.alloc(4);
MAGIC_BYTES.writeUInt32LE(BLOCK_MAGIC);

type BlockCheck =
  { ok: true; body: Buffer; count: number; next: number } | { ok: false; why: string; truncated: boolean };

async function checkBlock(w: FileWindow, at: number): Promise<BlockCheck> {
  if (!(await w.ensure(at, BLOCK_HEADER_SIZE)))
    return { ok: false, why: `only ${w.end - at} of its ${BLOCK_HEADER_SIZE} header bytes are there`, truncated: true };
  const head = w.slice(at, BLOCK_HEADER_SIZE);
  if (head.readUInt32LE(0) !== BLOCK_MAGIC) return { ok: false, why: 'no block magic', truncated: false };
  const length = head.readUInt32LE(4);
  const count = head.readUInt32LE(8);
  if (length > LIMITS.captureBlockBytes)
    return {
      ok: false,
      why: `block length ${length} is more than the ${formatBytes(LIMITS.captureBlockBytes)} a block may have`,
      truncated: false,
    };
  if (!(await w.ensure(at, BLOCK_HEADER_SIZE + length)))
    return {
      ok: false,
      why: `only ${w.end - at - BLOCK_HEADER_SIZE} of its ${length} body bytes are there`,
      truncated: true,
    };
  const block = w.slice(at, BLOCK_HEADER_SIZE + length);
  const body = block.subarray(BLOCK_HEADER_SIZE);
  const crc = crc32(body, crc32(block.subarray(4, 12)));
  if (crc !== block.readUInt32LE(12)) return { ok: false, why: 'checksum mismatch', truncated: false };
  return { ok: true, body, count, next: at + BLOCK_HEADER_SIZE + length };
}

/** The next offset after @from where a whole, valid block starts, if any. */
async function resync(w: FileWindow, from: number): Promise<number | undefined> {
  let at = from;
  for (;;) {
    if (!(await w.ensure(at, 4))) return undefined;
    const i = w.buf.indexOf(MAGIC_BYTES, at - w.start);
    if (i < 0) {
      at = w.end - 3;
      continue;
    }
    at = w.start + i;
    if ((await checkBlock(w, at)).ok) return at;
    at += 1;
  }
}

/** One whole block whose checksum holds: where it starts, its body (a view into the reader's window), record count, and the file's format version. */
export interface CaptureBlock {
  offset: number;
  body: Buffer;
  count: number;
  version: number;
}

/** The texts of one of a block's tables (u16 count, then u16 length + UTF-8 each) from @p, and where it ends. */
function readTable(body: Buffer, p: number, what: string): { texts: string[]; end: number } | string {
  if (p + 2 > body.length) return `its ${body.length}-byte body has no room for the ${what} table`;
  const texts: string[] = [];
  const count = body.readUInt16LE(p);
  p += 2;
  for (let i = 0; i < count; i++) {
    if (p + 2 > body.length) return `its ${what} table names ${count} ${what}s but the body ends after ${i}`;
    const n = body.readUInt16LE(p);
    if (p + 2 + n > body.length) return `${what} ${i} of its table runs past the body`;
    texts.push(body.toString('utf8', p + 2, p + 2 + n));
    p += 2 + n;
  }
  return { texts, end: p };
}

/** A block's tables: its target names, its origins (version 2), and where its first record starts in the body; or what is wrong with them. */
export function blockTargets(
  body: Buffer,
  version: number,
): { targets: string[]; origins: MessageOrigin[]; recordsAt: number } | string {
  const targets = readTable(body, 0, 'target');
  if (typeof targets === 'string') return targets;
  if (version < 2) return { targets: targets.texts, origins: [], recordsAt: targets.end };
  const table = readTable(body, targets.end, 'origin');
  if (typeof table === 'string') return table;
  const origins: MessageOrigin[] = [];
  for (const [i, text] of table.texts.entries()) {
    const o = originFromBytes(text);
    if (typeof o === 'string') return `origin ${i} of its table is ${o}`;
    origins.push(o);
  }
  return { targets: targets.texts, origins, recordsAt: table.end };
}

/**
 * Called for each record of a block: where it starts in the body, its data
 * length, its target (index into the block's table), its direction, and
 * its origin (0: none, else 1 + its index into the block's origin table).
 */
export type RecordVisitor = (at: number, length: number, target: number, direction: Direction, origin: number) => void;

/**
 * Walks every record a block's body holds, front to back, to the body's end:
 * records beyond the count the block header announces are read too, and any
 * disagreement is reported, so a wrong count loses nothing. A malformed
 * record ends the walk (record lengths are the only way to the next one);
 * the bytes left are reported. @visitor is given the block's target names
 * (not called if the table is damaged: reported, no record visited) and
 * returns the visitor of the block's records.
 */
export function walkBlock(
  block: CaptureBlock,
  report: (p: CaptureProblem) => void,
  visitor: (targets: string[], origins: MessageOrigin[]) => RecordVisitor,
): void {
  const { body, offset, count } = block;
  const table = blockTargets(body, block.version);
  if (typeof table === 'string') {
    report({ offset, message: `block at ${offset}: ${table}; its ${count} records were skipped` });
    return;
  }
  const { targets, origins, recordsAt } = table;
  const visit = visitor(targets, origins);
  // A DataView reads the fields faster than Buffer's methods: this loop runs once per message.
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let p = recordsAt;
  let n = 0;
  while (p < body.length) {
    const fits = p + RECORD_HEADER_SIZE <= body.length;
    // A length beyond 2^32 cannot fit a block; it fails the `end` check below.
    const length = fits && v.getUint32(p + 20, true) === 0 ? v.getUint32(p + 16, true) : Infinity;
    const target = fits ? v.getUint16(p + 8, true) : targets.length;
    const direction = fits ? DIRECTION_NAME[v.getUint8(p + 10)] : undefined;
    // Version 1 left these bytes reserved: no origins there.
    const origin = fits && block.version >= 2 ? v.getUint32(p + 12, true) : 0;
    const why = !fits
      ? `only ${body.length - p} bytes are left for its ${RECORD_HEADER_SIZE}-byte header`
      : target >= targets.length
        ? `it names target ${target} of a table of ${targets.length}`
        : direction === undefined
          ? `its direction code ${v.getUint8(p + 10)} is neither 0 (tx) nor 1 (rx)`
          : origin > origins.length
            ? `it names origin ${origin} of a table of ${origins.length}`
            : p + RECORD_HEADER_SIZE + length > body.length
              ? `its data length ${fits ? v.getBigUint64(p + 16, true) : 0n} runs past the block`
              : undefined;
    if (why !== undefined) {
      report({
        offset,
        message: `block at ${offset}: record ${n} (${count} announced) is malformed: ${why}; the last ${body.length - p} bytes of the block were skipped`,
      });
      return;
    }
    visit(p, length, target, direction!, origin);
    p += RECORD_HEADER_SIZE + length;
    n++;
  }
  if (n !== count)
    report({ offset, message: `block at ${offset} announces ${count} records but holds ${n}; all ${n} were read` });
}

function parseBody(block: CaptureBlock, report: (p: CaptureProblem) => void): CaptureRecord[] {
  // One copy per block: records may outlive the reader's window.
  const b = Buffer.from(block.body);
  const records: CaptureRecord[] = [];
  walkBlock(
    { ...block, body: b },
    report,
    (targets, origins) => (p, length, target, direction, origin) =>
      records.push({
        ...(origin ? { origin: origins[origin - 1]! } : {}),
        target: targets[target]!,
        direction,
        timestampNs: b.readBigUInt64LE(p),
        length: BigInt(length),
        type: b.readBigUInt64LE(p + 24),
        id: b.readBigUInt64LE(p + 32),
        userValue: b.readBigUInt64LE(p + 40),
        data: b.subarray(p + RECORD_HEADER_SIZE, p + RECORD_HEADER_SIZE + length),
      }),
  );
  return records;
}

/** Is this a capture file (by its first bytes)? */
export function isCaptureHeader(first: Uint8Array): boolean {
  return Buffer.from(first.subarray(0, FILE_MAGIC.length)).equals(FILE_MAGIC);
}

/**
 * Streams the whole, checksummed blocks of a capture file (each body valid
 * until the next one is asked for). Throws only if it is not a capture file
 * at all; damage is reported through onProblem and skipped.
 */
export async function* readCaptureBlocks(path: string, options: ReadCaptureOptions = {}): AsyncGenerator<CaptureBlock> {
  const report = options.onProblem ?? (() => {});
  const fh = await open(path, 'r');
  try {
    const w = new FileWindow(fh);
    if (!(await w.ensure(0, FILE_HEADER_SIZE)) || !isCaptureHeader(w.slice(0, FILE_HEADER_SIZE)))
      throw new InputError(
        path,
        `${path} is not a kucomms capture file (${w.end === 0 ? 'it is empty' : 'it does not start with "KUCMCAP"'})`,
      );
    const version = w.slice(0, FILE_HEADER_SIZE).readUInt32LE(8);
    if (!READ_VERSIONS.includes(version))
      throw new InputError(
        path,
        `${path}: capture format version ${version}; this Studio reads versions ${READ_VERSIONS.join(' and ')} (it writes ${FILE_VERSION})`,
      );
    let at = FILE_HEADER_SIZE;
    for (;;) {
      if (!(await w.ensure(at, 1))) return;
      const block = await checkBlock(w, at);
      if (block.ok) {
        yield { offset: at, body: block.body, count: block.count, version };
        at = block.next;
        continue;
      }
      const next = await resync(w, at + 1);
      if (next === undefined) {
        report({
          offset: at,
          message: block.truncated
            ? `the file ends inside the block at offset ${at} (${block.why}): it was cut off while being written; everything before it was read`
            : `damaged data from offset ${at} to the end of the file (${block.why}); skipped`,
        });
        return;
      }
      report({
        offset: at,
        message: `damaged block at offset ${at} (${block.why}); skipped ${next - at} bytes to the next block at ${next}`,
      });
      at = next;
    }
  } finally {
    await fh.close();
  }
}

/** Streams the records of a capture file. Throws (InputError) only if it is not a capture file at all. */
export async function* readCapture(path: string, options: ReadCaptureOptions = {}): AsyncGenerator<CaptureRecord> {
  const report = options.onProblem ?? (() => {});
  for await (const block of readCaptureBlocks(path, options)) yield* parseBody(block, report);
}
