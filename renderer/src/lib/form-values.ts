// The composer's form model: a value for every field of a message kind, as
// the encode call takes them (integers as text, decimal or 0x; bytes as hex;
// enums by name), generated from the layout's field schema.
import type { FieldSchemaJson } from '../../../electron/shared/studio-api.ts';

export type FormValue = string | boolean | FormValue[] | FormStruct;
export interface FormStruct {
  [name: string]: FormValue;
}

/** Fields whose value another field's length names: the encoder computes them. */
export function computedFields(fields: FieldSchemaJson[]): Set<string> {
  const out = new Set<string>();
  for (const f of fields) for (const l of [f.size, f.count]) if (l && 'field' in l) out.add(l.field);
  return out;
}

/** The value a field starts with. */
export function defaultElement(f: FieldSchemaJson): FormValue {
  switch (f.kind) {
    case 'int':
      if (f.subfields) return Object.fromEntries(f.subfields.map((b) => [b.name, b.enum?.[0]?.name ?? '0']));
      return f.enum?.[0]?.name ?? '0';
    case 'float':
      return '0';
    case 'bool':
      return false;
    case 'bytes':
      return f.size && 'fixed' in f.size ? '00'.repeat(f.size.fixed) : '';
    case 'string':
      return '';
    case 'struct':
      return defaultStruct(f.fields ?? []);
  }
}

export function defaultValue(f: FieldSchemaJson): FormValue {
  if (!f.count) return defaultElement(f);
  const n = 'fixed' in f.count ? f.count.fixed : 0;
  return Array.from({ length: n }, () => defaultElement(f));
}

export function defaultStruct(fields: FieldSchemaJson[]): FormStruct {
  const computed = computedFields(fields);
  return Object.fromEntries(fields.filter((f) => !computed.has(f.name)).map((f) => [f.name, defaultValue(f)]));
}

/** Whether the field's element count can change (a variable-length array). */
export function resizable(f: FieldSchemaJson): boolean {
  return f.count !== undefined && !('fixed' in f.count);
}

/** The type's name as the detail pane's tree shows it (u48be, s24, f32, the struct's name), with what the form adds: enum, flags, sizes and counts. */
export function typeLabel(f: FieldSchemaJson): string {
  const base =
    f.kind === 'int'
      ? `${f.type}${f.enum ? ' enum' : ''}${f.flags ? ' flags' : ''}`
      : (f.kind === 'bytes' || f.kind === 'string') && f.size && 'fixed' in f.size
        ? `${f.type}[${f.size.fixed}]`
        : f.type;
  if (!f.count) return base;
  return `${base}[${'fixed' in f.count ? f.count.fixed : ''}]`;
}

/** The integer a form's text holds (decimal or 0x hex, maybe negative); undefined when it holds none. */
export function parseIntText(text: string): bigint | undefined {
  const t = text.trim();
  if (!/^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(t)) return undefined;
  return t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t);
}

/** Whether bit @bit is set in the integer @text holds (false when it holds none). */
export function flagIsSet(text: string, bit: string): boolean {
  const v = parseIntText(text);
  return v !== undefined && ((v >> BigInt(bit)) & 1n) === 1n;
}

/** @text's integer with bit @bit set or cleared, as the form writes integers (decimal); other bits kept. */
export function withFlag(text: string, bit: string, on: boolean): string {
  const v = parseIntText(text) ?? 0n;
  const mask = 1n << BigInt(bit);
  return String(on ? v | mask : v & ~mask);
}

/** Checks one integer's text before it is sent; null when it is acceptable. */
export function intError(f: { bits?: number; signed?: boolean; enum?: unknown[] }, text: string): string | null {
  const t = text.trim();
  if (f.enum && !/^-?(0x|[0-9])/.test(t)) return null; // an enum name: the backend checks it
  const v = parseIntText(t);
  if (v === undefined) return 'expected an integer (decimal or 0x hex)';
  const bits = BigInt(f.bits ?? 64);
  const [min, max] = f.signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
  if (v < min || v > max) return `out of range for ${f.signed ? 's' : 'u'}${bits} (${min}..${max})`;
  return null;
}

/** A detached copy of form values (they are JSON: strings, booleans, arrays, objects). */
export function plainCopy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
