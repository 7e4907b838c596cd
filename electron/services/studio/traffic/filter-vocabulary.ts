// What the layouts the Studio knows give a traffic filter: the data fields
// there are (a field no layout has is an error, not a silent "matches
// nothing"), the names an enum-typed field or header compares with (so
// `kind == configure` needs no quotes), and the words the filter box
// completes.
import type { FieldDef, FieldType, Layout, ValueNames } from '../../protocol/layout.ts';

/** The names a field compares with, and the value each stands for where the field reads as a number. */
export interface EnumMeaning {
  /** What the names are, for messages: "the message kinds", "enum sensor". */
  what: string;
  names: string[];
  /** The value the filter compares for @name: the name itself (decoded fields, kind) or the header's number. */
  valueOf(name: string): string | bigint | undefined;
}

/** Data field paths offered for completion, at most. */
const MAX_PATHS = 2000;

export class FilterVocabulary {
  constructor(readonly layouts: readonly Layout[]) {}

  /** Whether any layout's message kind has the field at @path (below `data`). */
  hasData(path: ReadonlyArray<string | number>): boolean {
    return this.#dataFields(path).length > 0;
  }

  /** The enum an operand compares with: `kind`, a header field with an enum, a data field (or bit field) with one. */
  enumOf(
    operand: { kind: 'header'; name: string } | { kind: 'data'; path: ReadonlyArray<string | number> },
  ): EnumMeaning | undefined {
    if (operand.kind === 'header') {
      if (operand.name === 'kind') {
        const names = unique(this.layouts.flatMap((l) => l.messages.map((m) => m.name)));
        return names.length
          ? { what: 'the message kinds', names, valueOf: (n) => (names.includes(n) ? n : undefined) }
          : undefined;
      }
      const key = operand.name as 'type' | 'id' | 'user_value';
      const enums = this.layouts.map((l) => l.header[key]?.enum).filter((e): e is ValueNames => e !== undefined);
      if (enums.length === 0) return undefined;
      // A header field reads as its number: the name stands for its value, where the layouts agree on it.
      const values = (name: string) =>
        unique(enums.flatMap((e) => e.entries.filter((x) => x.name === name).map((x) => x.value)));
      return {
        what: `enum ${unique(enums.map((e) => e.name)).join(', ')} of header ${key}`,
        names: unique(enums.flatMap((e) => e.entries.map((x) => x.name))),
        valueOf: (n) => (values(n).length === 1 ? values(n)[0] : undefined),
      };
    }
    const enums = this.#dataFields(operand.path)
      .map((f) => f.enum)
      .filter((e): e is ValueNames => e !== undefined);
    if (enums.length === 0) return undefined;
    const names = unique(enums.flatMap((e) => e.entries.map((x) => x.name)));
    return {
      what: `enum ${unique(enums.map((e) => e.name)).join(', ')}`,
      names,
      valueOf: (n) => (names.includes(n) ? n : undefined),
    };
  }

  /** Where @word is a name: "message kind", "enum sensor" ...; empty when nowhere. */
  meaningsOf(word: string): string[] {
    const out: string[] = [];
    if (this.layouts.some((l) => l.messages.some((m) => m.name === word))) out.push('a message kind (kind == NAME)');
    for (const l of this.layouts)
      for (const e of l.enums.values())
        if (e.entries.some((x) => x.name === word)) out.push(`a name of enum ${e.name} in ${l.protocol}`);
    for (const l of this.layouts)
      if (l.messages.some((m) => m.struct.fields.some((f) => f.name === word))) {
        out.push(`the field data.${word}`);
        break;
      }
    return unique(out);
  }

  /** The words the filter box completes: header names, data field paths, and the enum names of each. */
  completions(headerNames: readonly string[]): { fields: string[]; values: Record<string, string[]> } {
    const values: Record<string, string[]> = {};
    for (const name of headerNames) {
      const e = this.enumOf({ kind: 'header', name });
      if (e) values[name] = e.names;
    }
    const paths = new Map<string, string[]>();
    const walk = (fields: readonly FieldDef[], prefix: string): void => {
      for (const f of fields) {
        if (paths.size >= MAX_PATHS) return;
        const at = `${prefix}.${f.name}${f.count ? '[0]' : ''}`;
        const names = f.type.kind === 'int' && f.type.enum ? f.type.enum.entries.map((x) => x.name) : undefined;
        paths.set(at, unique([...(paths.get(at) ?? []), ...(names ?? [])]));
        if (f.type.kind === 'struct') walk(f.type.struct.fields, at);
        if (f.type.kind === 'int')
          for (const b of f.type.subfields ?? [])
            paths.set(`${at}.${b.name}`, b.enum ? b.enum.entries.map((x) => x.name) : []);
      }
    };
    for (const l of this.layouts) for (const m of l.messages) walk(m.struct.fields, 'data');
    for (const [p, names] of paths) if (names.length) values[p] = names;
    return { fields: [...headerNames, ...paths.keys()], values };
  }

  /** The fields (or bit fields, as enum holders) at @path in every layout's kinds that have one. */
  #dataFields(path: ReadonlyArray<string | number>): Array<{ enum?: ValueNames }> {
    const found: Array<{ enum?: ValueNames }> = [];
    for (const l of this.layouts)
      for (const m of l.messages) {
        const f = fieldAt(m.struct.fields, path);
        if (f) found.push(f);
      }
    return found;
  }
}

/** The field at @path among @fields: names step into structs and bit fields, numbers into arrays. */
function fieldAt(fields: readonly FieldDef[], path: ReadonlyArray<string | number>): { enum?: ValueNames } | undefined {
  const [name, ...rest] = path;
  const f = fields.find((x) => x.name === name);
  if (!f) return undefined;
  let steps = rest;
  if (f.count !== undefined && typeof steps[0] === 'number') steps = steps.slice(1);
  if (steps.length === 0) return enumHolder(f.type);
  if (typeof steps[0] === 'number') return undefined;
  if (f.type.kind === 'struct') return fieldAt(f.type.struct.fields, steps);
  if (f.type.kind === 'int' && steps.length === 1) {
    const bit = f.type.subfields?.find((b) => b.name === steps[0]);
    return bit ? (bit.enum ? { enum: bit.enum } : {}) : undefined;
  }
  return undefined;
}

function enumHolder(t: FieldType): { enum?: ValueNames } {
  return t.kind === 'int' && t.enum ? { enum: t.enum } : {};
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
