// What the detail pane's field menu puts in the filter box or on the
// clipboard: a filter expression matching a field's value, the field's
// value, and the whole message as hex, as a C array or as JSON.
import type { FieldNodeJson } from '../../../electron/shared/studio-api.ts';

/** The filter's name of a field at @path: header fields by their own name, decoded fields as they are. */
function filterField(path: string): string | undefined {
  if (path.startsWith('header.')) {
    const name = path.slice('header.'.length);
    return ['type', 'id', 'user_value', 'length'].includes(name) ? name : undefined;
  }
  return path.startsWith('data.') ? path : undefined;
}

/** A filter expression true for messages whose field @node has its value; undefined where a filter cannot compare it. */
export function filterForField(node: FieldNodeJson): string | undefined {
  const field = filterField(node.path);
  const v = node.value;
  if (field === undefined || node.children?.length || v === undefined) return undefined;
  if (node.type.startsWith('bytes')) return undefined; // bytes do not compare
  if (typeof v === 'number' || typeof v === 'boolean') return `${field} == ${v}`;
  if (typeof v === 'string') {
    // u64s travel as decimal strings; enum names and text are strings.
    const numeric = /^-?\d+$/.test(v) && /^[us]\d+/.test(node.type);
    return `${field} == ${numeric ? v : JSON.stringify(v)}`;
  }
  return undefined;
}

/** The value as the tree shows it, to copy. */
export function fieldValueText(node: FieldNodeJson): string {
  if (node.display !== undefined) return node.display;
  const v = node.value;
  return v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
}

export function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** The bytes as a C array definition, 12 bytes a line. */
export function cArrayOf(bytes: Uint8Array, name = 'message'): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 12)
    lines.push(`\t${Array.from(bytes.subarray(i, i + 12), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ')},`);
  return `const unsigned char ${name}[${bytes.length}] = {\n${lines.join('\n')}\n};\n`;
}

/** The field tree as one JSON object: each node's value, or its children's by name (array elements in order). */
export function treeJson(nodes: FieldNodeJson[]): Record<string, unknown> {
  const valueOf = (n: FieldNodeJson): unknown => {
    if (!n.children?.length) return n.value ?? null;
    // Array elements are named by their index ("[0]", "0"): a JSON array.
    if (n.children.every((c) => /^\[?\d+\]?$/.test(c.name))) return n.children.map(valueOf);
    return treeJson(n.children);
  };
  return Object.fromEntries(nodes.map((n) => [n.name, valueOf(n)]));
}

/** The deepest field whose bytes hold offset @at: an integer's bit fields share its bytes, so the integer itself. */
export function nodeAt(nodes: FieldNodeJson[], at: number): FieldNodeJson | undefined {
  for (const n of nodes) {
    if (at < n.offset || at >= n.offset + n.size) continue;
    const inner = n.children && nodeAt(n.children, at);
    return inner && inner.size < n.size ? inner : n;
  }
  return undefined;
}
