// The in-memory form of a protocol layout, as the loader builds it from a
// layout file (protocols/README.md describes the file format). Everything
// here is resolved: type names point at their structs, enum names at their
// value tables, length fields at the field they read. The codec and the code
// generators work on this form only.

export type Endian = 'little' | 'big';
export type HeaderKey = 'type' | 'id' | 'user_value';
export const HEADER_KEYS: readonly HeaderKey[] = ['type', 'id', 'user_value'];

/** A named set of values (enum) or of bit numbers (flags). */
export interface ValueNames {
  name: string;
  /** value (or bit number) -> name, in file order */
  entries: Array<{ value: bigint; name: string }>;
}

export interface BitField {
  name: string;
  doc?: string;
  /** lowest bit, 0 = least significant */
  at: number;
  width: number;
  enum?: ValueNames;
  volatile: boolean;
}

export interface IntType {
  kind: 'int';
  /** 8, 16, ... 64 */
  bits: number;
  signed: boolean;
  endian: Endian;
  enum?: ValueNames;
  flags?: ValueNames;
  subfields?: BitField[];
}

export interface FloatType {
  kind: 'float';
  bits: 32 | 64;
  endian: Endian;
}

export interface BoolType {
  kind: 'bool';
}

/** How many elements (count) or bytes (size) a field has. */
export type Length =
  | { kind: 'fixed'; n: number }
  | { kind: 'rest' }
  /** the value of an earlier integer field of the same struct */
  | { kind: 'field'; field: string }
  /** an unsigned integer written just before the field */
  | { kind: 'prefix'; int: IntType };

export interface BytesType {
  kind: 'bytes';
  size: Length;
}

export interface StringType {
  kind: 'string';
  size: Length;
  encoding: 'utf8' | 'latin1';
  /** fixed-size strings: trailing bytes of this value are padding */
  pad?: number;
}

export interface StructRef {
  kind: 'struct';
  struct: StructDef;
}

export type FieldType = IntType | FloatType | BoolType | BytesType | StringType | StructRef;

export interface FieldDef {
  name: string;
  doc?: string;
  type: FieldType;
  /** present: the field is an array of this many elements */
  count?: Length;
  volatile: boolean;
}

export interface StructDef {
  name: string;
  doc?: string;
  fields: FieldDef[];
}

export interface HeaderFieldDef {
  key: HeaderKey;
  /** what the protocol calls it (the key itself when the layout is silent) */
  name: string;
  doc?: string;
  enum?: ValueNames;
  volatile: boolean;
}

export interface MessageKind {
  name: string;
  doc?: string;
  /** header values that select this kind; empty: any message */
  when: Partial<Record<HeaderKey, bigint>>;
  struct: StructDef;
}

export interface Layout {
  protocol: string;
  /** the layout's own version label, when it has one */
  version?: string;
  doc?: string;
  /** the file it came from, for messages */
  file: string;
  endian: Endian;
  header: Record<HeaderKey, HeaderFieldDef>;
  reply?: { match: HeaderKey[] };
  enums: Map<string, ValueNames>;
  flags: Map<string, ValueNames>;
  types: Map<string, StructDef>;
  messages: MessageKind[];
}

/** The message kind whose `when` matches these header values, if any. */
export function selectKind(layout: Layout, header: Record<HeaderKey, bigint>): MessageKind | undefined {
  return layout.messages.find((m) => HEADER_KEYS.every((k) => m.when[k] === undefined || m.when[k] === header[k]));
}

/** The bytes of an int, float or bool (always the same); undefined for the other kinds. */
export function scalarSize(type: FieldType): number | undefined {
  if (type.kind === 'int' || type.kind === 'float') return type.bits / 8;
  return type.kind === 'bool' ? 1 : undefined;
}

/** Byte size of a type when it never depends on the data, else undefined. */
export function fixedSize(type: FieldType): number | undefined {
  switch (type.kind) {
    case 'int':
    case 'float':
    case 'bool':
      return scalarSize(type);
    case 'bytes':
    case 'string':
      return type.size.kind === 'fixed' ? type.size.n : undefined;
    case 'struct':
      return structFixedSize(type.struct);
  }
}

export function fieldFixedSize(field: FieldDef): number | undefined {
  const element = fixedSize(field.type);
  if (field.count === undefined || element === undefined) return element;
  return field.count.kind === 'fixed' ? field.count.n * element : undefined;
}

export function structFixedSize(struct: StructDef): number | undefined {
  let total = 0;
  for (const f of struct.fields) {
    const n = fieldFixedSize(f);
    if (n === undefined) return undefined;
    total += n;
  }
  return total;
}

/** Name of a value in an enum, if it has one. */
export function valueName(names: ValueNames, value: bigint): string | undefined {
  return names.entries.find((e) => e.value === value)?.name;
}

/** Integers up to 48 bits are JavaScript numbers; wider ones are BigInt. */
export function intIsBig(t: IntType): boolean {
  return t.bits > 48;
}
