// Finding a field of a decoded message by its path (data.points[1].x,
// header.id, ...): what the hex views highlight.
import type { FieldNodeJson } from '../../../electron/shared/studio-api.ts';
import type { ByteRange } from './hex-dump.ts';

export function findNode(tree: FieldNodeJson[], path: string): FieldNodeJson | undefined {
  for (const n of tree) {
    if (n.path === path) return n;
    if (n.children && (path.startsWith(`${n.path}.`) || path.startsWith(`${n.path}[`))) {
      const found = findNode(n.children, path);
      if (found) return found;
    }
  }
  return undefined;
}

/** A field's name in the tree, with the layout's alias when it has one: "user_value (sent_ns)". */
export function nodeLabel(n: FieldNodeJson): string {
  return n.alias && n.alias !== n.name ? `${n.name} (${n.alias})` : n.name;
}

/** Characters a nested level indents its names by. */
export const INDENT_CH = 2;

/**
 * The widths (in characters, capped) of the tree's name and type columns:
 * the widest name with its indent and the widest type, so every row's type
 * and value start in the same place however deep or long its name.
 */
export function treeColumns(tree: FieldNodeJson[], depth = 0): { name: number; type: number } {
  let name = 0;
  let type = 0;
  for (const n of tree) {
    name = Math.max(name, depth * INDENT_CH + nodeLabel(n).length);
    type = Math.max(type, n.type.length);
    if (n.children) {
      const inner = treeColumns(n.children, depth + 1);
      name = Math.max(name, inner.name);
      type = Math.max(type, inner.type);
    }
  }
  return { name: Math.min(name, 40), type: Math.min(type, 20) };
}

/** Where the header fields sit in every message, decoded or not. */
const HEADER_FIELDS: Record<string, ByteRange> = {
  'header.length': { offset: 0, size: 8 },
  'header.type': { offset: 8, size: 8 },
  'header.id': { offset: 16, size: 8 },
  'header.user_value': { offset: 24, size: 8 },
};

/** The bytes of the field at @path, if the message has it. */
export function fieldRange(
  tree: FieldNodeJson[],
  path: string | undefined,
  messageSize: number,
): ByteRange | undefined {
  if (path === undefined) return undefined;
  const node = findNode(tree, path);
  if (node) return { offset: node.offset, size: Math.max(node.size, node.bits ? 1 : 0) };
  if (path === 'data') return { offset: 32, size: Math.max(0, messageSize - 32) };
  return HEADER_FIELDS[path];
}

/** The tree of a message no layout decodes: its header fields and its data. */
export function rawTree(message: { length: string; type: string; id: string; userValue: string }): FieldNodeJson[] {
  const leaf = (key: string, value: string): FieldNodeJson => ({
    name: key,
    path: `header.${key}`,
    ...HEADER_FIELDS[`header.${key}`]!,
    type: 'u64',
    value,
    display: value,
  });
  return [
    {
      name: 'header',
      path: 'header',
      offset: 0,
      size: 32,
      type: 'header',
      children: [
        leaf('length', message.length),
        leaf('type', message.type),
        leaf('id', message.id),
        leaf('user_value', message.userValue),
      ],
    },
    { name: 'data', path: 'data', offset: 32, size: Number(message.length), type: 'bytes' },
  ];
}
