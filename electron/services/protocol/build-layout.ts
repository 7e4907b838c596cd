// Turns a schema-checked layout document (plain JSON) into the resolved
// Layout, reporting every error of meaning it finds: unknown type, enum and
// flags names, recursive structs, overlapping or oversized bit fields,
// length fields that do not exist, come later or are not integers, `rest`
// that is not last, and message kinds that can never be selected. It never
// stops at the first error, and copes with parts the schema already rejected.
import type { DocPath, ErrorSink } from './load-errors.ts';
import {
  HEADER_KEYS,
  scalarSize,
  type Endian,
  type FieldDef,
  type FieldType,
  type HeaderFieldDef,
  type HeaderKey,
  type IntType,
  type Layout,
  type Length,
  type MessageKind,
  type StructDef,
  type ValueNames,
} from './layout.ts';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const INT_RE = /^([us])(8|16|24|32|40|48|56|64)$/;

export function parseIntTypeName(name: string, endian: Endian): IntType | undefined {
  const m = INT_RE.exec(name);
  if (!m) return undefined;
  return { kind: 'int', bits: Number(m[2]), signed: m[1] === 's', endian };
}

/** A number from the document: JSON numbers, or decimal / 0x strings for values past 2^53. */
function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) return BigInt(v);
  return undefined;
}

