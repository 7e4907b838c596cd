// The messages a fuzz run sends: valid messages of every kind of a layout
// (one per value of each enum field, with arrays and variable fields filled),
// each then mutated one field at a time. A value mutation writes the field's
// own bytes, so every length and count stays consistent; only the mutations
// about lengths (a length field's value, truncation, trailing bytes) break
// them, on purpose.
import type { SendHeader } from '../../shared/message.ts';
import { decodeData } from '../protocol/decode.ts';
import { encodeData } from '../protocol/encode.ts';
import type { FieldDef, FieldType, IntType, Layout, MessageKind, StructDef } from '../protocol/layout.ts';
import type { FieldNode, FieldValue, StructValue } from '../protocol/values.ts';

export interface FuzzMessage {
  /** What was done to which field, e.g. "data.count: wrong length 3 (holds 2)". */
  mutation: string;
  header: SendHeader;
  data: Uint8Array;
}

/** Filled values of a type: arrays and variable fields get content to mutate. */
function filled(type: FieldType): FieldValue {
  switch (type.kind) {
    case 'int':
      return type.subfields ? {} : type.bits > 48 ? 1n : 1;
    case 'float':
      return 1;
    case 'bool':
      return true;
    case 'bytes':
      return new Uint8Array(type.size.kind === 'fixed' ? type.size.n : 4).fill(0x41);
    case 'string':
      return type.size.kind === 'fixed'
        ? 'f'.repeat(type.pad === undefined ? type.size.n : Math.min(4, type.size.n))
        : 'fuzz';
    case 'struct':
      return filledStruct(type.struct);
  }
}

function measuredFields(struct: StructDef): Set<string> {
  const measured = new Set<string>();
  for (const f of struct.fields)
    for (const l of [f.count, f.type.kind === 'bytes' || f.type.kind === 'string' ? f.type.size : undefined])
      if (l?.kind === 'field') measured.add(l.field);
  return measured;
}

function filledStruct(struct: StructDef): StructValue {
  const measured = measuredFields(struct);
  const out: StructValue = {};
  for (const f of struct.fields) {
    if (measured.has(f.name)) continue;
    const n = f.count === undefined ? undefined : f.count.kind === 'fixed' ? f.count.n : 2;
    out[f.name] = n === undefined ? filled(f.type) : Array.from({ length: n }, () => filled(f.type));
  }
  return out;
}

/** The valid messages mutations start from: per kind, the filled one and one per value of each top-level enum field. */
function bases(kind: MessageKind): Array<{ label: string; value: StructValue }> {
  const first = filledStruct(kind.struct);
  const out = [{ label: kind.name, value: first }];
  for (const f of kind.struct.fields) {
    if (f.type.kind !== 'int' || !f.type.enum || f.count !== undefined || f.type.subfields) continue;
    const big = f.type.bits > 48;
    for (const e of f.type.enum.entries)
      out.push({
        label: `${kind.name} (${f.name} ${e.name})`,
        value: { ...first, [f.name]: big ? e.value : Number(e.value) },
      });
  }
  return out;
}

function intLimits(t: IntType): { min: bigint; max: bigint } {
  const bits = BigInt(t.bits);
  return t.signed ? { min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n } : { min: 0n, max: (1n << bits) - 1n };
}

