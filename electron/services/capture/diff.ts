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

/** Where a field lies in a message: bytes from the header's first byte. */
export interface ByteSpan {
  offset: number;
  size: number;
}

/** One field of a pair of messages side by side, for people browsing a diff. */
export interface FieldComparison {
  path: string;
  /** the captured value as text; absent when the captured message has no such field */
  captured?: string;
  replayed?: string;
  capturedAt?: ByteSpan;
  replayedAt?: ByteSpan;
  /** 'ignored': the values may differ, but the field is volatile */
  status: 'same' | 'different' | 'ignored';
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

interface Side {
  text: string;
  at?: ByteSpan;
  /** marked volatile in the layout */
  volatile?: boolean;
}

/** A message's fields by path: the layout's leaves, else the header fields and the raw data. */
function sides(layout: Layout | undefined, m: Message | undefined): Map<string, Side> {
  const out = new Map<string, Side>();
  if (!m) return out;
  if (!layout) {
    out.set('header.type', { text: m.type.toString(), at: { offset: 8, size: 8 } });
    out.set('header.id', { text: m.id.toString(), at: { offset: 16, size: 8 } });
    out.set('header.user_value', { text: m.userValue.toString(), at: { offset: 24, size: 8 } });
    out.set('header.length', { text: m.length.toString(), at: { offset: 0, size: 8 } });
    out.set('data', { text: toHex(m.data) || '(0 bytes)', at: { offset: HEADER_SIZE, size: m.data.length } });
    return out;
  }
  const decoded = decodeMessage(layout, messageBytes(m));
  for (const [path, n] of leaves(decoded.tree))
    out.set(path, {
      text: n.display ?? '',
      at: { offset: n.offset, size: n.size },
      ...(n.volatile ? { volatile: true } : {}),
    });
  out.set(
    'decode error',
    decoded.error ? { text: decoded.error.message, at: { offset: decoded.error.offset, size: 0 } } : { text: '(none)' },
  );
  return out;
}

/**
 * Every field of @captured and @replayed side by side (either may be absent:
 * a missing or an unexpected reply), each saying whether it differs.
 */
export function compareFields(
  layout: Layout | undefined,
  captured: Message | undefined,
  replayed: Message | undefined,
  volatile: VolatileFields,
): FieldComparison[] {
  const a = sides(layout, captured);
  const b = sides(layout, replayed);
  const rows: FieldComparison[] = [];
  for (const path of [...a.keys(), ...[...b.keys()].filter((p) => !a.has(p))]) {
    const sa = a.get(path);
    const sb = b.get(path);
    // A decode that failed on neither side is no field worth a row.
    if (path === 'decode error' && sa?.text === '(none)' && (sb?.text ?? '(none)') === '(none)') continue;
    const differs = sa?.text !== sb?.text;
    const ignored = sa?.volatile === true || sb?.volatile === true || volatile.matches(path);
    rows.push({
      path,
      ...(sa ? { captured: sa.text } : {}),
      ...(sb ? { replayed: sb.text } : {}),
      ...(sa?.at ? { capturedAt: sa.at } : {}),
      ...(sb?.at ? { replayedAt: sb.at } : {}),
      status: !differs ? 'same' : ignored ? 'ignored' : 'different',
    });
  }
  return rows;
}

/** The fields that differ between a captured reply and its replayed partner, volatile ones aside. */
export function diffMessages(
  layout: Layout | undefined,
  captured: Message,
  replayed: Message,
  volatile: VolatileFields,
): FieldDiff[] {
  return compareFields(layout, captured, replayed, volatile)
    .filter((r) => r.status === 'different')
    .map((r) => ({ path: r.path, captured: r.captured ?? '(absent)', replayed: r.replayed ?? '(absent)' }));
}
