// What changed on the wire between two versions of a layout, each change
// classified: breaking (messages made with one version no longer decode the
// same with the other) or compatible (nothing either side sends changes
// meaning). `kucomms-studio diff-layout OLD NEW` prints these, and the
// Protocols view warns with the breaking ones before a save. Changes to
// docs, comments, key order or `version` are no change at all; renames are
// compatible; whatever changes the protocol hash (protocol-hash.ts) shows
// up as at least one change.
//
// Offsets count from the message's first byte (header included), as the
// Studio shows them, and are known up to the first field whose size depends
// on the data; after it, only sizes and types are compared.
import type { CompatibilityWarning } from '../../shared/api/layouts-api.ts';
import { HEADER_SIZE, typeName } from './decode.ts';
import {
  HEADER_KEYS,
  fieldFixedSize,
  fixedSize,
  type FieldDef,
  type Layout,
  type Length,
  type MessageKind,
  type StructDef,
  type ValueNames,
} from './layout.ts';

type FieldPlace = NonNullable<CompatibilityWarning['old']>;

/** One change; the breaking ones are what the Protocols view warns with before a save. */
export interface LayoutChange extends CompatibilityWarning {
  breaking: boolean;
}

interface Placed extends FieldPlace {
  type: string;
  /** Scalars, bytes and strings: everything about their bytes (byte order, encoding, bit layout). */
  wire?: string;
  /** The integer's enum or flags, for their values. */
  values?: ValueNames;
}

/** Every field of @struct (nested structs and bit fields too) by path, with where it sits. */
function place(struct: StructDef, start: number | undefined, prefix: string, out: Map<string, Placed>): void {
  let offset = start;
  for (const f of struct.fields) {
    const path = `${prefix}${f.name}`;
    const size = fieldFixedSize(f);
    const count = f.count === undefined ? '' : f.count.kind === 'fixed' ? `[${f.count.n}]` : '[]';
    const values = f.type.kind === 'int' ? (f.type.enum ?? f.type.flags) : undefined;
    out.set(path, {
      ...(offset !== undefined ? { offset } : {}),
      ...(size !== undefined ? { size } : {}),
      type: `${typeName(f.type)}${count}`,
      ...(values ? { values } : {}),
      ...(f.type.kind !== 'struct' ? { wire: wireField(f, struct) } : {}),
    });
    if (f.type.kind === 'struct')
      place(
        f.type.struct,
        f.count === undefined || fixedSize(f.type) !== undefined ? offset : undefined,
        `${path}${f.count ? '[0]' : ''}.`,
        out,
      );
    if (f.type.kind === 'int' && f.type.subfields)
      for (const b of f.type.subfields)
        out.set(`${path}.${b.name}`, {
          offset: b.at,
          size: b.width,
          type: 'bits',
          ...(b.enum ? { values: b.enum } : {}),
        });
    offset = offset === undefined || size === undefined ? undefined : offset + size;
  }
}

/** A length; one read from a field is named by the field's position, which is what the wire sees. */
function wireLength(l: Length, owner: StructDef): string {
  switch (l.kind) {
    case 'fixed':
      return String(l.n);
    case 'rest':
      return 'rest';
    case 'field':
      return `#${owner.fields.findIndex((f) => f.name === l.field)}`;
    case 'prefix':
      return `${l.int.signed ? 's' : 'u'}${l.int.bits} prefix`;
  }
}

/** A field's bytes on the wire as one comparable phrase: no names, no enum values. */
function wireField(f: FieldDef, owner: StructDef): string {
  const t = f.type;
  const count = f.count ? ` x ${wireLength(f.count, owner)}` : '';
  switch (t.kind) {
    case 'int':
      return `${typeName(t)}${t.bits > 8 ? ` ${t.endian}` : ''}${t.subfields?.map((b) => ` ${b.at}+${b.width}`).join('') ?? ''}${count}`;
    case 'float':
      return `${typeName(t)} ${t.endian}${count}`;
    case 'bool':
      return `bool${count}`;
    case 'bytes':
      return `bytes[${wireLength(t.size, owner)}]${count}`;
    case 'string':
      return `string ${t.encoding}[${wireLength(t.size, owner)}]${t.pad ?? ''}${count}`;
    case 'struct':
      return `{${wireStruct(t.struct)}}${count}`;
  }
}

