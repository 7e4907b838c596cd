// The hex dump of a message: 16 bytes a line with offsets and ASCII, each
// byte knowing whether it lies in the highlighted field or in a marked range
// (e.g. the fields that differ from another message).

export const BYTES_PER_LINE = 16;

export interface ByteRange {
  offset: number;
  size: number;
}

export interface HexCell {
  /** Offset of the byte in the message. */
  at: number;
  hex: string;
  ascii: string;
  highlighted: boolean;
  /** Inside one of the marked ranges. */
  marked: boolean;
  /** Inside the 32-byte header. */
  header: boolean;
}

export interface HexLine {
  offset: string;
  cells: HexCell[];
}

const HEADER_BYTES = 32;

function printable(b: number): string {
  return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
}

export function inRange(at: number, r: ByteRange | undefined): boolean {
  return r !== undefined && at >= r.offset && at < r.offset + r.size;
}

export function hexLines(bytes: Uint8Array, highlight?: ByteRange, marks: readonly ByteRange[] = []): HexLine[] {
  const lines: HexLine[] = [];
  for (let start = 0; start < bytes.length; start += BYTES_PER_LINE) {
    const cells: HexCell[] = [];
    for (let at = start; at < Math.min(bytes.length, start + BYTES_PER_LINE); at++) {
      const b = bytes[at]!;
      cells.push({ at, hex: b.toString(16).padStart(2, '0'), ascii: printable(b), highlighted: inRange(at, highlight), marked: marks.some((m) => inRange(at, m)), header: at < HEADER_BYTES });
    }
    lines.push({ offset: start.toString(16).padStart(6, '0'), cells });
  }
  return lines;
}

/** Hex digits, spaces allowed between bytes, to bytes; null when they are not whole bytes. */
export function parseHex(text: string): Uint8Array | null {
  const clean = text.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Bytes as hex pairs separated by spaces (what the raw editor shows). */
export function hexText(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
