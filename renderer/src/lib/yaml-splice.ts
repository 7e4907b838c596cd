// A form edit written as the old text with only what it changed replaced.
// Printing the whole edited document would restyle everything it did not
// touch (flow lists padded, folded paragraphs joined), so one field's edit
// would be a rewrite in the workspace's git history. Instead the old text is
// parsed again and walked beside the edited document: what prints the same
// keeps its old text byte for byte; a changed collection is rebuilt item by
// item from the old items' text (moved items keep theirs, removed ones go
// with their comments, new ones are printed at their siblings' column); a
// changed scalar is printed in its place. What cannot be localised widens to
// the enclosing item, up to the whole document. The result must parse to the
// edited document's data, or the whole document is printed as before: a
// form edit can never corrupt a layout.
import { Document, isCollection, isMap, isPair, isScalar, isSeq, Pair, YAMLMap, YAMLSeq, type Node } from 'yaml';
import { parseLayoutYaml, printLayout } from './layout-model.ts';

/** @edited (the document parsed from @oldText, then edited by the form) as text: @oldText with only the edited parts replaced. */
export function printEdit(oldText: string, edited: Document): string {
  const parsed = parseLayoutYaml(oldText);
  if ('doc' in parsed && isCollection(parsed.doc.contents) && edited.contents !== null) {
    const spliced = new Splicer(oldText).document(parsed.doc.contents, edited.contents);
    if (spliced !== null && sameData(spliced, edited)) return spliced;
  }
  return printLayout(edited);
}

interface Span {
  start: number;
  end: number;
}

/** An item of a collection: a map's pair or a sequence's entry. */
type Item = unknown;

class Splicer {
  readonly #text: string;
  readonly #eol: string;
  readonly #printed = new WeakMap<object, string>();

  constructor(text: string) {
    this.#text = text;
    this.#eol = text.includes('\r\n') ? '\r\n' : '\n';
  }

  /** The old text with the top-level collection @before rewritten as @after. */
  document(before: Node, after: unknown): string | null {
    const span = this.#nodeSpan(before, false);
    const region = span && this.#rewrite(before, after, false);
    if (!span || region === null) return null;
    return this.#text.slice(0, span.start) + region + this.#text.slice(span.end);
  }

  /** New text for the span of @b (old) so that it reads as @a (edited); null when that cannot be done in place. */
  #rewrite(b: unknown, a: unknown, inFlow: boolean): string | null {
    const span = this.#nodeSpan(b, inFlow);
    if (!span) return null;
    if (this.#print(b) === this.#print(a)) return this.#slice(span);
    // An empty value (`key:`) has no text to replace: the whole entry is written instead.
    if (span.start === span.end) return null;
    if (isCollection(b) && isCollection(a) && isMap(b) === isMap(a)) {
      const bFlow = inFlow || b.flow === true;
      // A collection the form built afresh (no source range) is written in the style of the one it replaces.
      if (bFlow === (inFlow || a.flow === true) || a.range == null) {
        const items = this.#rewriteItems(b, a, bFlow);
        if (items !== null)
          return (
            this.#text.slice(span.start, items.span.start) + items.text + this.#text.slice(items.span.end, span.end)
          );
      }
    }
    // Replaced whole: anything inside a flow collection, a scalar or flow collection in a block one.
    if (inFlow) return this.#printFlow(a);
    if (isCollection(b) && !b.flow) return null;
    if (isScalar(a) || (isCollection(a) && a.flow)) return this.#singleLine(this.#print(a));
    return null;
  }

