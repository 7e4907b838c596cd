// @vitest-environment node
// A form edit rewrites only the text of what it edits: for every shipped
// layout and the usual form edits, the new text means what the full reprint
// means, differs from the old text only within the edited node's lines
// (a one-hunk diff in git), and keeps every comment.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { isMap, isSeq, LineCounter, parse, parseDocument, type Document } from 'yaml';
import {
  addEntry,
  addItem,
  HEADER_KEYS,
  moveItem,
  parseLayoutYaml,
  printLayout,
  readModel,
  removeItem,
  renameKey,
  setAt,
  type DocPath,
  type LayoutModel,
} from '../src/lib/layout-model.ts';
import { printEdit } from '../src/lib/yaml-splice.ts';

const protocols = new URL('../../protocols/', import.meta.url);
const shipped = readdirSync(protocols)
  .filter((f) => f.endsWith('.yaml'))
  .map((name) => ({ name, text: readFileSync(new URL(name, protocols), 'utf8') }));

function parsed(text: string): Document {
  const r = parseLayoutYaml(text);
  if (!('doc' in r)) throw new Error(`does not parse: ${r.problem.message}`);
  return r.doc;
}

/** The old text, the form's result and the full reprint of one edit. */
function applyEdit(text: string, change: (d: Document) => void): { spliced: string; full: string } {
  const doc = parsed(text);
  change(doc);
  return { spliced: printEdit(text, doc), full: printLayout(doc) };
}

/** The 0-based first and last line of the node at @path (a map entry from its key), in @text. */
function nodeLines(text: string, path: DocPath): [number, number] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  const last = path[path.length - 1];
  let start: number | undefined;
  let end: number | undefined;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => String((p.key as { value?: unknown }).value) === String(last));
    start = (pair?.key as { range?: number[] } | undefined)?.range?.[0];
    end = (pair?.value as { range?: number[] } | undefined)?.range?.[1];
  } else if (isSeq(parent)) {
    const range = (parent.items[Number(last)] as { range?: number[] } | undefined)?.range;
    [start, end] = [range?.[0], range?.[1]];
  }
  if (start === undefined || end === undefined) throw new Error(`no node at ${path.join('.')}`);
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return [lines.linePos(start).line - 1, lines.linePos(end).line - 1];
}

/** The lines that differ between @before and @after: the old ones and the new ones in between the common first and last lines. */
function changedLines(before: string, after: string): { first: number; removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return { first: head, removed: a.slice(head, a.length - tail), added: b.slice(head, b.length - tail) };
}

const commentLines = (text: string): string[] => text.split('\n').filter((l) => l.trimStart().startsWith('#'));

/** A form edit as the form makes it, the node whose lines it may change, and how many lines it replaces with how many. */
interface FormEdit {
  what: string;
  /** Where in this layout, or undefined when the layout has nothing to apply it to. */
  plan(
    m: LayoutModel,
    text: string,
  ): { node: DocPath; change(d: Document): void; removed: number; added: number } | undefined;
}

const kindWithFields = (m: LayoutModel, atLeast: number): number =>
  (m.messages ?? []).findIndex((k) => (k.fields?.length ?? 0) >= atLeast);
/** Fields with bit fields are written over several lines; the others take one (`- { name: a, type: u8 }`). */
const isOneLine = (m: LayoutModel, k: number, f: number): boolean => m.messages?.[k]?.fields?.[f]?.bits === undefined;

