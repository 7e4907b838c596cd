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
import { closeSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { FileWindow } from './file-window.ts';
import { DIRECTION_CODE, DIRECTION_NAME, type CaptureRecord } from './format.ts';
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
export async function exportPcapng(records: AsyncIterable<CaptureRecord>, path: string, options: ExportOptions = {}): Promise<number> {
  const linktype = options.linktype ?? LINKTYPE_USER0;
  if (!Number.isInteger(linktype) || linktype < LINKTYPE_USER0 || linktype > LINKTYPE_USER15)
    throw new Error(`link type ${linktype} is not one of LINKTYPE_USER0..15 (${LINKTYPE_USER0}..${LINKTYPE_USER15})`);
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
    for await (const r of records) {
      let iface = interfaces.get(r.target);
      if (iface === undefined) {
        iface = interfaces.size;
        interfaces.set(r.target, iface);
        const idb = Buffer.alloc(8);
        idb.writeUInt16LE(linktype, 0);
        idb.writeUInt32LE(0, 4);
        out(block(IDB, [idb, option(IF_NAME, Buffer.from(r.target, 'utf8')), option(IF_TSRESOL, Buffer.from([9])), option(OPT_END, Buffer.alloc(0))]));
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
      out(block(EPB, [epb, packet, Buffer.alloc(pad4(packet.length) - packet.length), option(EPB_FLAGS, flags), option(OPT_END, Buffer.alloc(0))]));
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
  if (p.readUInt8(0) !== PSEUDO_HEADER_VERSION) return `pseudo-header version ${p.readUInt8(0)} is not ${PSEUDO_HEADER_VERSION}`;
  const direction = DIRECTION_NAME[p.readUInt8(1)];
  if (direction === undefined) return `direction ${p.readUInt8(1)} is neither 0 (tx) nor 1 (rx)`;
  const h = p.readUInt16LE(2);
  if (h < 4 || h + 32 > p.length) return `pseudo-header length ${h} does not fit the ${p.length}-byte packet`;
  const length = p.readBigUInt64LE(h);
  if (length !== BigInt(p.length - h - 32)) return `message header says ${length} data bytes, the packet holds ${p.length - h - 32}`;
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
 * reported through onProblem and skipped.
 */
export async function* importPcapng(path: string, onProblem: (p: CaptureProblem) => void = () => {}): AsyncGenerator<CaptureRecord> {
  const fh = await open(path, 'r');
  try {
    const w = new FileWindow(fh);
    let at = 0;
    let le = true;
    let interfaces: Interface[] = [];
    let warnedLinktype = new Set<number>();
    for (;;) {
      if (!(await w.ensure(at, 12))) {
        if (w.end > at) onProblem({ offset: at, message: `the file ends inside a block at offset ${at}` });
        return;
      }
      const head = w.slice(at, 12);
      const type = head.readUInt32LE(0);
      if (type === SHB) {
        const magic = head.readUInt32LE(8);
        if (magic === BYTE_ORDER_MAGIC) le = true;
        else if (head.readUInt32BE(8) === BYTE_ORDER_MAGIC) le = false;
        else throw new Error(`${path}: offset ${at}: not a pcapng section (byte-order magic 0x${magic.toString(16)})`);
        interfaces = [];
        warnedLinktype = new Set();
      } else if (at === 0) throw new Error(`${path} is not a pcapng file (it does not start with a section header block)`);
      const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
      const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
      const blockType = u32(head, 0);
      const total = u32(head, 4);
      if (total < 12 || total % 4 !== 0) throw new Error(`${path}: block at offset ${at} has an impossible length ${total}`);
      if (!(await w.ensure(at, total))) {
        onProblem({ offset: at, message: `the file ends inside a block at offset ${at} (cut off); everything before it was read` });
        return;
      }
      const b = Buffer.from(w.slice(at, total));
      if (blockType === IDB) {
        const iface: Interface = { linktype: u16(b, 8), unitsPerSecond: 1_000_000n };
        for (let o = 16; o + 4 <= total - 4; ) {
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
        const dataAt = blockType === EPB ? 28 : 12;
        let ts = 0n;
        if (blockType === EPB && iface) {
          const units = (BigInt(u32(b, 12)) << 32n) | BigInt(u32(b, 16));
          ts = (units * 1_000_000_000n) / iface.unitsPerSecond;
        }
        if (!iface) onProblem({ offset: at, message: `packet at offset ${at} names interface ${id}, which was not described` });
        else if (iface.linktype < LINKTYPE_USER0 || iface.linktype > LINKTYPE_USER15) {
          if (!warnedLinktype.has(id)) onProblem({ offset: at, message: `interface ${id} has link type ${iface.linktype}, not LINKTYPE_USER0..15: its packets are skipped` });
          warnedLinktype.add(id);
        } else {
          const r = recordOfPacket(b.subarray(dataAt, dataAt + Math.min(caplen, total - dataAt - 4)), ts);
          if (typeof r === 'string') onProblem({ offset: at, message: `packet at offset ${at}: ${r}; skipped` });
          else yield r;
        }
      }
      at += total;
    }
  } finally {
    await fh.close();
  }
}