function writeInt(data: Uint8Array, at: number, bytes: number, littleEndian: boolean, v: bigint): Uint8Array {
  const out = data.slice();
  let x = BigInt.asUintN(bytes * 8, v);
  for (let i = 0; i < bytes; i++) {
    out[at + (littleEndian ? i : bytes - 1 - i)] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function leaves(node: FieldNode): FieldNode[] {
  return node.children?.length ? node.children.flatMap(leaves) : [node];
}

/** The field definition behind a decoded node's path (data.a[1].b), or undefined. */
function fieldAt(struct: StructDef, path: string): FieldDef | undefined {
  const names = path
    .replace(/\[[0-9]+\]/g, '')
    .split('.')
    .slice(1);
  let s: StructDef | undefined = struct;
  let f: FieldDef | undefined;
  for (const name of names) {
    f = s?.fields.find((x) => x.name === name);
    s = f?.type.kind === 'struct' ? f.type.struct : undefined;
  }
  return f;
}

/** Integer values worth trying in a field: its bounds, around them, out-of-range enum values, all flags. */
function intValues(t: IntType, current: bigint): Array<[bigint, string]> {
  const { min, max } = intLimits(t);
  const out: Array<[bigint, string]> = [
    [min, 'boundary'],
    [min + 1n, 'boundary'],
    [max - 1n, 'boundary'],
    [max, 'boundary'],
  ];
  if (t.signed) out.push([-1n, 'boundary'], [0n, 'boundary']);
  if (t.enum) {
    const top = t.enum.entries.reduce((m, e) => (e.value > m ? e.value : m), 0n);
    if (top + 1n <= max) out.push([top + 1n, 'out-of-range enum value']);
  }
  if (t.flags) out.push([max, 'every flag set']);
  out.push([current ^ 1n, 'flipped bit 0'], [current ^ (1n << BigInt(t.bits - 1)), `flipped bit ${t.bits - 1}`]);
  const seen = new Set<bigint>();
  return out.filter(([v]) => v >= min && v <= max && v !== current && !seen.has(v) && Boolean(seen.add(v)));
}

/** The mutations of one valid message. */
function mutate(
  layout: Layout,
  kind: MessageKind,
  label: string,
  value: StructValue,
  header: SendHeader,
): FuzzMessage[] {
  const data = encodeData(kind, value);
  const decoded = decodeData(
    layout,
    { length: BigInt(data.length), type: header.type, id: header.id, user_value: header.userValue },
    data,
  );
  const root = decoded.tree[1];
  const out: FuzzMessage[] = [{ mutation: `${label}: valid`, header, data }];
  const add = (mutation: string, bytes: Uint8Array, h: SendHeader = header): void => {
    out.push({ mutation: `${label}: ${mutation}`, header: h, data: bytes });
  };
  const measuring = (name: string, parent: StructDef | undefined): string | undefined =>
    parent?.fields.find((f) => f.count?.kind === 'field' && f.count.field === name)?.name ??
    parent?.fields.find(
      (f) =>
        (f.type.kind === 'bytes' || f.type.kind === 'string') &&
        f.type.size.kind === 'field' &&
        f.type.size.field === name,
    )?.name;
  for (const leaf of root ? leaves(root) : []) {
    const field = fieldAt(kind.struct, leaf.path);
    const at = leaf.offset - 32;
    if (!field || at < 0) continue;
    const type = field.type;
    if (type.kind === 'int' && !type.subfields && leaf.size === type.bits / 8) {
      const current =
        typeof leaf.value === 'bigint' ? leaf.value : BigInt(typeof leaf.value === 'number' ? leaf.value : 0);
      const parentPath = leaf.path.replace(/\.[A-Za-z_][A-Za-z0-9_]*$/, '');
      const parent = parentPath === 'data' ? kind.struct : fieldAt(kind.struct, parentPath)?.type;
      const measures = measuring(field.name, parent && 'fields' in parent ? parent : undefined);
      for (const [v, why] of intValues(type, current))
        add(
          `${leaf.path} = ${v} (${measures ? `wrong length: ${measures} holds ${current}` : why})`,
          writeInt(data, at, leaf.size, type.endian === 'little', v),
        );
    } else if (type.kind === 'bool') {
      add(`${leaf.path} = 2 (neither false nor true)`, writeInt(data, at, 1, true, 2n));
    } else if (type.kind === 'float') {
      const bytes = leaf.size;
      const nan = bytes === 4 ? 0x7fc00000n : 0x7ff8000000000000n;
      const inf = bytes === 4 ? 0x7f800000n : 0x7ff0000000000000n;
      add(`${leaf.path} = NaN (wrong kind of number)`, writeInt(data, at, bytes, type.endian === 'little', nan));
      add(`${leaf.path} = Infinity`, writeInt(data, at, bytes, type.endian === 'little', inf));
    } else if ((type.kind === 'string' || type.kind === 'bytes') && leaf.size > 0) {
      add(`${leaf.path}: last byte 0xff (wrong kind of text)`, writeInt(data, at + leaf.size - 1, 1, true, 0xffn));
    }
    // Truncation: the message cut inside and just before this field.
    if (leaf.size > 1) add(`truncated inside ${leaf.path} (${at + 1} of ${data.length} bytes)`, data.slice(0, at + 1));
    add(`truncated before ${leaf.path} (${at} of ${data.length} bytes)`, data.slice(0, at));
  }
  // Variable lengths, kept consistent by the encoder: many elements, none.
  for (const f of kind.struct.fields) {
    const variable = f.count
      ? f.count.kind !== 'fixed'
      : (f.type.kind === 'bytes' || f.type.kind === 'string') && f.type.size.kind !== 'fixed';
    if (!variable) continue;
    for (const n of [0, 255]) {
      const element = f.count
        ? Array.from({ length: n }, () => filled(f.type))
        : f.type.kind === 'string'
          ? 'x'.repeat(n)
          : new Uint8Array(n).fill(0x42);
      try {
        add(
          `data.${f.name}: ${n} ${f.count ? 'elements' : 'bytes'} (lengths consistent)`,
          encodeData(kind, { ...value, [f.name]: element }),
        );
      } catch {
        // A length prefix too narrow for 255: that size is not expressible, skip it.
      }
    }
  }
  add('1 trailing byte', Uint8Array.from([...data, 0xff]));
  add('8 trailing bytes', Uint8Array.from([...data, ...new Uint8Array(8).fill(0xa5)]));
  // Wrong kinds: this kind's data under another kind's header.
  for (const other of layout.messages)
    if (other !== kind && other.when.type !== undefined && other.when.type !== header.type)
      add(`sent as ${other.name} (wrong kind)`, data, { ...header, type: other.when.type });
  const typeEnum = layout.header.type.enum;
  if (typeEnum) {
    const top = typeEnum.entries.reduce((m, e) => (e.value > m ? e.value : m), 0n);
    add(`type ${top + 1n} (no such kind)`, data, { ...header, type: top + 1n });
  }
  return out;
}

/** Every message of a fuzz run's plan, in order; ids are left 0 (the run numbers them). */
export function fuzzPlan(layout: Layout): FuzzMessage[] {
  const out: FuzzMessage[] = [];
  const seen = new Set<string>();
  for (const kind of layout.messages) {
    const header: SendHeader = {
      type: kind.when.type ?? 0n,
      id: kind.when.id ?? 0n,
      userValue: kind.when.user_value ?? 0n,
    };
    for (const base of bases(kind)) {
      let encoded: FuzzMessage[];
      try {
        encoded = mutate(layout, kind, base.label, base.value, header);
      } catch {
        continue; // a value this kind cannot take (a fixed string's padding rules): no base from it
      }
      for (const m of encoded) {
        const key = `${m.header.type}:${Buffer.from(m.data).toString('hex')}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(m);
      }
    }
  }
  return out;
}

/** The valid message of each kind (the plan's first of each), for probing whether the target still answers. */
export function validMessages(layout: Layout): FuzzMessage[] {
  return layout.messages.flatMap((kind) => {
    const header: SendHeader = {
      type: kind.when.type ?? 0n,
      id: kind.when.id ?? 0n,
      userValue: kind.when.user_value ?? 0n,
    };
    try {
      return [{ mutation: `${kind.name}: valid`, header, data: encodeData(kind, filledStruct(kind.struct)) }];
    } catch {
      return [];
    }
  });
}
