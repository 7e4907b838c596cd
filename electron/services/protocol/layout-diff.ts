// What changed on the wire between two versions of a layout, each change
// classified: breaking (a program built from one cannot read every message
// of the other) or compatible (nothing either side sends changes meaning).
// `kucomms-studio diff-layout OLD NEW` prints these and the Protocols view
// warns with them when a save would break the protocol. Changes to docs,
// comments, key order or `version` are no change at all; renames are
// compatible. Everything the protocol hash covers (protocol-hash.ts) that
// differs shows up here as at least one change.
import {
  HEADER_KEYS,
  fieldFixedSize,
  fixedSize,
  type FieldDef,
  type FieldType,
  type Layout,
  type Length,
  type StructDef,
  type ValueNames,
} from './layout.ts';

export interface LayoutChange {
  breaking: boolean;
  /** where, as in error messages: messages.sample.fields.value, header.type, enums.kind */
  where: string;
  what: string;
}

/** A length; one read from a field is named by the field's position, which is what the wire sees. */
function describeLength(l: Length, owner: StructDef): string {
  switch (l.kind) {
    case 'fixed':
      return String(l.n);
    case 'rest':
      return 'rest';
    case 'field':
      return `field #${owner.fields.findIndex((f) => f.name === l.field)}`;
    case 'prefix':
      return `${l.int.signed ? 's' : 'u'}${l.int.bits} prefix`;
  }
}

/** A field's type as one comparable phrase; names of enums and structs left out. */
function describeType(t: FieldType, owner: StructDef): string {
  switch (t.kind) {
    case 'int': {
      const bits = t.subfields?.map((b) => `${b.at}+${b.width}`).join(',');
      return `${t.signed ? 's' : 'u'}${t.bits}${t.bits > 8 ? ` ${t.endian}` : ''}${bits ? ` bits[${bits}]` : ''}`;
    }
    case 'float':
      return `f${t.bits} ${t.endian}`;
    case 'bool':
      return 'bool';
    case 'bytes':
      return `bytes[${describeLength(t.size, owner)}]`;
    case 'string':
      return `string ${t.encoding}[${describeLength(t.size, owner)}]${t.pad !== undefined ? ` pad ${t.pad}` : ''}`;
    case 'struct':
      return `struct {${t.struct.fields.map((f) => describeField(f, t.struct)).join('; ')}}`;
  }
}

function describeField(f: FieldDef, owner: StructDef): string {
  return `${describeType(f.type, owner)}${f.count ? ` x ${describeLength(f.count, owner)}` : ''}`;
}

/** Offsets of each field from the struct's start while every field before it has a fixed size. */
function offsets(struct: StructDef): Map<string, number> {
  const out = new Map<string, number>();
  let at: number | undefined = 0;
  for (const f of struct.fields) {
    if (at === undefined) break;
    out.set(f.name, at);
    const size = fieldFixedSize(f);
    at = size === undefined ? undefined : at + size;
  }
  return out;
}

/** Values an enum or flags set gained and lost, and the ones that got another name. */
function diffValues(where: string, what: string, a: ValueNames | undefined, b: ValueNames | undefined): LayoutChange[] {
  const changes: LayoutChange[] = [];
  const before = new Map(a?.entries.map((e) => [e.value, e.name]));
  const after = new Map(b?.entries.map((e) => [e.value, e.name]));
  for (const [value, name] of after)
    if (!before.has(value))
      changes.push({ breaking: false, where, what: `new ${what} ${value} (${name}): old readers show it as a number` });
  for (const [value, name] of before)
    if (!after.has(value))
      changes.push({ breaking: true, where, what: `${what} ${value} (${name}) removed: old senders still send it` });
    else if (after.get(value) !== name)
      changes.push({ breaking: false, where, what: `${what} ${value} renamed ${name} -> ${after.get(value)}` });
  return changes;
}

function diffType(where: string, a: FieldType, b: FieldType, ownerA: StructDef, ownerB: StructDef): LayoutChange[] {
  const changes: LayoutChange[] = [];
  if (a.kind === 'struct' && b.kind === 'struct') return diffStruct(where, a.struct, b.struct);
  const before = describeType(a, ownerA);
  const after = describeType(b, ownerB);
  if (before !== after) {
    const how = a.kind !== b.kind ? 'retyped' : fixedSize(a) !== fixedSize(b) ? 'resized' : 'changed';
    changes.push({ breaking: true, where, what: `${how}: ${before} -> ${after}` });
  }
  if (a.kind === 'int' && b.kind === 'int') {
    changes.push(...diffValues(where, 'enum value', a.enum, b.enum));
    changes.push(...diffValues(where, 'flag bit', a.flags, b.flags));
  }
  return changes;
}

