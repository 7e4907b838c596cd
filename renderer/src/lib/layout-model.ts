// The layout editor's two sides over one YAML document. The form reads a
// plain model of the document (readModel) and edits the document itself
// through the `yaml` package's Document API (setAt, addItem, moveItem ...),
// so comments, key order and the style of what it does not touch survive a
// form edit; the YAML text then changes only where the document did
// (yaml-splice.ts). The YAML side
// parses the text the person types; while it does not parse, the form keeps
// the last document that did.
import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  Pair,
  parseDocument,
  Scalar,
  YAMLMap,
  YAMLSeq,
  type Document,
  type Node,
} from 'yaml';

export type HeaderKey = 'type' | 'id' | 'user_value';
export const HEADER_KEYS: readonly HeaderKey[] = ['type', 'id', 'user_value'];

/** Integers as the form shows them: numbers, or text for hex (0x10) and values past 2^53. */
export type IntText = number | string;

/** A count or size: a number, rest, an earlier field's name, or a length prefix. */
export type LengthModel = number | string | { prefix?: string; endian?: string };

export interface BitModel {
  name?: string;
  doc?: string;
  at?: number;
  width?: number;
  enum?: string;
  volatile?: boolean;
}

export interface FieldModel {
  name?: string;
  doc?: string;
  type?: string;
  endian?: string;
  enum?: string;
  flags?: string;
  bits?: BitModel[];
  count?: LengthModel;
  size?: LengthModel;
  encoding?: string;
  pad?: number;
  volatile?: boolean;
}

export interface HeaderFieldModel {
  name?: string;
  doc?: string;
  enum?: string;
  volatile?: boolean;
}

export interface KindModel {
  name?: string;
  doc?: string;
  when?: Partial<Record<HeaderKey, IntText>>;
  fields?: FieldModel[];
}

/** value (decimal or 0x text) -> name */
export type ValueNamesModel = Record<string, string>;

export interface LayoutModel {
  protocol?: string;
  doc?: string;
  endian?: string;
  header?: Partial<Record<HeaderKey, HeaderFieldModel>>;
  reply?: { match?: HeaderKey[] };
  enums?: Record<string, ValueNamesModel>;
  flags?: Record<string, ValueNamesModel>;
  types?: Record<string, { doc?: string; fields?: FieldModel[] }>;
  messages?: KindModel[];
}

export type DocPath = Array<string | number>;

export const INT_TYPES = [8, 16, 24, 32, 40, 48, 56, 64].flatMap((bits) => [`u${bits}`, `s${bits}`]);
export const SCALAR_TYPES = [...INT_TYPES, 'f32', 'f64', 'bool', 'bytes', 'string'];
export const PREFIX_TYPES = [8, 16, 24, 32, 40, 48, 56, 64].map((bits) => `u${bits}`);

export const isIntType = (t: string | undefined): boolean =>
  t !== undefined && /^[us](8|16|24|32|40|48|56|64)$/.test(t);

/** Where a YAML text stops parsing, 1-based. */
export interface YamlProblem {
  line: number;
  column: number;
  message: string;
}

/** Printing options: no folding of long lines, so a form edit changes only what it edits. */
const PRINT = { lineWidth: 0 } as const;

export function parseLayoutYaml(text: string): { doc: Document } | { problem: YamlProblem } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const { line, col } = lines.linePos(error.pos[0]);
    return {
      problem: {
        line,
        column: col,
        message: (error.message.split('\n')[0] ?? error.message).replace(/ at line.*$/, ''),
      },
    };
  }
  if (doc.contents !== null && !isMap(doc.contents))
    return {
      problem: { line: 1, column: 1, message: 'a layout is a map of keys (protocol, messages, ...) at the top level' },
    };
  return { doc };
}

/** The whole document printed; a form edit prints only what it changed (yaml-splice.ts) and falls back to this. */
export function printLayout(doc: Document): string {
  return doc.toString(PRINT);
}

/** A map key or scalar as the form shows it: hex stays hex, big integers become text. */
function plainScalar(s: Scalar): unknown {
  const v = s.value;
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) {
    if (s.format === 'HEX') return `0x${v.toString(16)}`;
    if (typeof v === 'bigint')
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  }
  return v;
}

