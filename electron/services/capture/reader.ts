// Reads a capture file (format.ts) as a stream of records, one block in
// memory at a time. A damaged block is reported through onProblem and
// skipped (reading resumes at the next block whose checksum holds); a file
// cut off mid-block reads to its last whole block and reports the rest.
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { FileWindow } from './file-window.ts';
import {
  BLOCK_HEADER_SIZE,
  BLOCK_MAGIC,
  DIRECTION_NAME,
  FILE_HEADER_SIZE,
  FILE_MAGIC,
  FILE_VERSION,
  MAX_BLOCK_BODY,
  RECORD_HEADER_SIZE,
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

type BlockCheck = { ok: true; body: Buffer; count: number; next: number } | { ok: false; why: string; truncated: boolean };

async function checkBlock(w: FileWindow, at: number): Promise<BlockCheck> {
  if (!(await w.ensure(at, BLOCK_HEADER_SIZE)))
    return { ok: false, why: `only ${w.end - at} of its ${BLOCK_HEADER_SIZE} header bytes are there`, truncated: true };
  const head = w.slice(at, BLOCK_HEADER_SIZE);
  if (head.readUInt32LE(0) !== BLOCK_MAGIC) return { ok: false, why: 'no block magic', truncated: false };
  const length = head.readUInt32LE(4);
  const count = head.readUInt32LE(8);
  if (length > MAX_BLOCK_BODY) return { ok: false, why: `block length ${length} is impossible`, truncated: false };
  if (!(await w.ensure(at, BLOCK_HEADER_SIZE + length)))
    return { ok: false, why: `only ${w.end - at - BLOCK_HEADER_SIZE} of its ${length} body bytes are there`, truncated: true };
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

/** One whole block whose checksum holds: where it starts, its body (a view into the reader's window) and record count. */
export interface CaptureBlock {
  offset: number;
  body: Buffer;
  count: number;
}

/** The target names of a block's table and where its first record starts in the body. */
export function blockTargets(body: Buffer): { targets: string[]; recordsAt: number } {
  const targets: string[] = [];
  let p = 2;
  const nTargets = body.readUInt16LE(0);
  for (let i = 0; i < nTargets; i++) {
    const n = body.readUInt16LE(p);
    targets.push(body.toString('utf8', p + 2, p + 2 + n));
    p += 2 + n;
  }
  return { targets, recordsAt: p };
}

function* parseBody(body: Buffer, count: number, blockAt: number): Generator<CaptureRecord> {
  // One copy per block: records may outlive the reader's window.
  const b = Buffer.from(body);
  const { targets, recordsAt } = blockTargets(b);
  let p = recordsAt;
  for (let i = 0; i < count; i++) {
    if (p + RECORD_HEADER_SIZE > b.length) throw new Error(`block at ${blockAt}: record ${i} of ${count} runs past the block`);
    const length = b.readBigUInt64LE(p + 16);
    const end = p + RECORD_HEADER_SIZE + Number(length);
    const target = targets[b.readUInt16LE(p + 8)];
    const direction = DIRECTION_NAME[b.readUInt8(p + 10)];
    if (end > b.length || target === undefined || direction === undefined)
      throw new Error(`block at ${blockAt}: record ${i} of ${count} is malformed`);
    yield {
      target,
      direction,
      timestampNs: b.readBigUInt64LE(p),
      length,
      type: b.readBigUInt64LE(p + 24),
      id: b.readBigUInt64LE(p + 32),
      userValue: b.readBigUInt64LE(p + 40),
      data: b.subarray(p + RECORD_HEADER_SIZE, end),
    };
    p = end;
  }
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
      throw new Error(`${path} is not a kucomms capture file (it does not start with "KUCMCAP")`);
    const version = w.slice(0, FILE_HEADER_SIZE).readUInt32LE(8);
    if (version !== FILE_VERSION) throw new Error(`${path}: capture format version ${version}; this Studio reads version ${FILE_VERSION}`);
    let at = FILE_HEADER_SIZE;
    for (;;) {
      if (!(await w.ensure(at, 1))) return;
      const block = await checkBlock(w, at);
      if (block.ok) {
        yield { offset: at, body: block.body, count: block.count };
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
      report({ offset: at, message: `damaged block at offset ${at} (${block.why}); skipped ${next - at} bytes to the next block at ${next}` });
      at = next;
    }
  } finally {
    await fh.close();
  }
}

/** Streams the records of a capture file. Throws only if it is not a capture file at all. */
export async function* readCapture(path: string, options: ReadCaptureOptions = {}): AsyncGenerator<CaptureRecord> {
  const report = options.onProblem ?? (() => {});
  for await (const block of readCaptureBlocks(path, options)) {
    try {
      yield* parseBody(block.body, block.count, block.offset);
    } catch (err) {
      report({ offset: block.offset, message: (err as Error).message });
    }
  }
}