export function buildLayout(json: unknown, file: string, errors: ErrorSink): Layout {
  const root = isObj(json) ? json : {};
  const endian: Endian = root.endian === 'big' ? 'big' : 'little';

  const valueSets = (key: 'enums' | 'flags'): Map<string, ValueNames> => {
    const out = new Map<string, ValueNames>();
    const section = isObj(root[key]) ? root[key] : {};
    for (const [name, table] of Object.entries(section)) {
      if (!isObj(table)) continue;
      const entries: ValueNames['entries'] = [];
      const seen = new Map<string, string>();
      for (const [valueText, entryName] of Object.entries(table)) {
        const value = toBigInt(valueText);
        if (value === undefined || typeof entryName !== 'string') continue;
        if (key === 'flags' && value > 63n)
          errors.at([key, name, valueText], `bit ${value} does not exist: flags name bits 0 to 63`, true);
        const earlier = seen.get(entryName);
        if (earlier !== undefined)
          errors.at([key, name, valueText], `name "${entryName}" is already used for ${earlier}`);
        seen.set(entryName, valueText);
        entries.push({ value, name: entryName });
      }
      out.set(name, { name, entries });
    }
    return out;
  };
  const enums = valueSets('enums');
  const flags = valueSets('flags');

  const header = {} as Record<HeaderKey, HeaderFieldDef>;
  const headerJson = isObj(root.header) ? root.header : {};
  for (const key of HEADER_KEYS) {
    const h = isObj(headerJson[key]) ? headerJson[key] : {};
    const def: HeaderFieldDef = { key, name: str(h.name) ?? key, volatile: h.volatile === true };
    if (typeof h.doc === 'string') def.doc = h.doc;
    const enumName = str(h.enum);
    if (enumName !== undefined) {
      const e = enums.get(enumName);
      if (e) def.enum = e;
      else errors.at(['header', key, 'enum'], unknownName('enum', enumName, enums));
    }
    header[key] = def;
  }

  // Structs are created first (empty) so fields can refer to any of them,
  // in any order; their fields are filled in below.
  const types = new Map<string, StructDef>();
  const typesJson = isObj(root.types) ? root.types : {};
  for (const [name, t] of Object.entries(typesJson)) {
    const def: StructDef = { name, fields: [] };
    if (isObj(t) && typeof t.doc === 'string') def.doc = t.doc;
    types.set(name, def);
  }

  const resolveLength = (v: unknown, path: DocPath, prefixEndian: Endian): Length | undefined => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return { kind: 'fixed', n: v };
    if (v === 'rest') return { kind: 'rest' };
    if (typeof v === 'string') return { kind: 'field', field: v };
    if (isObj(v) && typeof v.prefix === 'string') {
      const int = parseIntTypeName(v.prefix, v.endian === 'big' || v.endian === 'little' ? v.endian : prefixEndian);
      if (int && !int.signed) return { kind: 'prefix', int };
    }
    void path;
    return undefined;
  };

  const buildField = (f: Json, path: DocPath): FieldDef | undefined => {
    const name = str(f.name);
    const typeName = str(f.type);
    if (name === undefined || typeName === undefined) return undefined;
    const fieldEndian: Endian = f.endian === 'big' || f.endian === 'little' ? f.endian : endian;
    let type: FieldType | undefined;
    const int = parseIntTypeName(typeName, fieldEndian);
    const complain = (key: string, what: string): void => errors.at([...path, key], what, true);
    if (int) {
      type = int;
      const enumName = str(f.enum);
      const flagsName = str(f.flags);
      const given = [enumName && 'enum', flagsName && 'flags', f.bits !== undefined && 'bits'].filter(Boolean);
      if (given.length > 1)
        complain(String(given[1]), `an integer takes one of enum, flags and bits, not ${given.join(' and ')}`);
      if (enumName !== undefined) {
        const e = enums.get(enumName);
        if (!e) errors.at([...path, 'enum'], unknownName('enum', enumName, enums));
        else {
          checkEnumFits(e, int, [...path, 'enum'], errors);
          int.enum = e;
        }
      }
      if (flagsName !== undefined) {
        const fl = flags.get(flagsName);
        if (!fl) errors.at([...path, 'flags'], unknownName('flags', flagsName, flags));
        else {
          for (const entry of fl.entries)
            if (entry.value >= BigInt(int.bits))
              errors.at(
                [...path, 'flags'],
                `flags "${fl.name}" names bit ${entry.value} ("${entry.name}"), but ${typeName} has bits 0 to ${int.bits - 1}`,
              );
          int.flags = fl;
        }
      }
      if (Array.isArray(f.bits)) int.subfields = buildBits(f.bits, int, [...path, 'bits']);
    } else if (typeName === 'f32' || typeName === 'f64') {
      type = { kind: 'float', bits: typeName === 'f32' ? 32 : 64, endian: fieldEndian };
    } else if (typeName === 'bool') {
      type = { kind: 'bool' };
    } else if (typeName === 'bytes' || typeName === 'string') {
      const size = f.size === undefined ? undefined : resolveLength(f.size, [...path, 'size'], fieldEndian);
      if (f.size === undefined)
        errors.at(
          path,
          `a ${typeName} field needs a size: a number, rest, an earlier field's name or {prefix: u8|u16|u32...}`,
        );
      const sized = size ?? { kind: 'fixed', n: 0 };
      if (typeName === 'bytes') type = { kind: 'bytes', size: sized };
      else {
        type = { kind: 'string', size: sized, encoding: f.encoding === 'latin1' ? 'latin1' : 'utf8' };
        if (typeof f.pad === 'number') {
          if (sized.kind !== 'fixed') complain('pad', 'pad applies to fixed-size strings only (size is a number)');
          type.pad = f.pad;
        }
      }
    } else {
      const struct = types.get(typeName);
      if (!struct) {
        errors.at(
          [...path, 'type'],
          `unknown type "${typeName}": use u8..u64, s8..s64 (multiples of 8 bits), f32, f64, bool, bytes, string${types.size ? ` or one of the types ${[...types.keys()].join(', ')}` : ''}`,
        );
        return undefined;
      }
      type = { kind: 'struct', struct };
    }
    if (type.kind !== 'int') {
      for (const key of ['enum', 'flags', 'bits'] as const)
        if (f[key] !== undefined) complain(key, `${key} applies to integer fields only, not ${typeName}`);
    }
    if (type.kind !== 'int' && type.kind !== 'float' && f.endian !== undefined)
      complain('endian', `endian applies to integer and float fields only, not ${typeName}`);
    if (type.kind !== 'bytes' && type.kind !== 'string' && f.size !== undefined)
      complain('size', `size applies to bytes and string fields only; use count for an array of ${typeName}`);
    if (type.kind !== 'string') {
      for (const key of ['encoding', 'pad'] as const)
        if (f[key] !== undefined) complain(key, `${key} applies to string fields only, not ${typeName}`);
    }
    const def: FieldDef = { name, type, volatile: f.volatile === true };
    if (typeof f.doc === 'string') def.doc = f.doc;
    if (f.count !== undefined) {
      const count = resolveLength(f.count, [...path, 'count'], fieldEndian);
      if (count) def.count = count;
    }
    return def;
  };

  const buildFields = (list: unknown, path: DocPath, struct: StructDef): void => {
    if (!Array.isArray(list)) return;
    const index = new Map<string, number>();
    list.forEach((item, i) => {
      if (!isObj(item)) return;
      const field = buildField(item, [...path, i]);
      if (!field) return;
      if (index.has(field.name))
        errors.at(
          [...path, i, 'name'],
          `field "${field.name}" is already defined in ${struct.name} (fields[${index.get(field.name)}])`,
        );
      index.set(field.name, i);
      struct.fields.push(field);
      fieldPaths.set(field, [...path, i]);
    });
  };

  const fieldPaths = new Map<FieldDef, DocPath>();
  for (const [name, t] of Object.entries(typesJson)) {
    const struct = types.get(name);
    if (struct && isObj(t)) buildFields(t.fields, ['types', name, 'fields'], struct);
  }

  const messages: MessageKind[] = [];
  const messagesJson = Array.isArray(root.messages) ? root.messages : [];
  const kindNames = new Map<string, number>();
  const whenSeen = new Map<string, string>();
  messagesJson.forEach((m, i) => {
    if (!isObj(m) || typeof m.name !== 'string') return;
    const path: DocPath = ['messages', i];
    if (kindNames.has(m.name))
      errors.at([...path, 'name'], `message kind "${m.name}" is already defined (messages[${kindNames.get(m.name)}])`);
    kindNames.set(m.name, i);
    const when: MessageKind['when'] = {};
    const whenJson = isObj(m.when) ? m.when : {};
    for (const key of HEADER_KEYS) {
      const v = whenJson[key];
      if (v === undefined) continue;
      const n = toBigInt(v);
      if (n !== undefined) {
        if (n >= 1n << 64n) errors.at([...path, 'when', key], `${v} does not fit the u64 header field ${key}`);
        when[key] = n;
      } else if (typeof v === 'string') {
        const e = header[key].enum;
        const entry = e?.entries.find((x) => x.name === v);
        if (entry) when[key] = entry.value;
        else
          errors.at(
            [...path, 'when', key],
            e
              ? `"${v}" is not in enum "${e.name}" (${e.entries.map((x) => x.name).join(', ')})`
              : `"${v}" is a name, but header.${key} has no enum; give a number or set header.${key}.enum`,
          );
      }
    }
    const whenKey = HEADER_KEYS.map((k) => when[k]?.toString() ?? '*').join(',');
    const earlier = whenSeen.get(whenKey);
    if (earlier !== undefined)
      errors.at(
        m.when === undefined ? path : [...path, 'when'],
        `selects the same messages as "${earlier}", which comes first, so "${m.name}" is never used`,
      );
    whenSeen.set(whenKey, m.name);
    const struct: StructDef = { name: m.name, fields: [] };
    buildFields(m.fields, [...path, 'fields'], struct);
    const kind: MessageKind = { name: m.name, when, struct };
    if (typeof m.doc === 'string') kind.doc = m.doc;
    messages.push(kind);
  });

  // Checks that need every struct filled in.
  const structs = [...types.values(), ...messages.map((m) => m.struct)];
  for (const struct of structs) checkLengths(struct, fieldPaths, errors);
  checkRecursion(types, fieldPaths, errors);

  const layout: Layout = { protocol: str(root.protocol) ?? '', file, endian, header, enums, flags, types, messages };
  if (typeof root.doc === 'string') layout.doc = root.doc;
  if (typeof root.version === 'string') layout.version = root.version;
  if (isObj(root.reply) && Array.isArray(root.reply.match))
    layout.reply = { match: root.reply.match.filter((k): k is HeaderKey => HEADER_KEYS.includes(k as HeaderKey)) };
  return layout;

  function buildBits(list: unknown[], int: IntType, path: DocPath) {
    const out: NonNullable<IntType['subfields']> = [];
    const owner: Array<string | undefined> = new Array<string | undefined>(int.bits).fill(undefined);
    const names = new Set<string>();
    list.forEach((b, i) => {
      if (!isObj(b) || typeof b.name !== 'string' || typeof b.at !== 'number') return;
      const width = typeof b.width === 'number' ? b.width : 1;
      const bf: (typeof out)[number] = { name: b.name, at: b.at, width, volatile: b.volatile === true };
      if (typeof b.doc === 'string') bf.doc = b.doc;
      if (names.has(b.name)) errors.at([...path, i, 'name'], `bit field "${b.name}" is already defined`);
      names.add(b.name);
      if (b.at + width > int.bits) {
        errors.at(
          [...path, i],
          `bits ${b.at}..${b.at + width - 1} do not fit in a ${int.bits}-bit integer (bits 0..${int.bits - 1})`,
        );
      } else {
        for (let bit = b.at; bit < b.at + width; bit++) {
          const other = owner[bit];
          if (other !== undefined) {
            errors.at(
              [...path, i],
              `"${b.name}" (bits ${b.at}..${b.at + width - 1}) overlaps "${other}" at bit ${bit}`,
            );
            break;
          }
        }
        for (let bit = b.at; bit < b.at + width; bit++) owner[bit] ??= b.name;
      }
      if (typeof b.enum === 'string') {
        const e = enums.get(b.enum);
        if (!e) errors.at([...path, i, 'enum'], unknownName('enum', b.enum, enums));
        else {
          checkEnumFits(e, { kind: 'int', bits: width, signed: false, endian: 'little' }, [...path, i, 'enum'], errors);
          bf.enum = e;
        }
      }
      out.push(bf);
    });
    return out;
  }
}

