// How the traffic analysis writes round-trip times and byte counts.

/** 850 -> "850 ns", 3_000_000 -> "3.00 ms", 1_200_000_000 -> "1.20 s": three significant digits. */
export function duration(ns: number): string {
  const units: Array<[number, string]> = [
    [1e9, 's'],
    [1e6, 'ms'],
    [1e3, 'µs'],
  ];
  for (const [scale, unit] of units) if (Math.abs(ns) >= scale) return `${(ns / scale).toPrecision(3)} ${unit}`;
  return `${Math.round(ns)} ns`;
}

/** 1536 -> "1.50 KiB": bytes in binary units, three significant digits. */
export function byteSize(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (n < 1024) return `${n} B`;
  let v = n;
  let unit = 'B';
  for (const u of units) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  return `${v.toPrecision(3)} ${unit}`;
}