const EDITS: FormEdit[] = [
  {
    what: "change a field's type (its size goes)",
    plan(m) {
      const k = kindWithFields(m, 1);
      if (k < 0 || !isOneLine(m, k, 0)) return undefined;
      const field = ['messages', k, 'fields', 0];
      return {
        node: field,
        change: (d) => {
          setAt(d, [...field, 'type'], 'u16');
          setAt(d, [...field, 'size'], undefined);
        },
        removed: 1,
        added: 1,
      };
    },
  },
  {
    what: 'rename a field',
    plan(m) {
      const k = kindWithFields(m, 1);
      const field = ['messages', k, 'fields', 0];
      return k < 0 || !isOneLine(m, k, 0)
        ? undefined
        : { node: field, change: (d) => setAt(d, [...field, 'name'], 'renamed'), removed: 1, added: 1 };
    },
  },
  {
    what: 'give a field a count',
    plan(m) {
      const k = kindWithFields(m, 1);
      const field = ['messages', k, 'fields', 0];
      return k < 0 || !isOneLine(m, k, 0)
        ? undefined
        : { node: field, change: (d) => setAt(d, [...field, 'count'], 4), removed: 1, added: 1 };
    },
  },
  {
    what: 'add a field',
    plan(m) {
      const k = kindWithFields(m, 1);
      const fields = ['messages', k, 'fields'];
      return k < 0
        ? undefined
        : {
            node: fields,
            change: (d) => addItem(d, fields, { name: 'field_1', type: 'u32' }, true),
            removed: 0,
            added: 1,
          };
    },
  },
  {
    what: 'remove the last field (the only one leaves `fields: []`)',
    plan(m) {
      const k = kindWithFields(m, 1);
      if (k < 0) return undefined;
      const count = m.messages?.[k]?.fields?.length ?? 0;
      if (!isOneLine(m, k, count - 1)) return undefined;
      const fields = ['messages', k, 'fields'];
      return {
        node: fields,
        change: (d) => {
          removeItem(d, fields, count - 1);
          if (count === 1) setAt(d, fields, []);
        },
        removed: count === 1 ? 2 : 1,
        added: count === 1 ? 1 : 0,
      };
    },
  },
  {
    what: 'move a field up',
    plan(m) {
      const k = kindWithFields(m, 2);
      if (k < 0) return undefined;
      const last = (m.messages?.[k]?.fields?.length ?? 0) - 1;
      if (!isOneLine(m, k, last) || !isOneLine(m, k, last - 1)) return undefined;
      const fields = ['messages', k, 'fields'];
      return { node: fields, change: (d) => moveItem(d, fields, last, last - 1), removed: 2, added: 2 };
    },
  },
  {
    what: 'move a message kind down',
    plan(m, text) {
      if ((m.messages?.length ?? 0) < 2) return undefined;
      // The two kinds trade places: their lines, and only theirs, are in the hunk.
      const lines = nodeLines(text, ['messages', 1])[1] - nodeLines(text, ['messages', 0])[0] + 1;
      return { node: ['messages'], change: (d) => moveItem(d, ['messages'], 0, 1), removed: lines, added: lines };
    },
  },
  {
    what: 'add an enum value',
    plan(m) {
      const name = Object.keys(m.enums ?? {})[0];
      return name === undefined
        ? undefined
        : { node: ['enums', name], change: (d) => addEntry(d, ['enums', name], '200', 'added'), removed: 0, added: 1 };
    },
  },
  {
    what: 'rename an enum value',
    plan(m) {
      const name = Object.keys(m.enums ?? {})[0];
      const value = Object.keys(m.enums?.[name ?? ''] ?? {})[0];
      if (name === undefined || value === undefined) return undefined;
      return {
        node: ['enums', name, value],
        change: (d) => renameKey(d, ['enums', name], value, '200'),
        removed: 1,
        added: 1,
      };
    },
  },
  {
    what: 'pair replies by user_value too (reply.match)',
    plan(m) {
      const now = m.reply?.match ?? [];
      const next = HEADER_KEYS.filter((k) => k === 'user_value' || now.includes(k));
      // As the form does it: a new block `reply` map, which must not turn `[type, id]` into a block list.
      return now.length === 0
        ? undefined
        : {
            node: ['reply'],
            change: (d) => setAt(d, ['reply'], d.createNode({ match: next }, { flow: false })),
            removed: 1,
            added: 1,
          };
    },
  },
  {
    what: "change the protocol's doc",
    plan(m, text) {
      if (m.doc === undefined) return undefined;
      // One line, or a folded paragraph (`doc: >` and its lines), becomes one line.
      const [first, last] = nodeLines(text, ['doc']);
      return {
        node: ['doc'],
        change: (d) => setAt(d, ['doc'], 'Changed in the form.'),
        removed: last - first + 1,
        added: 1,
      };
    },
  },
  {
    what: 'add a message kind',
    plan: () => ({
      node: ['messages'],
      change: (d) => addItem(d, ['messages'], { name: 'kind_1', fields: [] }),
      removed: 0,
      added: 2,
    }),
  },
];

