// Field-by-field comparison of two messages: decoded with the layout where
// there is one (every leaf field compared by path), else header fields and
// raw data. Volatile fields (marked in the layout, or given by the user as
// paths such as data.seconds or header.user_value) are ignored.
import type { Message } from '../../shared/message.ts';
import { HEADER_SIZE, decodeMessage } from '../protocol/decode.ts';
import type { Layout } from '../protocol/layout.ts';
import { toHex, type FieldNode } from '../protocol/values.ts';

export interface FieldDiff {
  path: string;
  /** the captured value, as text ('(absent)' when only the other has it) */
  captured: string;
  replayed: string;
}

/** Matches field paths against user patterns; array indices never matter. */
export class VolatileFields {
  readonly #patterns: string[];
  constructor(patterns: readonly string[]) {
    this.#patterns = patterns.map(VolatileFields.normalize);
  }
  static normalize(path: string): string {
    return path.replace(/\[[0-9]*\]/g, '');
  }
  matches(path: string): boolean {
    const p = VolatileFields.normalize(path);
    return this.#patterns.some((v) => p === v || p.startsWith(`${v}.`));
  }
}

/** The whole message as bytes: header, then data. */
export function messageBytes(m: Message): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + m.data.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, m.length, true);
  view.setBigUint64(8, m.type, true);
  view.setBigUint64(16, m.id, true);
  view.setBigUint64(24, m.userValue, true);
  out.set(m.data, HEADER_SIZE);
  return out;
}

function leaves(tree: FieldNode[], out = new Map<string, FieldNode>()): Map<string, FieldNode> {
  for (const n of tree) {
    if (n.children && n.children.length > 0) leaves(n.children, out);
    else out.set(n.path, n);
  }
  return out;
}

export function diffMessages(layout: Layout | undefined, captured: Message, replayed: Message, volatile: VolatileFields): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  if (!layout) {
    const fields = [
      ['header.type', captured.type, replayed.type],
      ['header.id', captured.id, replayed.id],
      ['header.user_value', captured.userValue, replayed.userValue],
      ['header.length', captured.length, replayed.length],
    ] as const;
    for (const [path, a, b] of fields) if (a !== b && !volatile.matches(path)) diffs.push({ path, captured: a.toString(), replayed: b.toString() });
    const ha = toHex(captured.data);
    const hb = toHex(replayed.data);
    if (ha !== hb && !volatile.matches('data')) diffs.push({ path: 'data', captured: ha || '(0 bytes)', replayed: hb || '(0 bytes)' });
    return diffs;
  }
  const a = decodeMessage(layout, messageBytes(captured));
  const b = decodeMessage(layout, messageBytes(replayed));
  const la = leaves(a.tree);
  const lb = leaves(b.tree);
  const paths = [...la.keys(), ...[...lb.keys()].filter((p) => !la.has(p))];
  for (const path of paths) {
    const na = la.get(path);
    const nb = lb.get(path);
    if (na?.volatile || nb?.volatile || volatile.matches(path)) continue;
    const ta = na ? (na.display ?? '') : '(absent)';
    const tb = nb ? (nb.display ?? '') : '(absent)';
    if (ta !== tb) diffs.push({ path, captured: ta, replayed: tb });
  }
  const ea = a.error?.message ?? '(none)';
  const eb = b.error?.message ?? '(none)';
  if (ea !== eb) diffs.push({ path: 'decode error', captured: ea, replayed: eb });
  return diffs;
}