const wireStruct = (s: StructDef): string => s.fields.map((f) => wireField(f, s)).join('; ');

function whenText(kind: MessageKind): string {
  return (
    HEADER_KEYS.filter((k) => kind.when[k] !== undefined)
      .map((k) => `${k}=${kind.when[k]}`)
      .join(', ') || '(any message)'
  );
}

const where = (p: Placed, unit: string): string =>
  `${p.offset !== undefined ? `${unit === 'bits' ? 'bit' : 'offset'} ${p.offset}` : 'a data-dependent offset'}, ${p.size !== undefined ? `${p.size} ${unit}` : 'variable size'}`;

const bare = ({ values: _values, wire: _wire, ...p }: Placed): FieldPlace => p;

/** Values an enum or flags set gained, lost, or named otherwise. */
function valueChanges(
  label: string,
  a: ValueNames | undefined,
  b: ValueNames | undefined,
  at: Pick<LayoutChange, 'kind' | 'field'>,
): LayoutChange[] {
  const out: LayoutChange[] = [];
  const before = new Map(a?.entries.map((e) => [e.value, e.name]));
  const after = new Map(b?.entries.map((e) => [e.value, e.name]));
  for (const [value, name] of before)
    if (!after.has(value))
      out.push({
        ...at,
        breaking: true,
        change: 'value-removed',
        message: `${label}: value ${value} (${name}) was removed, but messages made with the saved layout carry it`,
      });
    else if (after.get(value) !== name)
      out.push({
        ...at,
        breaking: false,
        change: 'value-renamed',
        message: `${label}: value ${value} renamed from ${name} to ${after.get(value)}`,
      });
  for (const [value, name] of after)
    if (!before.has(value))
      out.push({
        ...at,
        breaking: false,
        change: 'value-added',
        message: `${label}: new value ${value} (${name}); readers of the saved layout show it as a number`,
      });
  return out;
}

/** Field by field, the changes of one kind's data. */
function structChanges(kind: string, a: StructDef, b: StructDef): LayoutChange[] {
  const out: LayoutChange[] = [];
  const before = new Map<string, Placed>();
  const after = new Map<string, Placed>();
  place(a, HEADER_SIZE, '', before);
  place(b, HEADER_SIZE, '', after);
  // The same bytes in the same order: only names differ, and no rename moves a byte.
  if (wireStruct(a) === wireStruct(b)) {
    const oldPaths = [...before.keys()];
    [...after.entries()].forEach(([path, n], i) => {
      const oldPath = oldPaths[i] as string;
      if (oldPath !== path)
        out.push({
          breaking: false,
          kind,
          field: path,
          change: 'renamed',
          message: `${kind}.${oldPath} renamed to ${path}`,
        });
      out.push(...valueChanges(`${kind}.${path}`, before.get(oldPath)?.values, n.values, { kind, field: path }));
    });
    return out;
  }
  for (const [field, o] of before) {
    const n = after.get(field);
    const unit = o.type === 'bits' ? 'bits' : 'bytes';
    const label = `${kind}.${field}`;
    const at = { kind, field, old: bare(o) };
    if (!n) {
      out.push({
        ...at,
        breaking: true,
        change: 'removed',
        message: `${label} was removed (it was at ${where(o, unit)})`,
      });
      continue;
    }
    const both = { ...at, new: bare(n), breaking: true };
    if (o.type !== n.type && o.type !== 'bits' && n.type !== 'bits')
      out.push({ ...both, change: 'retyped', message: `${label} changed type from ${o.type} to ${n.type}` });
    if (o.size !== n.size)
      out.push({
        ...both,
        change: 'resized',
        message: `${label} was resized from ${o.size ?? 'variable'} to ${n.size ?? 'variable'} ${unit}`,
      });
    if (o.type === n.type && o.size === n.size && o.wire !== n.wire)
      out.push({ ...both, change: 'retyped', message: `${label} changed on the wire from ${o.wire} to ${n.wire}` });
    if (o.offset !== undefined && n.offset !== undefined && o.offset !== n.offset)
      out.push({
        ...both,
        change: 'moved',
        message: `${label} moved from ${unit === 'bits' ? 'bit' : 'offset'} ${o.offset} to ${n.offset}`,
      });
    out.push(...valueChanges(label, o.values, n.values, { kind, field }));
  }
  for (const [field, n] of after)
    if (!before.has(field))
      out.push({
        breaking: true,
        kind,
        field,
        change: 'added',
        new: bare(n),
        message: `${kind}.${field} was added (at ${where(n, n.type === 'bits' ? 'bits' : 'bytes')}): messages made with the saved layout lack it`,
      });
  return out;
}