function plain(doc: Document, node: unknown): unknown {
  if (isAlias(node)) return plain(doc, node.resolve(doc));
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const p of node.items) out[keyText(p.key)] = plain(doc, p.value);
    return out;
  }
  // An item just begun (`- ` with nothing after it yet) is null in the YAML. Every list the form
  // shows holds maps, so it reads as an empty one: the form keeps it in place, ready to fill.
  if (isSeq(node)) return node.items.map((n) => plain(doc, n) ?? {});
  if (isScalar(node)) return plainScalar(node);
  return undefined;
}

/** The document as the form reads it (unchecked: the loader says what is wrong). */
export function readModel(doc: Document): LayoutModel {
  const model = plain(doc, doc.contents);
  return typeof model === 'object' && model !== null && !Array.isArray(model) ? (model as LayoutModel) : {};
}

/** An integer typed in the form: hex text stays hex in the YAML, decimal text becomes a number. */
export function intNode(text: string): Scalar | string {
  const t = text.trim();
  if (/^0x[0-9a-fA-F]+$/.test(t)) {
    const node = new Scalar(BigInt(t));
    node.format = 'HEX';
    return node;
  }
  if (/^(0|[1-9][0-9]*)$/.test(t))
    return new Scalar(BigInt(t) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(t) : BigInt(t));
  return t; // a name (an enum value in `when`, a length field), or a mistake the loader will name
}

/** Where a new key goes among its siblings, so form edits write keys in the order layouts are read. */
const TOP_ORDER = ['protocol', 'doc', 'endian', 'header', 'reply', 'messages', 'types', 'enums', 'flags'];
const INNER_ORDER = [
  'name',
  'type',
  'id',
  'user_value',
  'endian',
  'enum',
  'flags',
  'bits',
  'at',
  'width',
  'size',
  'count',
  'encoding',
  'pad',
  'volatile',
  'doc',
  'when',
  'fields',
  'match',
];

const keyText = (key: unknown): string => String(isScalar(key) ? plainScalar(key) : key);

function findPair(map: YAMLMap, key: string | number): Pair | undefined {
  return map.items.find((p) => keyText(p.key) === String(key));
}

/** Adds @key: @node to @map before the first sibling that comes after it in the usual order. */
function insertOrdered(map: YAMLMap, key: string, node: unknown, top: boolean): void {
  const order = top ? TOP_ORDER : INNER_ORDER;
  const rank = order.indexOf(key);
  const pair = new Pair(new Scalar(key), node);
  const before = rank < 0 ? -1 : map.items.findIndex((p) => order.indexOf(keyText(p.key)) > rank);
  if (before < 0) map.items.push(pair);
  else map.items.splice(before, 0, pair);
}

