// Export to and import from pcapng, so Wireshark and tshark open captures
// (with the dissector `kucomms-studio gen lua` writes for a layout).
//
// Every packet is one kucomms message behind a small pseudo-header that
// carries what pcapng has no field for:
//
//   0  1  version (1)
//   1  1  direction: 0 = tx (sent to the target), 1 = rx (received from it)
//   2  2  pseudo-header length in bytes, little-endian (4 + the name's bytes)
//   4     target name, UTF-8 (e.g. /dev/kucomms_echo, demo:echo)
//   then  the 32-byte kucomms message header (little-endian u64 length,
//         type, id, user_value) and the message data
//
// The link type is one of LINKTYPE_USER0..15 (147..162; USER0 by default).
// Each target gets its own interface (named after it), timestamps are in
// nanoseconds, and epb_flags marks the direction too (inbound = rx).
// A monitored message's origin (link, pid, process) goes into a comment of
// its packet (opt_comment) that starts with ORIGIN_COMMENT and holds the
// origin as JSON; a monitor's drop or event is a packet of no message
// (header zero, no data) whose origin comment says what it is. Files
// without these comments (version-1 exports) read as before.
import { closeSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { LIMITS, formatBytes } from '../../shared/limits.ts';
import { InputError } from '../input-error.ts';
import { FileWindow } from './file-window.ts';
import { DIRECTION_CODE, DIRECTION_NAME, originBytes, originFromBytes, type CaptureRecord } from './format.ts';
import type { CaptureProblem } from './reader.ts';

export const LINKTYPE_USER0 = 147;
export const LINKTYPE_USER15 = 162;
export const PSEUDO_HEADER_VERSION = 1;

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const SPB = 0x00000003;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_END = 0;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_TSRESOL = 9;
const EPB_FLAGS = 2;
const OPT_COMMENT = 1;
/** What an origin comment starts with: then the origin as JSON (format.ts's origin table entry). */
export const ORIGIN_COMMENT = 'kucomms-origin ';
const EPB_INBOUND = 1;
const EPB_OUTBOUND = 2;

const pad4 = (n: number): number => (n + 3) & ~3;

function option(code: number, value: Buffer): Buffer {
  const b = Buffer.alloc(4 + pad4(value.length));
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(value.length, 2);
  value.copy(b, 4);
  return b;
}

function block(type: number, body: Buffer[]): Buffer {
  const bodyLength = body.reduce((n, b) => n + b.length, 0);
  const total = 12 + bodyLength;
  const head = Buffer.alloc(8);
  head.writeUInt32LE(type, 0);
  head.writeUInt32LE(total, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(total, 0);
  return Buffer.concat([head, ...body, tail]);
}

/** The packet bytes of one record: pseudo-header, message header, data. */
export function packetOf(r: CaptureRecord): Buffer {
  const name = Buffer.from(r.target, 'utf8');
  const p = Buffer.alloc(4 + name.length + 32 + r.data.length);
  p.writeUInt8(PSEUDO_HEADER_VERSION, 0);
  p.writeUInt8(DIRECTION_CODE[r.direction], 1);
  p.writeUInt16LE(4 + name.length, 2);
  name.copy(p, 4);
  const h = 4 + name.length;
  p.writeBigUInt64LE(r.length, h);
  p.writeBigUInt64LE(r.type, h + 8);
  p.writeBigUInt64LE(r.id, h + 16);
  p.writeBigUInt64LE(r.userValue, h + 24);
  p.set(r.data, h + 32);
  return p;
}

export interface ExportOptions {
  /** LINKTYPE_USER0 (147) .. LINKTYPE_USER15 (162) */
  linktype?: number;
}

/** Writes @records to @path as pcapng; resolves with the number written. */
export async function exportPcapng(
  records: AsyncIterable<CaptureRecord>,
  path: string,
  options: ExportOptions = {},
): Promise<number> {
  const linktype = options.linktype ?? LINKTYPE_USER0;
  if (!Number.isInteger(linktype) || linktype < LINKTYPE_USER0 || linktype > LINKTYPE_USER15)
    throw new Error(`link type ${linktype} is not one of LINKTYPE_USER0..15 (${LINKTYPE_USER0}..${LINKTYPE_USER15})`);
  // The first record is asked for before @path is opened: a reader that
  // throws because its input is not a capture leaves @path as it was.
  const it = records[Symbol.asyncIterator]();
  let next = await it.next();
  const fd = openSync(path, 'w');
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  const out = (b: Buffer): void => {
    pending.push(b);
    pendingBytes += b.length;
    if (pendingBytes >= 1 << 20) flush();
  };
  const flush = (): void => {
    if (pending.length) writeSync(fd, Buffer.concat(pending));
    pending.length = 0;
    pendingBytes = 0;
  };
  try {
    const shb = Buffer.alloc(16);
    shb.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
    shb.writeUInt16LE(1, 4);
    shb.writeUInt16LE(0, 6);
    shb.writeBigInt64LE(-1n, 8);
    out(block(SHB, [shb, option(SHB_USERAPPL, Buffer.from('kucomms Studio')), option(OPT_END, Buffer.alloc(0))]));
    const interfaces = new Map<string, number>();
    let count = 0;
    for (; !next.done; next = await it.next()) {
      const r = next.value;
      let iface = interfaces.get(r.target);
      if (iface === undefined) {
        iface = interfaces.size;
        interfaces.set(r.target, iface);
        const idb = Buffer.alloc(8);
        idb.writeUInt16LE(linktype, 0);
        idb.writeUInt32LE(0, 4);
        out(
          block(IDB, [
            idb,
            option(IF_NAME, Buffer.from(r.target, 'utf8')),
            option(IF_TSRESOL, Buffer.from([9])),
            option(OPT_END, Buffer.alloc(0)),
          ]),
        );
      }
      const packet = packetOf(r);
      const epb = Buffer.alloc(20);
      epb.writeUInt32LE(iface, 0);
      epb.writeUInt32LE(Number(r.timestampNs >> 32n), 4);
      epb.writeUInt32LE(Number(r.timestampNs & 0xffffffffn), 8);
      epb.writeUInt32LE(packet.length, 12);
      epb.writeUInt32LE(packet.length, 16);
      const flags = Buffer.alloc(4);
      flags.writeUInt32LE(r.direction === 'rx' ? EPB_INBOUND : EPB_OUTBOUND);
      out(
        block(EPB, [
          epb,
          packet,
          Buffer.alloc(pad4(packet.length) - packet.length),
          option(EPB_FLAGS, flags),
          ...(r.origin
            ? [option(OPT_COMMENT, Buffer.concat([Buffer.from(ORIGIN_COMMENT), originBytes(r.origin)]))]
            : []),
          option(OPT_END, Buffer.alloc(0)),
        ]),
      );
      count++;
    }
    flush();
    return count;
  } finally {
    closeSync(fd);
  }
}

interface Interface {
  linktype: number;
  /** timestamp units per second */
  unitsPerSecond: bigint;
}

function tsresol(v: number): bigint {
  return v & 0x80 ? 1n << BigInt(v & 0x7f) : 10n ** BigInt(v);
}

/** The record a packet of ours carries, or why it is not one. */
export function recordOfPacket(p: Buffer, timestampNs: bigint): CaptureRecord | string {
  if (p.length < 4) return `packet of ${p.length} bytes is too short for the pseudo-header`;
  if (p.readUInt8(0) !== PSEUDO_HEADER_VERSION)
    return `pseudo-header version ${p.readUInt8(0)} is not ${PSEUDO_HEADER_VERSION}`;
  const direction = DIRECTION_NAME[p.readUInt8(1)];
  if (direction === undefined) return `direction ${p.readUInt8(1)} is neither 0 (tx) nor 1 (rx)`;
  const h = p.readUInt16LE(2);
  if (h < 4 || h + 32 > p.length) return `pseudo-header length ${h} does not fit the ${p.length}-byte packet`;
  const length = p.readBigUInt64LE(h);
  if (length !== BigInt(p.length - h - 32))
    return `message header says ${length} data bytes, the packet holds ${p.length - h - 32}`;
  return {
    target: p.toString('utf8', 4, h),
    direction,
    timestampNs,
    length,
    type: p.readBigUInt64LE(h + 8),
    id: p.readBigUInt64LE(h + 16),
    userValue: p.readBigUInt64LE(h + 24),
    data: Buffer.from(p.subarray(h + 32)),
  };
}

/**
 * Streams the kucomms messages of a pcapng file (either byte order, any
 * number of sections). Packets of other link types or that do not parse are
 * reported through onProblem and skipped; a block whose length cannot be
 * right ends the reading there (pcapng has no marker to find the next block
 * by), reported with the bytes left unread. Throws InputError only if the
 * file is not pcapng at all.
 */
export async function* importPcapng(
  path: string,
  onProblem: (p: CaptureProblem) => void = () => {},
): AsyncGenerator<CaptureRecord> {
  const fh = await open(path, 'r');
  try {
    const w = new FileWindow(fh);
    let at = 0;
    let le = true;
    let interfaces: Interface[] = [];
    let warnedLinktype = new Set<number>();
    for (;;) {
      if (!(await w.ensure(at, 12))) {
        if (at === 0)
          throw new InputError(
            path,
            `${path} is not a pcapng file (${w.end === 0 ? 'it is empty' : `it holds only ${w.end} bytes`})`,
          );
        if (w.end > at)
          onProblem({
            offset: at,
            message: `the file ends inside a block at offset ${at}: its last ${w.end - at} bytes were skipped`,
          });
        return;
      }
      const head = w.slice(at, 12);
      const type = head.readUInt32LE(0);
      if (type === SHB) {
        const magic = head.readUInt32LE(8);
        if (magic === BYTE_ORDER_MAGIC) le = true;
        else if (head.readUInt32BE(8) === BYTE_ORDER_MAGIC) le = false;
        else if (at === 0)
          throw new InputError(path, `${path} is not a pcapng file (byte-order magic 0x${magic.toString(16)})`);
        else {
          await skipToEnd(
            w,
            at,
            onProblem,
            `the section header block at offset ${at} has a bad byte-order magic 0x${magic.toString(16)}`,
          );
          return;
        }
        interfaces = [];
        warnedLinktype = new Set();
      } else if (at === 0)
        throw new InputError(path, `${path} is not a pcapng file (it does not start with a section header block)`);
      const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
      const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
      const blockType = u32(head, 0);
      const total = u32(head, 4);
      const minimum = blockType === EPB ? 32 : blockType === IDB ? 20 : blockType === SHB ? 28 : 12;
      if (total < minimum || total % 4 !== 0 || total > LIMITS.pcapngBlockBytes) {
        const why =
          total > LIMITS.pcapngBlockBytes
            ? `more than the ${formatBytes(LIMITS.pcapngBlockBytes)} a block may have`
            : `a block of this type needs at least ${minimum}, a multiple of 4`;
        await skipToEnd(w, at, onProblem, `the block at offset ${at} has an impossible length ${total} (${why})`);
        return;
      }
      if (!(await w.ensure(at, total))) {
        onProblem({
          offset: at,
          message: `the file ends inside a block at offset ${at} (cut off): its last ${w.end - at} bytes were skipped; everything before them was read`,
        });
        return;
      }
      if (u32(w.slice(at + total - 4, 4), 0) !== total) {
        await skipToEnd(
          w,
          at,
          onProblem,
          `the block at offset ${at} says ${total} bytes at its start and ${u32(w.slice(at + total - 4, 4), 0)} at its end`,
        );
        return;
      }
      const b = Buffer.from(w.slice(at, total));
      if (blockType === IDB) {
        const iface: Interface = { linktype: u16(b, 8), unitsPerSecond: 1_000_000n };
        for (let o = 16; o + 4 <= total - 4;) {
          const code = u16(b, o);
          const len = u16(b, o + 2);
          if (code === OPT_END) break;
          if (code === IF_TSRESOL && len >= 1) iface.unitsPerSecond = tsresol(b.readUInt8(o + 4));
          o += 4 + pad4(len);
        }
        interfaces.push(iface);
      } else if (blockType === EPB || blockType === SPB) {
        const id = blockType === EPB ? u32(b, 8) : 0;
        const iface = interfaces[id];
        const caplen = blockType === EPB ? u32(b, 20) : total - 16;
        if (blockType === EPB && caplen > total - 32) {
          onProblem({
            offset: at,
            message: `packet at offset ${at} says ${caplen} captured bytes, its ${total}-byte block holds at most ${total - 32}; skipped`,
          });
          at += total;
          continue;
        }
        const dataAt = blockType === EPB ? 28 : 12;
        let ts = 0n;
        if (blockType === EPB && iface) {
          const units = (BigInt(u32(b, 12)) << 32n) | BigInt(u32(b, 16));
          ts = (units * 1_000_000_000n) / iface.unitsPerSecond;
        }
        if (!iface)
          onProblem({ offset: at, message: `packet at offset ${at} names interface ${id}, which was not described` });
        else if (iface.linktype < LINKTYPE_USER0 || iface.linktype > LINKTYPE_USER15) {
          if (!warnedLinktype.has(id))
            onProblem({
              offset: at,
              message: `interface ${id} has link type ${iface.linktype}, not LINKTYPE_USER0..15: its packets are skipped`,
            });
          warnedLinktype.add(id);
        } else {
          const r = recordOfPacket(b.subarray(dataAt, dataAt + caplen), ts);
          if (typeof r === 'string') onProblem({ offset: at, message: `packet at offset ${at}: ${r}; skipped` });
          else {
            const origin = blockType === EPB ? originOption(b, dataAt + pad4(caplen), total - 4, u16) : undefined;
            if (typeof origin === 'string')
              onProblem({ offset: at, message: `packet at offset ${at}: ${origin}; read without its origin` });
            else if (origin) r.origin = origin;
            yield r;
          }
        }
      }
      at += total;
    }
  } finally {
    await fh.close();
  }
}

/** The origin comment among a packet block's options (from @at to @end), if any, or what is wrong with it. */
function originOption(
  b: Buffer,
  at: number,
  end: number,
  u16: (b: Buffer, o: number) => number,
): CaptureRecord['origin'] | string {
  for (let o = at; o + 4 <= end;) {
    const code = u16(b, o);
    const len = u16(b, o + 2);
    if (code === OPT_END || o + 4 + len > end) return undefined;
    const text = code === OPT_COMMENT ? b.toString('utf8', o + 4, o + 4 + len) : '';
    if (text.startsWith(ORIGIN_COMMENT)) {
      const origin = originFromBytes(text.slice(ORIGIN_COMMENT.length));
      return typeof origin === 'string' ? `its origin comment is ${origin}` : origin;
    }
    o += 4 + pad4(len);
  }
  return undefined;
}

/** Reports that reading stops at @at because of @why, and how many bytes that leaves unread. */
async function skipToEnd(
  w: FileWindow,
  at: number,
  onProblem: (p: CaptureProblem) => void,
  why: string,
): Promise<void> {
  const size = (await w.fh.stat()).size;
  onProblem({
    offset: at,
    message: `${why}: the rest of the file (${size - at} bytes from offset ${at}) was skipped; everything before it was read`,
  });
}