function unknownName(what: string, name: string, known: Map<string, unknown>): string {
  return `unknown ${what} "${name}"${known.size ? `: the layout defines ${[...known.keys()].join(', ')}` : `: the layout defines no ${what}`}`;
}

function checkEnumFits(e: ValueNames, int: IntType, path: DocPath, errors: ErrorSink): void {
  const max = int.signed ? (1n << BigInt(int.bits - 1)) - 1n : (1n << BigInt(int.bits)) - 1n;
  for (const entry of e.entries)
    if (entry.value > max) {
      errors.at(
        path,
        `enum "${e.name}" value ${entry.value} ("${entry.name}") does not fit ${int.bits} bits (at most ${max})`,
      );
      return;
    }
}

/**
 * Length references and `rest`: a length field is an earlier unsigned
 * integer of the same struct; `rest` and structs that end in it come last.
 */
function checkLengths(struct: StructDef, paths: Map<FieldDef, DocPath>, errors: ErrorSink): void {
  struct.fields.forEach((field, i) => {
    const path = paths.get(field) ?? [];
    const last = i === struct.fields.length - 1;
    const lengths: Array<[string, Length | undefined]> = [
      ['count', field.count],
      ['size', field.type.kind === 'bytes' || field.type.kind === 'string' ? field.type.size : undefined],
    ];
    for (const [key, len] of lengths) {
      if (!len) continue;
      if (len.kind === 'rest' && !last)
        errors.at(
          [...path, key],
          `${key}: rest reads to the end of the data, so "${field.name}" must be the last field of ${struct.name}`,
        );
      if (len.kind === 'rest' && key === 'size' && field.count !== undefined)
        errors.at([...path, key], 'size: rest cannot be the size of each element of an array');
      if (len.kind !== 'field') continue;
      const j = struct.fields.findIndex((f) => f.name === len.field);
      const ref = struct.fields[j];
      if (!ref) errors.at([...path, key], `${key}: no field named "${len.field}" in ${struct.name}`);
      else if (j >= i)
        errors.at(
          [...path, key],
          `${key}: field "${len.field}" ${j === i ? 'is this field itself' : 'comes after this one'}; a length field must come before the field it measures`,
        );
      else if (
        ref.type.kind !== 'int' ||
        ref.count !== undefined ||
        ref.type.subfields ||
        ref.type.enum ||
        ref.type.flags ||
        ref.type.signed
      )
        errors.at(
          [...path, key],
          `${key}: field "${len.field}" is not a plain unsigned integer, so it cannot be a length`,
        );
    }
    if (field.count?.kind === 'rest' && minSize(field.type, new Set()) === 0)
      errors.at(
        [...path, 'count'],
        `count: rest reads elements until the data ends, so they must take at least one byte; an element of "${field.name}" can be empty`,
      );
    if (
      field.type.kind === 'struct' &&
      endsWithRest(field.type.struct, new Set()) &&
      (!last || field.count !== undefined)
    )
      errors.at(
        path,
        `type ${field.type.struct.name} reads to the end of the data, so "${field.name}" must be the last field and not an array`,
      );
  });
}

