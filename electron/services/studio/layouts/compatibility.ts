// What an edit of a layout breaks for messages made with the saved version:
// a kind removed or selected by other header values, a field moved (its
// offset changed), resized, retyped or removed. Offsets are known up to the
// first field whose size depends on the data; after it, only sizes and
// types are compared.
import type { CompatibilityWarning } from '../../../shared/api/layouts-api.ts';
import { HEADER_SIZE } from '../../protocol/decode.ts';
import { fieldFixedSize, fixedSize, type Layout, type MessageKind, type StructDef } from '../../protocol/layout.ts';
import { typeName } from '../layout-schema.ts';

interface Placed {
  /** From the message's first byte; undefined after a variable-size field. */
  offset?: number;
  /** Bytes (bit fields: bits); undefined when it depends on the data. */
  size?: number;
  type: string;
}

/** Every field of @struct (nested structs and bit fields too) by path, with where it sits. */
function place(struct: StructDef, start: number | undefined, prefix: string, out: Map<string, Placed>): void {
  let offset = start;
  for (const f of struct.fields) {
    const path = `${prefix}${f.name}`;
    const size = fieldFixedSize(f);
    const count = f.count === undefined ? '' : f.count.kind === 'fixed' ? `[${f.count.n}]` : '[]';
    out.set(path, {
      ...(offset !== undefined ? { offset } : {}),
      ...(size !== undefined ? { size } : {}),
      type: `${typeName(f.type)}${count}`,
    });
    if (f.type.kind === 'struct')
      place(
        f.type.struct,
        f.count === undefined || fixedSize(f.type) !== undefined ? offset : undefined,
        `${path}${f.count ? '[0]' : ''}.`,
        out,
      );
    if (f.type.kind === 'int' && f.type.subfields)
      for (const b of f.type.subfields) out.set(`${path}.${b.name}`, { offset: b.at, size: b.width, type: 'bits' });
    offset = offset === undefined || size === undefined ? undefined : offset + size;
  }
}

function when(kind: MessageKind): string {
  return (
    Object.entries(kind.when)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || '(any message)'
  );
}

const where = (p: Placed, unit: string): string =>
  `${p.offset !== undefined ? `${unit === 'bits' ? 'bit' : 'offset'} ${p.offset}` : 'a data-dependent offset'}, ${p.size !== undefined ? `${p.size} ${unit}` : 'variable size'}`;

/** The warnings for messages of @saved read with @edited, kind by kind, field by field. */
export function compatibilityWarnings(saved: Layout, edited: Layout): CompatibilityWarning[] {
  const out: CompatibilityWarning[] = [];
  for (const oldKind of saved.messages) {
    const newKind = edited.messages.find((m) => m.name === oldKind.name);
    if (!newKind) {
      out.push({
        kind: oldKind.name,
        change: 'kind-removed',
        old: { when: when(oldKind) },
        message: `message kind ${oldKind.name} was removed: its messages no longer decode as ${oldKind.name}`,
      });
      continue;
    }
    if (when(oldKind) !== when(newKind))
      out.push({
        kind: oldKind.name,
        change: 'when-changed',
        old: { when: when(oldKind) },
        new: { when: when(newKind) },
        message: `${oldKind.name} is now selected by ${when(newKind)} instead of ${when(oldKind)}`,
      });
    const before = new Map<string, Placed>();
    const after = new Map<string, Placed>();
    place(oldKind.struct, HEADER_SIZE, '', before);
    place(newKind.struct, HEADER_SIZE, '', after);
    for (const [field, o] of before) {
      const n = after.get(field);
      const unit = o.type === 'bits' ? 'bits' : 'bytes';
      const label = `${oldKind.name}.${field}`;
      if (!n) {
        out.push({
          kind: oldKind.name,
          field,
          change: 'removed',
          old: o,
          message: `${label} was removed (it was at ${where(o, unit)})`,
        });
        continue;
      }
      if (o.type !== n.type && o.type !== 'bits' && n.type !== 'bits')
        out.push({
          kind: oldKind.name,
          field,
          change: 'retyped',
          old: o,
          new: n,
          message: `${label} changed type from ${o.type} to ${n.type}`,
        });
      if (o.size !== n.size)
        out.push({
          kind: oldKind.name,
          field,
          change: 'resized',
          old: o,
          new: n,
          message: `${label} was resized from ${o.size ?? 'variable'} to ${n.size ?? 'variable'} ${unit}`,
        });
      if (o.offset !== undefined && n.offset !== undefined && o.offset !== n.offset)
        out.push({
          kind: oldKind.name,
          field,
          change: 'moved',
          old: o,
          new: n,
          message: `${label} moved from ${unit === 'bits' ? 'bit' : 'offset'} ${o.offset} to ${n.offset}`,
        });
    }
  }
  return out;
}
