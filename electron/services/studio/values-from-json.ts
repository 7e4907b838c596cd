// The composer's field values arrive as JSON (u64 as decimal strings, bytes
// as hex: valueToJson's form); this turns them back into the codec's values,
// guided by the layout so that each field gets the type the encoder wants.
import { intIsBig, type FieldDef, type FieldType, type StructDef } from '../protocol/layout.ts';
import { EncodeError } from '../protocol/encode.ts';
import type { FieldValue, StructValue } from '../protocol/values.ts';

function hexBytes(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(v.replace(/\s+/g, '')))
    throw new EncodeError(path, `expected bytes as hex digits (pairs, spaces allowed), got ${JSON.stringify(v)}`);
  const clean = v.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function integer(v: unknown, big: boolean): FieldValue {
  if (typeof v === 'string' && /^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(v.trim())) {
    const t = v.trim();
    const n = t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t);
    return big ? n : Number(n);
  }
  if (typeof v === 'number' && Number.isInteger(v)) return big ? BigInt(v) : v;
  // Enum names and anything else: the encoder says what is wrong with them.
  return v as FieldValue;
}

function value(type: FieldType, v: unknown, path: string): FieldValue {
  if (v === undefined) return v as unknown as FieldValue;
  switch (type.kind) {
    case 'int':
      if (type.subfields && typeof v === 'object' && v !== null && !Array.isArray(v))
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, integer(x, true)]));
      return integer(v, intIsBig(type));
    case 'float':
      return typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : (v as FieldValue);
    case 'bool':
      return v === 'true' ? true : v === 'false' ? false : (v as FieldValue);
    case 'bytes':
      return hexBytes(v, path);
    case 'string':
      return v as FieldValue;
    case 'struct':
      return structFromJson(type.struct, v, path);
  }
}

function field(f: FieldDef, v: unknown, path: string): FieldValue {
  if (f.count === undefined || !Array.isArray(v)) return value(f.type, v, path);
  return v.map((x, i) => value(f.type, x, `${path}[${i}]`));
}

export function structFromJson(struct: StructDef, json: unknown, path = 'data'): StructValue {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new EncodeError(path, `expected an object with the fields of ${struct.name}`);
  const src = json as Record<string, unknown>;
  const out: StructValue = {};
  for (const f of struct.fields)
    if (src[f.name] !== undefined) out[f.name] = field(f, src[f.name], `${path}.${f.name}`);
  return out;
}