function diffStruct(where: string, a: StructDef, b: StructDef): LayoutChange[] {
  // The same types in the same order: only names may differ, and a rename
  // moves no byte.
  if (a.fields.length === b.fields.length && a.fields.every((f, i) => sameWire(f, b.fields[i] as FieldDef, a, b)))
    return a.fields.flatMap((f, i) => {
      const g = b.fields[i] as FieldDef;
      const inner = diffType(`${where}.${g.name}`, f.type, g.type, a, b).concat(
        countChange(`${where}.${g.name}`, f, g, a, b),
      );
      return f.name === g.name
        ? inner
        : [{ breaking: false, where: `${where}.${g.name}`, what: `renamed from ${f.name}` }, ...inner];
    });
  const changes: LayoutChange[] = [];
  const oldAt = offsets(a);
  const newAt = offsets(b);
  const newIndex = new Map(b.fields.map((f, i) => [f.name, i]));
  a.fields.forEach((f, i) => {
    const at = `${where}.${f.name}`;
    const j = newIndex.get(f.name);
    if (j === undefined) {
      changes.push({ breaking: true, where: at, what: 'removed' });
      return;
    }
    const g = b.fields[j] as FieldDef;
    const from = oldAt.get(f.name);
    const to = newAt.get(f.name);
    if (from !== to || i !== j)
      changes.push({
        breaking: true,
        where: at,
        what: `moved: ${from !== undefined ? `offset ${from}` : `field ${i}`} -> ${to !== undefined ? `offset ${to}` : `field ${j}`}`,
      });
    changes.push(...diffType(at, f.type, g.type, a, b), ...countChange(at, f, g, a, b));
  });
  const oldNames = new Set(a.fields.map((f) => f.name));
  b.fields.forEach((g, j) => {
    if (!oldNames.has(g.name))
      changes.push({
        breaking: true,
        where: `${where}.${g.name}`,
        what: `added as field ${j}: ${describeField(g, b)}`,
      });
  });
  return changes;
}

function countChange(where: string, a: FieldDef, b: FieldDef, ownerA: StructDef, ownerB: StructDef): LayoutChange[] {
  const before = a.count ? describeLength(a.count, ownerA) : 'one';
  const after = b.count ? describeLength(b.count, ownerB) : 'one';
  return before === after ? [] : [{ breaking: true, where, what: `count ${before} -> ${after}` }];
}

function sameWire(a: FieldDef, b: FieldDef, ownerA: StructDef, ownerB: StructDef): boolean {
  return describeField(a, ownerA) === describeField(b, ownerB);
}

const whenText = (when: Partial<Record<string, bigint>>): string =>
  HEADER_KEYS.filter((k) => when[k] !== undefined)
    .map((k) => `${k}=${when[k]}`)
    .join(' ') || 'any message';

/** Whether some message is selected by both `when`s. */
function overlap(a: Partial<Record<string, bigint>>, b: Partial<Record<string, bigint>>): boolean {
  return HEADER_KEYS.every((k) => a[k] === undefined || b[k] === undefined || a[k] === b[k]);
}

/** Every wire change from @a to @b, breaking ones first. */
export function diffLayouts(a: Layout, b: Layout): LayoutChange[] {
  const changes: LayoutChange[] = [];
  if (a.endian !== b.endian)
    changes.push({ breaking: true, where: 'endian', what: `default byte order ${a.endian} -> ${b.endian}` });
  for (const k of HEADER_KEYS)
    changes.push(...diffValues(`header.${k}`, 'enum value', a.header[k].enum, b.header[k].enum));
  const newKinds = new Map(b.messages.map((m, i) => [m.name, i]));
  const oldKinds = new Set(a.messages.map((m) => m.name));
  // A kind that is gone under its name but whose `when` a new name took is renamed.
  const renamed = new Map<string, number>();
  for (const m of a.messages) {
    if (newKinds.has(m.name)) continue;
    const j = b.messages.findIndex((n) => !oldKinds.has(n.name) && whenText(n.when) === whenText(m.when));
    if (j >= 0 && ![...renamed.values()].includes(j)) renamed.set(m.name, j);
  }
  a.messages.forEach((m, i) => {
    const j = newKinds.get(m.name) ?? renamed.get(m.name);
    if (j === undefined) {
      changes.push({ breaking: true, where: `messages.${m.name}`, what: `kind removed (${whenText(m.when)})` });
      return;
    }
    const where = `messages.${(b.messages[j] as (typeof b.messages)[number]).name}`;
    if (renamed.has(m.name)) changes.push({ breaking: false, where, what: `kind renamed from ${m.name}` });
    const n = b.messages[j] as (typeof b.messages)[number];
    if (whenText(m.when) !== whenText(n.when))
      changes.push({ breaking: true, where, what: `when ${whenText(m.when)} -> ${whenText(n.when)}` });
    else {
      // Kinds are tried in order. Only the order among kinds in both layouts
      // counts, and a change of it matters where the two select some of the
      // same messages.
      const passed = a.messages.filter((o, k) => {
        const l = newKinds.get(o.name) ?? renamed.get(o.name);
        return o !== m && l !== undefined && k < i !== l < j;
      });
      const clash = passed.filter((o) => overlap(o.when, m.when));
      if (passed.length)
        changes.push({
          breaking: clash.length > 0,
          where,
          what: `now tried on the other side of ${passed.map((o) => o.name).join(', ')}${clash.length ? `; ${clash.map((o) => o.name).join(', ')} selects some of the same messages` : ''}`,
        });
    }
    changes.push(...diffStruct(`${where}.fields`, m.struct, n.struct));
  });
  const renamedTo = new Set(renamed.values());
  b.messages.forEach((n, j) => {
    if (!oldKinds.has(n.name) && !renamedTo.has(j))
      changes.push({
        breaking: false,
        where: `messages.${n.name}`,
        what: `new kind (${whenText(n.when)}): old readers do not know it`,
      });
  });
  return [...changes.filter((c) => c.breaking), ...changes.filter((c) => !c.breaking)];
}
