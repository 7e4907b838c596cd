// Hex bytes as people paste them: `00ff10`, `00 ff 10`, `00:ff:10`,
// `0x00 0xff 0x10` or `0x00ff10` (a hexdump's bytes, a MAC-style dump, C array
// items with their commas).

/**
 * The bytes @text spells, or why not: which group is not hex, or has an odd
 * number of digits (and where it starts, counting characters from 1).
 */
export function parseHexBytes(text: string): Buffer | string {
  const parts: string[] = [];
  for (const m of text.matchAll(/[^\s:,]+/g)) {
    const group = m[0].replace(/^0[xX]/, '');
    const where = `"${m[0]}" at character ${m.index + 1}`;
    if (!/^[0-9a-fA-F]*$/.test(group)) return `${where} is not hex`;
    if (group.length % 2 !== 0) return `${where} has an odd number of hex digits (two make a byte)`;
    parts.push(group);
  }
  return Buffer.from(parts.join(''), 'hex');
}