describe.each(shipped)('protocols/$name', ({ text }) => {
  const model = readModel(parsed(text));
  const planned = EDITS.map((e) => ({ what: e.what, plan: e.plan(model, text) })).filter((e) => e.plan !== undefined);

  test('printed whole, it would not be the file: the reason for splicing', () => {
    expect(printLayout(parsed(text))).not.toBe(text);
  });

  test.each(planned)('$what: same data as the full reprint, only its lines changed, comments kept', ({ plan }) => {
    const { node, change, removed, added } = plan!;
    const { spliced, full } = applyEdit(text, change);
    expect(parse(spliced, { intAsBigInt: true })).toEqual(parse(full, { intAsBigInt: true }));
    const [first, last] = nodeLines(text, node);
    const diff = changedLines(text, spliced);
    // Every line before the node and after it is byte-identical: the change is one hunk inside the node.
    expect(diff.first).toBeGreaterThanOrEqual(first);
    expect(diff.first + diff.removed.length).toBeLessThanOrEqual(last + 1);
    expect({ removed: diff.removed.length, added: diff.added.length }).toEqual({ removed, added });
    expect(commentLines(spliced)).toEqual(commentLines(text));
  });
});

test('every form edit applies to at least one shipped layout', () => {
  for (const e of EDITS)
    expect(
      shipped.some(({ text }) => e.plan(readModel(parsed(text)), text) !== undefined),
      e.what,
    ).toBe(true);
});

const TELEMETRY = shipped.find((s) => s.name === 'telemetry.yaml')!.text;

test("a field's edit leaves the description paragraph and `match: [id]` as written", () => {
  const { spliced } = applyEdit(TELEMETRY, (d) => setAt(d, ['messages', 1, 'fields', 3, 'type'], 'u16'));
  expect(changedLines(TELEMETRY, spliced)).toEqual({
    first: TELEMETRY.split('\n').indexOf(
      '      - { name: channels, type: u8, doc: "number of channels, numbered from 0" }',
    ),
    removed: ['      - { name: channels, type: u8, doc: "number of channels, numbered from 0" }'],
    added: ['      - { name: channels, type: u16, doc: "number of channels, numbered from 0" }'],
  });
  expect(spliced).toContain("doc: >\n  A sensor board's driver and its userspace daemon. The daemon asks for the\n");
  expect(spliced).toContain('\n  match: [id]\n');
});

const SMALL = `# a board
protocol: board
reply:
  match: [type, id]
messages:
  - name: sample   # the usual one
    when: {type: sample, user_value: 0x10}
    fields:
      - {name: a, type: u8}
      # b carries the unit
      - {name: b, type: u16, enum: unit}
      - name: c
        type: u16
        bits:
          - {name: on, at: 0}
enums:
  unit: {0: celsius, 1: kelvin}`;

test("an edit inside a flow collection changes only that entry, in the collection's own style", () => {
  const { spliced } = applyEdit(SMALL, (d) => setAt(d, ['messages', 0, 'when', 'id'], 7));
  expect(changedLines(SMALL, spliced)).toMatchObject({
    removed: ['    when: {type: sample, user_value: 0x10}'],
    added: ['    when: {type: sample, id: 7, user_value: 0x10}'],
  });
  const renamed = applyEdit(SMALL, (d) => renameKey(d, ['enums', 'unit'], '1', '2')).spliced;
  expect(changedLines(SMALL, renamed)).toMatchObject({
    removed: ['  unit: {0: celsius, 1: kelvin}'],
    added: ['  unit: {0: celsius, 2: kelvin}'],
  });
  const matched = applyEdit(SMALL, (d) => setAt(d, ['reply', 'match', 1], 'user_value')).spliced;
  expect(changedLines(SMALL, matched)).toMatchObject({
    removed: ['  match: [type, id]'],
    added: ['  match: [type, user_value]'],
  });
});