  /** The items of @a written over the items of @b: old items keep their text and the separator before them. */
  #rewriteItems(b: YAMLMap | YAMLSeq, a: YAMLMap | YAMLSeq, flow: boolean): { span: Span; text: string } | null {
    if (b.items.length === 0 || a.items.length === 0) return null;
    const spans: Span[] = [];
    for (const item of b.items) {
      const span = this.#itemSpan(item, flow);
      if (!span) return null;
      spans.push(span);
    }
    const first = spans[0]!;
    const lineStart = this.#text.lastIndexOf('\n', first.start - 1) + 1;
    const column = first.start - lineStart;
    // Whether the first item starts its line (a collection after `- ` does not).
    const ownsLine = this.#text.slice(lineStart, first.start).trim() === '';
    const separatorBefore = (k: number): string => this.#text.slice(spans[k - 1]!.end, spans[k]!.start);
    const freshSeparator = flow ? this.#flowSeparator(spans) : this.#eol + ' '.repeat(column);
    const origins = matchItems(b, a, (n) => this.#print(n));
    let text = '';
    for (const [j, item] of a.items.entries()) {
      const k = origins[j];
      const body =
        (k !== undefined ? this.#rewriteItem(b.items[k], item, spans[k]!, flow) : null) ??
        this.#printItem(item, isMap(a), flow, column);
      if (body === null) return null;
      if (j === 0) {
        // An old later item that comes first keeps the comment lines before it where they can stay on lines of their own.
        const comments =
          k !== undefined && k > 0 && separatorBefore(k).includes('#') ? separatorBefore(k).replace(/^\s+/, '') : '';
        if (comments && (flow || !ownsLine)) return null;
        text += comments;
      } else text += k !== undefined && k > 0 ? separatorBefore(k) : freshSeparator;
      text += body;
    }
    return { span: { start: first.start, end: spans[spans.length - 1]!.end }, text };
  }

  /** An old item's text rewritten as @a: its key, the separator, its value and what follows on its line, each kept when unchanged. */
  #rewriteItem(b: Item, a: Item, span: Span, flow: boolean): string | null {
    if (isPair(b) !== isPair(a)) return null;
    if (isPair(b) && isPair(a)) {
      if (!isScalar(b.key) || !b.key.range || !(isScalar(b.value) || isCollection(b.value))) return null;
      const keyEnd = b.key.range[1];
      const key =
        this.#print(b.key) === this.#print(a.key) ? this.#text.slice(span.start, keyEnd) : this.#printKey(a.key, flow);
      const valueSpan = this.#nodeSpan(b.value, flow);
      const value = this.#rewrite(b.value, a.value, flow);
      if (key === null || !valueSpan || value === null) return null;
      return key + this.#text.slice(keyEnd, valueSpan.start) + value + this.#text.slice(valueSpan.end, span.end);
    }
    const valueSpan = this.#nodeSpan(b, flow);
    const value = this.#rewrite(b, a, flow);
    if (!valueSpan || value === null) return null;
    return this.#text.slice(span.start, valueSpan.start) + value + this.#text.slice(valueSpan.end, span.end);
  }

  /** A new item of a map (@inMap) or sequence printed on its own, for its place: lines at @column of a block collection, or one entry of a flow one. */
  #printItem(item: Item, inMap: boolean, flow: boolean, column: number): string | null {
    const holder = inMap ? new YAMLMap() : new YAMLSeq();
    holder.items.push(item as Pair & Node);
    if (flow) {
      holder.flow = true;
      const printed = this.#singleLine(this.#print(holder));
      const inner = printed && /^[[{] (.*) [\]}]$/.exec(printed);
      return inner ? inner[1]! : null;
    }
    const pad = ' '.repeat(column);
    return this.#print(holder)
      .split('\n')
      .map((line, i) => (i === 0 || line === '' ? line : pad + line))
      .join(this.#eol);
  }