/** The map or list at @path, creating maps on the way: inline ones from the second level down (`when: { type: 2 }`). */
function containerAt(doc: Document, path: DocPath): YAMLMap | YAMLSeq {
  if (path.length === 0) {
    if (!isMap(doc.contents)) doc.contents = new YAMLMap() as never;
    return doc.contents as unknown as YAMLMap;
  }
  const parent = containerAt(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  const existing = isSeq(parent) ? parent.items[Number(key)] : findPair(parent, key)?.value;
  if (isMap(existing) || isSeq(existing)) return existing;
  const map = new YAMLMap();
  map.flow = path.length >= 2 || parent.flow === true;
  if (isSeq(parent)) parent.items[Number(key)] = map;
  else {
    const pair = findPair(parent, key);
    if (pair) pair.value = map;
    else insertOrdered(parent, String(key), map, path.length === 1);
  }
  return map;
}

/**
 * Sets the value at @path (creating the maps on the way, new keys in their
 * usual place); undefined or '' removes the key, and a map left empty by
 * that goes too (`when: {}`).
 */
export function setAt(doc: Document, path: DocPath, value: unknown): void {
  if (value === undefined || value === '') {
    if (doc.hasIn(path)) doc.deleteIn(path);
    pruneEmptyMaps(doc, path.slice(0, -1));
    return;
  }
  const parent = containerAt(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  const node = isNode(value) ? value : doc.createNode(value, { flow: parent.flow === true });
  if (isSeq(parent)) {
    parent.items[Number(key)] = node;
    return;
  }
  const pair = findPair(parent, key);
  if (pair) pair.value = node;
  else insertOrdered(parent, String(key), node, path.length === 1);
}

function pruneEmptyMaps(doc: Document, path: DocPath): void {
  for (let p = path; p.length > 0; p = p.slice(0, -1)) {
    const node = doc.getIn(p, true);
    if (!isMap(node) || node.items.length > 0) return;
    doc.deleteIn(p);
  }
}

/** The list at @path, created (block style) when missing; an empty flow list becomes block. */
function listAt(doc: Document, path: DocPath): YAMLSeq {
  let seq = doc.getIn(path, true);
  if (!isSeq(seq)) {
    seq = new YAMLSeq();
    doc.setIn(path, seq);
  }
  const list = seq as YAMLSeq;
  if (list.flow && list.items.length === 0) list.flow = false;
  return list;
}

/**
 * Appends @value to the list at @path. A map item is written inline
 * (`{ name: x, type: u8 }`) when its siblings are, or when it is the first
 * of a fields list, which is how layouts are usually written.
 */
export function addItem(doc: Document, path: DocPath, value: object, inline?: boolean): void {
  const list = listAt(doc, path);
  const first = list.items[0];
  const flow = first !== undefined ? isMap(first) && first.flow === true : (inline ?? false);
  list.items.push(doc.createNode(value, { flow }) as Node);
}

export function removeItem(doc: Document, path: DocPath, index: number): void {
  const list = doc.getIn(path, true);
  if (isSeq(list)) list.items.splice(index, 1);
}

/** Moves item @from of the list at @path to @to, with its comments. */
export function moveItem(doc: Document, path: DocPath, from: number, to: number): void {
  const list = doc.getIn(path, true);
  if (!isSeq(list) || to < 0 || to >= list.items.length) return;
  const [item] = list.items.splice(from, 1);
  list.items.splice(to, 0, item);
}

/** Renames key @from of the map at @path to @to in place (its value, position and comments stay). */
export function renameKey(doc: Document, path: DocPath, from: string, to: string): void {
  const map = doc.getIn(path, true);
  if (!isMap(map) || from === to) return;
  const pair = findPair(map, from);
  if (!pair) return;
  const key = intNode(to);
  pair.key = key instanceof Scalar ? key : new Scalar(key);
}

/** Adds @key: @value at the end of the map at @path (created when missing). */
export function addEntry(doc: Document, path: DocPath, key: string, value: unknown): void {
  const map = containerAt(doc, path);
  if (isMap(map)) map.items.push(doc.createPair(intNode(key), value));
}

/** A new `reply:` section, written as the shipped layouts write it: `match: [type, id]`. */
export function replyNode(doc: Document, match: HeaderKey[]): YAMLMap {
  const list = doc.createNode(match);
  list.flow = true;
  const reply = new YAMLMap();
  reply.items.push(new Pair(new Scalar('match'), list));
  return reply;
}

/** A new enum or flags set: a block map of value (or bit) -> name, its keys integers as typed. */
export function valueNamesNode(doc: Document, entries: Array<[key: string, name: string]>): YAMLMap {
  const map = new YAMLMap();
  for (const [key, name] of entries) map.items.push(doc.createPair(intNode(key), name));
  return map;
}

/** Sets the value of key @key (as the form shows it: 1, 0x10) of the map at @path. */
export function setEntry(doc: Document, path: DocPath, key: string, value: unknown): void {
  const map = doc.getIn(path, true);
  const pair = isMap(map) ? findPair(map, key) : undefined;
  if (pair) pair.value = doc.createNode(value);
  else addEntry(doc, path, key, value);
}

/** Removes key @key of the map at @path; an emptied map goes too. */
export function removeEntry(doc: Document, path: DocPath, key: string): void {
  const map = doc.getIn(path, true);
  if (!isMap(map)) return;
  map.items = map.items.filter((p) => keyText(p.key) !== key);
  pruneEmptyMaps(doc, path);
}

/** A length as the YAML has it, from the form's choice of form and value. */
export type LengthMode = 'none' | 'fixed' | 'field' | 'prefix' | 'rest';

export function lengthMode(l: LengthModel | undefined): LengthMode {
  if (l === undefined) return 'none';
  if (typeof l === 'object') return 'prefix';
  if (l === 'rest') return 'rest';
  if (typeof l === 'number' || /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(l)) return 'fixed';
  return 'field';
}

/** The names of a layout's structs (types), for the field type list. */
export function structNames(model: LayoutModel): string[] {
  return Object.keys(model.types ?? {});
}

/** Every name a new item may take that its siblings have not: field_1, field_2 ... */
export function freshName(base: string, taken: Iterable<string | undefined>): string {
  const used = new Set(taken);
  for (let i = 1; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}
