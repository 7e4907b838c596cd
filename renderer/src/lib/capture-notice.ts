// How the Studio words what it knows of an opened capture: its damage (where,
// why, and which messages are shown around it) and its indexing progress.
import type { CaptureDamage, CaptureSourceView } from '../../../electron/shared/api/captures-api.ts';
import { count } from './format.ts';

const plural = (n: number, one: string): string => `${count(n)} ${one}${n === 1 ? '' : 's'}`;

/** "capture X is damaged: what and where (each reason names its offset); showing the M messages before it (and the K after it)". */
export function damageNotice(source: CaptureSourceView, damage: CaptureDamage): string {
  const i = source.damage.indexOf(damage);
  const next = source.damage[i + 1]?.messagesBefore ?? source.total;
  const after = source.done ? next - damage.messagesBefore : 0;
  const shown = `showing the ${plural(damage.messagesBefore, 'message')} before it${after > 0 ? ` and the ${plural(after, 'message')} after it` : ''}`;
  return `capture ${source.source} is damaged: ${damage.message}; ${shown}`;
}

/** "indexing 42% — 1,234 messages" while the pass runs; undefined once done. */
export function indexingNotice(source: CaptureSourceView): string | undefined {
  if (source.done) return undefined;
  const share = source.size > 0 ? Math.floor((source.bytesIndexed / source.size) * 100) : 0;
  return `indexing ${share}% — ${plural(source.total, 'message')} so far`;
}

/** 1536 -> "1.5 KiB" */
export function byteSize(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
