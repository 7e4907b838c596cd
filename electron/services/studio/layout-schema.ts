// A layout's header and message kinds as plain JSON for the API
// (listProtocols): what the composer needs to generate a form per kind.
import type { FieldSchemaJson, LayoutSummary, LengthJson, ValueNamesJson } from '../../shared/studio-api.ts';
import { typeName } from '../protocol/decode.ts';
import type { FieldDef, FieldType, Layout, Length, ValueNames } from '../protocol/layout.ts';

export { typeName };

function names(v: ValueNames): ValueNamesJson {
  return v.entries.map((e) => ({ value: e.value.toString(), name: e.name }));
}

function lengthJson(l: Length): LengthJson {
  switch (l.kind) {
    case 'fixed':
      return { fixed: l.n };
    case 'rest':
      return { rest: true };
    case 'field':
      return { field: l.field };
    case 'prefix':
      return { prefix: true };
  }
}

function typeJson(t: FieldType): Omit<FieldSchemaJson, 'name' | 'type'> {
  switch (t.kind) {
    case 'int':
      return {
        kind: 'int',
        bits: t.bits,
        signed: t.signed,
        ...(t.enum ? { enum: names(t.enum) } : {}),
        ...(t.flags ? { flags: names(t.flags) } : {}),
        ...(t.subfields
          ? {
              subfields: t.subfields.map((b) => ({
                name: b.name,
                at: b.at,
                width: b.width,
                ...(b.enum ? { enum: names(b.enum) } : {}),
              })),
            }
          : {}),
      };
    case 'float':
      return { kind: 'float', bits: t.bits };
    case 'bool':
      return { kind: 'bool' };
    case 'bytes':
    case 'string':
      return { kind: t.kind, size: lengthJson(t.size) };
    case 'struct':
      return { kind: 'struct', fields: t.struct.fields.map(fieldSchema) };
  }
}

export function fieldSchema(f: FieldDef): FieldSchemaJson {
  return {
    name: f.name,
    ...(f.doc !== undefined ? { doc: f.doc } : {}),
    ...typeJson(f.type),
    type: typeName(f.type),
    ...(f.count ? { count: lengthJson(f.count) } : {}),
  };
}

export function headerSchema(l: Layout): LayoutSummary['header'] {
  const out = {} as LayoutSummary['header'];
  for (const [key, h] of Object.entries(l.header) as Array<[keyof Layout['header'], Layout['header']['type']]>)
    out[key] = {
      name: h.name,
      ...(h.doc !== undefined ? { doc: h.doc } : {}),
      ...(h.enum ? { enum: names(h.enum) } : {}),
    };
  return out;
}
