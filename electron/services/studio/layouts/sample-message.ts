// A sample message of a layout's kind, for the layout editor's byte preview:
// every field at its default (zero, false, empty; fixed sizes and counts
// filled), the header selecting the kind, values the person gave on top.
import { StudioError } from '../../../shared/studio-api.ts';
import { decodeMessage } from '../../protocol/decode.ts';
import { EncodeError, encodeMessage } from '../../protocol/encode.ts';
import { intIsBig, type FieldDef, type FieldType, type Layout, type StructDef } from '../../protocol/layout.ts';
import type { Decoded, FieldValue, StructValue } from '../../protocol/values.ts';
import { structFromJson } from '../values-from-json.ts';

function defaultElement(type: FieldType): FieldValue {
  switch (type.kind) {
    case 'int':
      if (type.subfields) return {};
      return intIsBig(type) ? 0n : 0;
    case 'float':
      return 0;
    case 'bool':
      return false;
    case 'bytes':
      return new Uint8Array(type.size.kind === 'fixed' ? type.size.n : 0);
    case 'string':
      // A fixed-size string without padding must fill its size exactly.
      return type.size.kind === 'fixed' && type.pad === undefined ? '\0'.repeat(type.size.n) : '';
    case 'struct':
      return defaultStruct(type.struct);
  }
}

function defaultField(f: FieldDef): FieldValue {
  if (f.count === undefined) return defaultElement(f.type);
  return Array.from({ length: f.count.kind === 'fixed' ? f.count.n : 0 }, () => defaultElement(f.type));
}

/** Default values of every field, except length fields: the encoder computes those. */
export function defaultStruct(struct: StructDef): StructValue {
  const measured = new Set<string>();
  for (const f of struct.fields)
    for (const l of [f.count, f.type.kind === 'bytes' || f.type.kind === 'string' ? f.type.size : undefined])
      if (l?.kind === 'field') measured.add(l.field);
  const out: StructValue = {};
  for (const f of struct.fields) if (!measured.has(f.name)) out[f.name] = defaultField(f);
  return out;
}

/** Encodes and decodes a sample of @kindName; throws StudioError naming what does not encode. */
export function sampleMessage(
  layout: Layout,
  kindName: string,
  fields?: Record<string, unknown>,
): { bytes: Uint8Array; decoded: Decoded } {
  const kind = layout.messages.find((m) => m.name === kindName);
  if (!kind)
    throw new StudioError({
      code: 'ENOENT',
      message: `protocol ${layout.protocol} has no message kind "${kindName}": its kinds are ${layout.messages.map((m) => m.name).join(', ')}`,
    });
  const header = { type: kind.when.type ?? 0n, id: kind.when.id ?? 0n, user_value: kind.when.user_value ?? 0n };
  try {
    const data = { ...defaultStruct(kind.struct), ...(fields ? structFromJson(kind.struct, fields) : {}) };
    const bytes = encodeMessage(layout, header, data, kind.name);
    return { bytes, decoded: decodeMessage(layout, bytes) };
  } catch (err) {
    if (err instanceof EncodeError)
      throw new StudioError({ code: 'EINVAL_INPUT', message: `${kind.name}: ${err.message}` });
    throw err;
  }
}