test('an edit at the end of a file without a final newline adds its line there, still without one', () => {
  const { spliced, full } = applyEdit(SMALL, (d) => addEntry(d, ['enums', 'unit'], '2', 'fahrenheit'));
  expect(spliced).toBe(SMALL.replace('1: kelvin}', '1: kelvin, 2: fahrenheit}'));
  expect(parse(spliced)).toEqual(parse(full));
  const block = SMALL.replace('  unit: {0: celsius, 1: kelvin}', '  unit:\n    0: celsius\n    1: kelvin');
  expect(applyEdit(block, (d) => addEntry(d, ['enums', 'unit'], '2', 'fahrenheit')).spliced).toBe(
    `${block}\n    2: fahrenheit`,
  );
});

test('comments stay with what they are about: on an edited line, before a moved or a removed item', () => {
  const renamed = applyEdit(SMALL, (d) => setAt(d, ['messages', 0, 'name'], 'reading')).spliced;
  expect(changedLines(SMALL, renamed)).toMatchObject({
    removed: ['  - name: sample   # the usual one'],
    added: ['  - name: reading   # the usual one'],
  });

  const moved = applyEdit(SMALL, (d) => moveItem(d, ['messages', 0, 'fields'], 1, 0)).spliced;
  expect(changedLines(SMALL, moved)).toMatchObject({
    removed: ['      - {name: a, type: u8}', '      # b carries the unit', '      - {name: b, type: u16, enum: unit}'],
    added: ['      # b carries the unit', '      - {name: b, type: u16, enum: unit}', '      - {name: a, type: u8}'],
  });

  const removed = applyEdit(SMALL, (d) => removeItem(d, ['messages', 0, 'fields'], 1)).spliced;
  expect(changedLines(SMALL, removed)).toMatchObject({
    removed: ['      # b carries the unit', '      - {name: b, type: u16, enum: unit}'],
    added: [],
  });
});

test('a block field keeps its layout: an edit of one bit changes that bit line', () => {
  const { spliced } = applyEdit(SMALL, (d) => setAt(d, ['messages', 0, 'fields', 2, 'bits', 0, 'width'], 2));
  expect(changedLines(SMALL, spliced)).toMatchObject({
    removed: ['          - {name: on, at: 0}'],
    added: ['          - {name: on, at: 0, width: 2}'],
  });
  const added = applyEdit(SMALL, (d) =>
    addItem(d, ['messages', 0, 'fields', 2, 'bits'], { name: 'bit_1', at: 1 }, true),
  ).spliced;
  expect(changedLines(SMALL, added)).toMatchObject({ removed: [], added: ['          - { name: bit_1, at: 1 }'] });
});

test('a key with no value yet gets its value on its line', () => {
  const text = 'protocol: board\ndoc:\nreply:\n  match: [type, id]\n';
  expect(applyEdit(text, (d) => setAt(d, ['doc'], 'A board.')).spliced).toBe(
    'protocol: board\ndoc: A board.\nreply:\n  match: [type, id]\n',
  );
});

test('CRLF text stays CRLF', () => {
  const crlf = `${SMALL.replace(/\n/g, '\r\n')}\r\n`;
  const { spliced } = applyEdit(crlf, (d) => addItem(d, ['messages'], { name: 'kind_1', fields: [] }));
  expect(spliced).toBe(crlf.replace('enums:', '  - name: kind_1\r\n    fields: []\r\nenums:'));
});

test('a text that no longer parses is replaced by the edited document printed whole', () => {
  const doc = parsed(SMALL);
  setAt(doc, ['protocol'], 'card');
  expect(printEdit('protocol: [board', doc)).toBe(printLayout(doc));
});
