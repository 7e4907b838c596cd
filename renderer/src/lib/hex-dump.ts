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

/** The kucomms message header: type, id, user_value and length, 8 bytes each. */
export const HEADER_BYTES = 32;

function printable(b: number): string {
  return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
}

export function inRange(at: number, r: ByteRange | undefined): boolean {
  return r !== undefined && at >= r.offset && at < r.offset + r.size;
}

export function hexLines(
  bytes: Uint8Array,
  highlight?: ByteRange,
  marks: readonly ByteRange[] = [],
  perLine = BYTES_PER_LINE,
): HexLine[] {
  const lines: HexLine[] = [];
  for (let start = 0; start < bytes.length; start += perLine) {
    const cells: HexCell[] = [];
    for (let at = start; at < Math.min(bytes.length, start + perLine); at++) {
      const b = bytes[at]!;
      cells.push({
        at,
        hex: b.toString(16).padStart(2, '0'),
        ascii: printable(b),
        highlighted: inRange(at, highlight),
        marked: marks.some((m) => inRange(at, m)),
        header: at < HEADER_BYTES,
      });
    }
    lines.push({ offset: start.toString(16).padStart(6, '0'), cells });
  }
  return lines;
}

/** Hex the way people paste it: "de ad", "dead", "0xde 0xad", "de:ad", "\\xde\\xad", commas and line breaks between. */
export type HexParse = { bytes: Uint8Array } | { error: string; at: number };

/** Parses @text as hex bytes; an error says what is wrong and its 0-based character position. */
export function parseHexText(text: string): HexParse {
  const digits: string[] = [];
  let pairStart = 0;
  for (let at = 0; at < text.length;) {
    const rest = text.slice(at);
    const prefix = /^(0x|\\x)/i.exec(rest);
    if (prefix) {
      if (digits.length % 2 === 1) return { error: `a byte is cut in two before "${prefix[0]}"`, at };
      at += prefix[0].length;
      continue;
    }
    const ch = text[at]!;
    if (/[0-9a-fA-F]/.test(ch)) {
      if (digits.length % 2 === 0) pairStart = at;
      digits.push(ch);
    } else if (/[\s:,;_-]/.test(ch)) {
      if (digits.length % 2 === 1 && ch !== ' ' && ch !== '\n') return { error: `a byte is cut in two by "${ch}"`, at };
    } else return { error: `"${ch}" is not a hex digit`, at };
    at++;
  }
  if (digits.length % 2 === 1)
    return { error: 'the last byte has one hex digit: write it with two (0f, not f)', at: pairStart };
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits[2 * i]! + digits[2 * i + 1]!, 16);
  return { bytes: out };
}

/** The bytes of hex @text (see parseHexText), or null if it is not hex. */
export function parseHex(text: string): Uint8Array | null {
  const r = parseHexText(text);
  return 'bytes' in r ? r.bytes : null;
}

/** Bytes as hex pairs separated by spaces (what the raw editor shows). */
export function hexText(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
