// How the traffic table writes times and counts.

const pad = (n: number | bigint, width: number): string => n.toString().padStart(width, '0');

/** Local wall-clock time with microseconds: 14:03:27.123456. */
export function timeOfDay(timestampNs: string): string {
  const ns = BigInt(timestampNs);
  const d = new Date(Number(ns / 1_000_000n));
  return `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad((ns / 1000n) % 1_000_000n, 6)}`;
}

/** 1234567 -> "1,234,567" */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