  #printFlow(node: unknown): string | null {
    return this.#printItem(node, false, true, 0);
  }

  #printKey(key: unknown, flow: boolean): string | null {
    return flow ? this.#printFlow(key) : this.#singleLine(this.#print(key));
  }

  /** Where an item's text starts and ends: a block item runs from its key or dash to the end of its last line (its comment there included). */
  #itemSpan(item: Item, flow: boolean): Span | null {
    let start: number;
    let valueEnd: number;
    if (isPair(item)) {
      if (!isScalar(item.key) || !item.key.range) return null;
      start = item.key.range[0];
      const value = item.value === null ? null : this.#nodeSpan(item.value, flow);
      valueEnd = value ? value.end : item.key.range[1];
    } else {
      const value = this.#nodeSpan(item, flow);
      if (!value) return null;
      start = flow ? value.start : this.#dashBefore(value.start);
      valueEnd = value.end;
      if (start < 0) return null;
    }
    return { start, end: flow ? valueEnd : this.#lineEnd(valueEnd) };
  }

  /** Where a node's own text is: a block collection from its first item to its last; anything else its source range, trailing space left out. */
  #nodeSpan(node: unknown, inFlow: boolean): Span | null {
    if (isCollection(node) && !(inFlow || node.flow)) {
      const first = node.items[0];
      const last = node.items[node.items.length - 1];
      const a = first === undefined ? null : this.#itemSpan(first, false);
      const z = last === undefined ? null : this.#itemSpan(last, false);
      return a && z ? { start: a.start, end: z.end } : null;
    }
    if (!isScalar(node) && !isCollection(node)) return null;
    if (!node.range) return null;
    const [start, end] = node.range;
    return { start, end: Math.max(start, this.#trimEnd(end)) };
  }

  /** The `-` of a block sequence entry whose value starts at @valueStart, or -1. */
  #dashBefore(valueStart: number): number {
    let i = valueStart - 1;
    while (i >= 0 && (this.#text[i] === ' ' || this.#text[i] === '\t')) i--;
    return this.#text[i] === '-' ? i : -1;
  }

  #trimEnd(end: number): number {
    let i = end;
    while (i > 0 && /\s/.test(this.#text[i - 1]!)) i--;
    return i;
  }

  #lineEnd(pos: number): number {
    const newline = this.#text.indexOf('\n', pos);
    if (newline < 0) return this.#text.length;
    return this.#text[newline - 1] === '\r' ? newline - 1 : newline;
  }

  #slice(span: Span): string {
    return this.#text.slice(span.start, span.end);
  }

  #flowSeparator(spans: Span[]): string {
    const between = spans.length > 1 ? this.#text.slice(spans[0]!.end, spans[1]!.start) : '';
    return between.startsWith(',') && !between.includes('#') ? between : ', ';
  }

  #singleLine(text: string | null): string | null {
    return text === null || text.includes('\n') ? null : text;
  }

  /** A node as the document printer writes it on its own (comments included), for telling what changed. */
  #print(node: unknown): string {
    if (node === null || node === undefined) return '';
    const cached = typeof node === 'object' ? this.#printed.get(node) : undefined;
    if (cached !== undefined) return cached;
    const holder = new Document();
    holder.contents = node as Node;
    const printed = printLayout(holder).replace(/\n$/, '');
    if (typeof node === 'object') this.#printed.set(node, printed);
    return printed;
  }
}

/**
 * For each item of @a, the index of the item of @b it comes from. A map's
 * pair comes from the pair with the same key, or (renamed) from the one its
 * value was parsed as; a sequence's entry from the entry it was parsed as
 * (the form edits the document parsed from the old text, so an untouched or
 * moved node keeps its source range), else from an unclaimed equal one.
 */
function matchItems(
  b: YAMLMap | YAMLSeq,
  a: YAMLMap | YAMLSeq,
  print: (n: unknown) => string,
): Array<number | undefined> {
  const claimed = new Set<number>();
  const origins: Array<number | undefined> = a.items.map(() => undefined);
  const claim = (j: number, test: (old: unknown) => boolean): void => {
    if (origins[j] !== undefined) return;
    const k = b.items.findIndex((old, i) => !claimed.has(i) && test(old));
    if (k < 0) return;
    claimed.add(k);
    origins[j] = k;
  };
  const sameOrigin = (x: unknown, y: unknown): boolean => {
    const rx = (x as Node | null)?.range;
    const ry = (y as Node | null)?.range;
    return !!rx && !!ry && rx[0] === ry[0] && isMap(x) === isMap(y) && isSeq(x) === isSeq(y);
  };
  if (isMap(a)) {
    a.items.forEach((p, j) => claim(j, (old) => isPair(old) && print(old.key) === print(p.key)));
    a.items.forEach((p, j) => claim(j, (old) => isPair(old) && sameOrigin(old.value, p.value)));
  } else {
    a.items.forEach((n, j) => claim(j, (old) => sameOrigin(old, n)));
    a.items.forEach((n, j) => claim(j, (old) => print(old) === print(n)));
  }
  return origins;
}

/** Whether @text parses to the data of @doc (integers compared by value, whatever their width or notation). */
function sameData(text: string, doc: Document): boolean {
  const parsed = parseLayoutYaml(text);
  return 'doc' in parsed && canonical(parsed.doc.toJS()) === canonical(doc.toJS());
}

function canonical(data: unknown): string {
  return JSON.stringify(data, (_key, v: unknown) =>
    typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)) ? { int: String(v) } : v,
  );
}
