// What is wrong with one decoded message, for the flag in the traffic table
// and the expert info list: an error where it does not fit its layout (too
// short, trailing bytes, no kind for its header, a bad boolean or UTF-8
// string: the codec's own verdict), a warning where it fits but an enum field
// holds a value the enum does not name.
import type { FieldType, Layout, StructDef } from '../../protocol/layout.ts';
import type { DecodeError, FieldValue, StructValue } from '../../protocol/values.ts';

export interface Problem {
  severity: 'error' | 'warning';
  /** The whole story of this message, for the row's tooltip. */
  text: string;
  /** What messages with the same problem share (kind and field): the expert info groups by it. */
  group: string;
}

/** A message's kind, data as far as it decoded, and the codec's error, if any. */
export interface Verdict {
  kind?: string;
  data: StructValue;
  error?: DecodeError;
}

export function problemOf(layout: Layout, v: Verdict): Problem | undefined {
  const kind = v.kind ?? 'no kind';
  if (v.error)
    return { severity: 'error', text: v.error.message, group: `${kind}: ${v.error.path} does not fit its layout` };
  const struct = layout.messages.find((m) => m.name === v.kind)?.struct;
  const unnamed = struct && unnamedEnumValue(struct, v.data, 'data');
  if (!unnamed) return undefined;
  return {
    severity: 'warning',
    text: `${unnamed.path} is ${unnamed.value}, a value enum ${unnamed.enumName} does not name`,
    group: `${kind}: ${unnamed.path} holds a value its enum does not name`,
  };
}

interface Unnamed {
  path: string;
  value: string;
  enumName: string;
}

/** The first enum field (or bit field) whose value has no name, depth first. */
function unnamedEnumValue(struct: StructDef, value: StructValue, prefix: string): Unnamed | undefined {
  for (const f of struct.fields) {
    const v = value[f.name];
    if (v === undefined) continue;
    const path = `${prefix}.${f.name}`;
    const found =
      f.count !== undefined && Array.isArray(v)
        ? v.reduce<Unnamed | undefined>((hit, e, i) => hit ?? unnamedIn(f.type, e, `${path}[${i}]`), undefined)
        : unnamedIn(f.type, v, path);
    if (found) return found;
  }
  return undefined;
}

function unnamedIn(type: FieldType, v: FieldValue, path: string): Unnamed | undefined {
  if (type.kind === 'struct')
    return typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)
      ? unnamedEnumValue(type.struct, v, path)
      : undefined;
  if (type.kind !== 'int') return undefined;
  // The codec gives an enum value its name when the enum has one, else the number.
  if (type.enum && (typeof v === 'number' || typeof v === 'bigint'))
    return { path, value: String(v), enumName: type.enum.name };
  if (type.subfields && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array))
    for (const bf of type.subfields) {
      const part = (v as StructValue)[bf.name];
      if (bf.enum && (typeof part === 'number' || typeof part === 'bigint'))
        return { path: `${path}.${bf.name}`, value: String(part), enumName: bf.enum.name };
    }
  return undefined;
}