/** The fewest bytes a value of this type takes. */
function minSize(type: FieldType, seen: Set<StructDef>): number {
  switch (type.kind) {
    case 'int':
    case 'float':
    case 'bool':
      return scalarSize(type)!;
    case 'bytes':
    case 'string':
      return lengthMin(type.size);
    case 'struct': {
      if (seen.has(type.struct)) return 1; // recursion, reported on its own
      seen.add(type.struct);
      let total = 0;
      for (const f of type.struct.fields)
        total +=
          f.count === undefined
            ? minSize(f.type, seen)
            : f.count.kind === 'fixed'
              ? f.count.n * minSize(f.type, seen)
              : lengthMin(f.count);
      seen.delete(type.struct);
      return total;
    }
  }
}

/** The bytes a length takes itself (a prefix), or its fixed value. */
function lengthMin(len: Length): number {
  return len.kind === 'fixed' ? len.n : len.kind === 'prefix' ? len.int.bits / 8 : 0;
}

function endsWithRest(struct: StructDef, seen: Set<StructDef>): boolean {
  if (seen.has(struct)) return false;
  seen.add(struct);
  const last = struct.fields[struct.fields.length - 1];
  if (!last) return false;
  if (last.count?.kind === 'rest') return true;
  if ((last.type.kind === 'bytes' || last.type.kind === 'string') && last.type.size.kind === 'rest') return true;
  return last.type.kind === 'struct' && endsWithRest(last.type.struct, seen);
}

/** A struct that contains itself (directly or not) would never end. */
function checkRecursion(types: Map<string, StructDef>, paths: Map<FieldDef, DocPath>, errors: ErrorSink): void {
  const reported = new Set<StructDef>();
  const visit = (s: StructDef, stack: StructDef[]): void => {
    for (const f of s.fields) {
      if (f.type.kind !== 'struct') continue;
      const target = f.type.struct;
      const at = stack.indexOf(target);
      if (at >= 0) {
        if (!reported.has(target)) {
          reported.add(target);
          const cycle = [...stack.slice(at), target].map((x) => x.name).join(' -> ');
          errors.at(
            [...(paths.get(f) ?? []), 'type'],
            `type ${target.name} contains itself (${cycle}), so it would never end`,
          );
        }
        continue;
      }
      visit(target, [...stack, target]);
    }
  };
  for (const s of types.values()) visit(s, [s]);
}