/** Whether some message is selected by both kinds. */
function overlap(a: MessageKind, b: MessageKind): boolean {
  return HEADER_KEYS.every((k) => a.when[k] === undefined || b.when[k] === undefined || a.when[k] === b.when[k]);
}

/** Every wire change from @saved to @edited, breaking ones first. */
export function diffLayouts(saved: Layout, edited: Layout): LayoutChange[] {
  const out: LayoutChange[] = [];
  if (saved.endian !== edited.endian)
    out.push({
      breaking: true,
      change: 'endian',
      message: `the default byte order changed from ${saved.endian} to ${edited.endian}`,
    });
  for (const k of HEADER_KEYS)
    out.push(...valueChanges(`header.${k}`, saved.header[k].enum, edited.header[k].enum, {}));

  // Kinds pair by name; a kind gone under its name whose `when` a new name took is renamed.
  const newIndex = new Map(edited.messages.map((m, i) => [m.name, i]));
  const oldNames = new Set(saved.messages.map((m) => m.name));
  const partner = new Map<MessageKind, number>();
  for (const m of saved.messages) {
    const j =
      newIndex.get(m.name) ??
      edited.messages.findIndex(
        (n, j) => !oldNames.has(n.name) && whenText(n) === whenText(m) && ![...partner.values()].includes(j),
      );
    if (j !== undefined && j >= 0) partner.set(m, j);
  }
  saved.messages.forEach((m, i) => {
    const j = partner.get(m);
    if (j === undefined) {
      out.push({
        breaking: true,
        kind: m.name,
        change: 'kind-removed',
        old: { when: whenText(m) },
        message: `message kind ${m.name} was removed: its messages no longer decode as ${m.name}`,
      });
      return;
    }
    const n = edited.messages[j] as MessageKind;
    if (n.name !== m.name)
      out.push({
        breaking: false,
        kind: n.name,
        change: 'kind-renamed',
        message: `message kind ${m.name} renamed to ${n.name}`,
      });
    if (whenText(m) !== whenText(n))
      out.push({
        breaking: true,
        kind: n.name,
        change: 'when-changed',
        old: { when: whenText(m) },
        new: { when: whenText(n) },
        message: `${n.name} is now selected by ${whenText(n)} instead of ${whenText(m)}`,
      });
    else {
      // Kinds are tried in order: only the order among kinds in both layouts
      // counts, and it matters where the two select some of the same messages.
      const passed = saved.messages.filter((o, k) => {
        const l = partner.get(o);
        return o !== m && l !== undefined && k < i !== l < j;
      });
      const clash = passed.filter((o) => overlap(o, m));
      if (passed.length)
        out.push({
          breaking: clash.length > 0,
          kind: n.name,
          change: 'reordered',
          message: `${n.name} is now tried on the other side of ${passed.map((o) => o.name).join(', ')}${clash.length ? `, which selects some of the same messages` : ''}`,
        });
    }
    out.push(...structChanges(n.name, m.struct, n.struct));
  });
  const taken = new Set(partner.values());
  edited.messages.forEach((n, j) => {
    if (!taken.has(j))
      out.push({
        breaking: false,
        kind: n.name,
        change: 'kind-added',
        new: { when: whenText(n) },
        message: `new message kind ${n.name} (${whenText(n)}): readers of the saved layout do not know it`,
      });
  });
  return [...out.filter((c) => c.breaking), ...out.filter((c) => !c.breaking)];
}
