// The traffic filter language (filter-grammar.md beside this file): parse an
// expression into a tree, reporting the first error with its 0-based
// position, then compile the tree into a predicate over a row.
import { LIMITS } from '../../../shared/limits.ts';
import type { FilterVocabulary } from './filter-vocabulary.ts';

export class FilterError extends Error {
  constructor(
    readonly expression: string,
    readonly position: number,
    readonly reason: string,
  ) {
    super(`filter error at position ${position}: ${reason}\n  ${expression}\n  ${' '.repeat(position)}^`);
    this.name = 'FilterError';
  }
}

/** A value a field yields; undefined when the row has no such field. */
export type FilterValue = bigint | number | string | boolean | Uint8Array | undefined;

/** How a compiled filter reads a row. */
export interface FilterRow {
  header(name: HeaderName): FilterValue;
  /** A decoded field by its path below `data` (["temp"], ["points", 1, "x"]). */
  data(path: Array<string | number>): FilterValue;
}

export const HEADER_NAMES = [
  'type',
  'id',
  'user_value',
  'length',
  'direction',
  'target',
  'kind',
  'time',
  'malformed',
] as const;
export type HeaderName = (typeof HEADER_NAMES)[number];
const ALIASES: Record<string, HeaderName> = { userValue: 'user_value', timestamp: 'time' };

type Op = '==' | '!=' | '<' | '<=' | '>' | '>=';

type Node =
  | { kind: 'or' | 'and'; left: Node; right: Node }
  | { kind: 'not'; operand: Node }
  | { kind: 'compare'; op: Op; left: Operand; right: Operand; at: number }
  | { kind: 'truthy'; operand: Operand };

type Operand =
  | { kind: 'literal'; value: bigint | number | string | boolean; at: number }
  | { kind: 'header'; name: HeaderName; at: number }
  | { kind: 'data'; path: Array<string | number>; at: number }
  /** A bare word: an enum's name where the other side is an enum-typed field, else an error (resolveWords). */
  | { kind: 'word'; name: string; at: number };

interface Token {
  kind: 'ident' | 'number' | 'string' | 'op' | 'end';
  text: string;
  at: number;
  value?: bigint | number | string;
}

const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '.', '[', ']'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (at: number, why: string): never => {
    throw new FilterError(src, at, why);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))![0];
      out.push({ kind: 'ident', text: m, at });
      i += m.length;
      continue;
    }
    if (/[0-9-]/.test(c)) {
      const m = /^-?(0x[0-9a-fA-F]+|[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)/.exec(src.slice(i));
      if (!m) fail(at, `expected a number after "-"`);
      const text = m![0];
      if (/^[A-Za-z0-9_]/.test(src.slice(i + text.length)))
        fail(at, `"${text}${src.slice(i + text.length).match(/^[A-Za-z0-9_]+/)![0]}" is not a number`);
      const isInt = /^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(text);
      const value = isInt ? (text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text)) : Number(text);
      out.push({ kind: 'number', text, at, value });
      i += text.length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        s += src[j];
        j++;
      }
      if (j >= src.length) fail(at, `this string has no closing ${c}`);
      out.push({ kind: 'string', text: src.slice(i, j + 1), at, value: s });
      i = j + 1;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op === undefined)
      fail(
        at,
        `unexpected character "${c}"${c === '=' ? ' (compare with ==)' : c === '&' || c === '|' ? ` (use ${c}${c})` : ''}`,
      );
    out.push({ kind: 'op', text: op!, at });
    i += op!.length;
  }
  out.push({ kind: 'end', text: 'the end of the expression', at: src.length });
  return out;
}

class Parser {
  #pos = 0;
  /** How many ( and ! enclose the current token: bounded, so nesting cannot exhaust the stack. */
  #depth = 0;
  constructor(
    readonly src: string,
    readonly tokens: Token[],
  ) {}

  get #tok(): Token {
    return this.tokens[this.#pos]!;
  }

  #fail(tok: Token, why: string): never {
    throw new FilterError(this.src, tok.at, why);
  }

  #describe(tok: Token): string {
    return tok.kind === 'end' ? 'the end of the expression' : `"${tok.text}"`;
  }

  #eat(text: string): boolean {
    if (this.#tok.kind === 'op' && this.#tok.text === text) {
      this.#pos++;
      return true;
    }
    return false;
  }

  parse(): Node {
    const node = this.#or();
    if (this.#tok.kind !== 'end') {
      const t = this.#tok;
      this.#fail(
        t,
        t.text === ')' ? 'this ")" closes nothing' : `expected && or || or the end, found ${this.#describe(t)}`,
      );
    }
    return node;
  }

  #or(): Node {
    let left = this.#and();
    while (this.#eat('||')) left = { kind: 'or', left, right: this.#and() };
    return left;
  }

  #and(): Node {
    let left = this.#unary();
    while (this.#eat('&&')) left = { kind: 'and', left, right: this.#unary() };
    return left;
  }

  #nested<T>(at: Token, inside: () => T): T {
    if (++this.#depth > LIMITS.filterDepth) this.#fail(at, `more than ${LIMITS.filterDepth} nested "(" and "!"`);
    const result = inside();
    this.#depth--;
    return result;
  }

  #unary(): Node {
    const open = this.#tok;
    if (this.#eat('!')) return this.#nested(open, () => ({ kind: 'not', operand: this.#unary() }));
    if (this.#eat('(')) {
      const inner = this.#nested(open, () => this.#or());
      if (!this.#eat(')'))
        this.#fail(
          this.#tok,
          `expected ")" to close the "(" at position ${open.at}, found ${this.#describe(this.#tok)}`,
        );
      return inner;
    }
    const left = this.#operand();
    const opTok = this.#tok;
    if (opTok.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(opTok.text)) {
      this.#pos++;
      const right = this.#operand();
      const op = opTok.text as Op;
      for (const side of [left, right])
        if (
          side.kind === 'literal' &&
          (typeof side.value === 'string' || typeof side.value === 'boolean') &&
          op !== '==' &&
          op !== '!='
        )
          this.#fail(opTok, `${op} compares numbers; ${JSON.stringify(side.value)} can only be compared with == or !=`);
      return { kind: 'compare', op, left, right, at: opTok.at };
    }
    if (left.kind === 'literal' && typeof left.value !== 'boolean')
      this.#fail(
        opTok,
        `expected a comparison (==, !=, <, <=, >, >=) after ${JSON.stringify(String(left.value))}, found ${this.#describe(opTok)}`,
      );
    return { kind: 'truthy', operand: left };
  }

  #operand(): Operand {
    const t = this.#tok;
    if (t.kind === 'number' || t.kind === 'string') {
      this.#pos++;
      return { kind: 'literal', value: t.value!, at: t.at };
    }
    if (t.kind !== 'ident') this.#fail(t, `expected a field, a number or a string, found ${this.#describe(t)}`);
    this.#pos++;
    if (t.text === 'true' || t.text === 'false') return { kind: 'literal', value: t.text === 'true', at: t.at };
    const header = t.text === 'header';
    const root = header ? this.#headerField() : t.text;
    if (root === 'data' && !header) return { kind: 'data', path: this.#path(t), at: t.at };
    const name = (HEADER_NAMES as readonly string[]).includes(root) ? (root as HeaderName) : ALIASES[root];
    if (name === undefined) {
      if (header) this.#fail(t, unknownField(root));
      return { kind: 'word', name: root, at: t.at };
    }
    return { kind: 'header', name, at: t.at };
  }

  #headerField(): string {
    if (!this.#eat('.')) this.#fail(this.#tok, `expected "." and a header field after "header"`);
    const t = this.#tok;
    if (t.kind !== 'ident') this.#fail(t, `expected a header field name after "header.", found ${this.#describe(t)}`);
    this.#pos++;
    return t.text;
  }

  /** .name and [index] steps after `data`. */
  #path(dataTok: Token): Array<string | number> {
    const path: Array<string | number> = [];
    for (;;) {
      if (this.#eat('.')) {
        const t = this.#tok;
        if (t.kind !== 'ident') this.#fail(t, `expected a field name after ".", found ${this.#describe(t)}`);
        this.#pos++;
        path.push(t.text);
      } else if (this.#eat('[')) {
        const t = this.#tok;
        if (t.kind !== 'number' || typeof t.value !== 'bigint' || t.value < 0n)
          this.#fail(t, `expected an array index (0, 1, ...) after "[", found ${this.#describe(t)}`);
        this.#pos++;
        path.push(Number(t.value));
        if (!this.#eat(']')) this.#fail(this.#tok, `expected "]" after the index, found ${this.#describe(this.#tok)}`);
      } else break;
    }
    if (path.length === 0) this.#fail(dataTok, 'expected a decoded field after "data", e.g. data.temp');
    return path;
  }
}

function unknownField(name: string): string {
  return `unknown field "${name}": use ${HEADER_NAMES.join(', ')}, or data.FIELD for a decoded field`;
}

/**
 * Checks the parsed tree against the layouts the Studio knows and gives bare
 * words their meaning: a data field no layout has is an error; a bare word
 * compared with an enum-typed field (kind, a header or data field with an
 * enum) is that enum's name; a bare word anywhere else is an error saying
 * what it could mean. Without a vocabulary a bare word is an unknown field.
 */
function resolveWords(n: Node, src: string, vocabulary: FilterVocabulary | undefined): Node {
  const fail = (at: number, why: string): never => {
    throw new FilterError(src, at, why);
  };
  const checkOperand = (o: Operand): void => {
    if (o.kind === 'data' && vocabulary && !vocabulary.hasData(o.path))
      fail(o.at, `no layout has a field data.${pathText(o.path)}`);
  };
  const bareWord = (w: Extract<Operand, { kind: 'word' }>): never => {
    if (!vocabulary) return fail(w.at, unknownField(w.name));
    const meanings = vocabulary.meaningsOf(w.name);
    return fail(
      w.at,
      `"${w.name}" is not a field${meanings.length ? `; it is ${meanings.join(', or ')}` : ''}: write "${w.name}" in quotes for a string, or compare it with a field (kind == NAME, data.FIELD == NAME)`,
    );
  };
  switch (n.kind) {
    case 'or':
    case 'and':
      return { ...n, left: resolveWords(n.left, src, vocabulary), right: resolveWords(n.right, src, vocabulary) };
    case 'not':
      return { ...n, operand: resolveWords(n.operand, src, vocabulary) };
    case 'truthy':
      if (n.operand.kind === 'word') bareWord(n.operand);
      checkOperand(n.operand);
      return n;
    case 'compare': {
      const sides = [n.left, n.right].map((side, i): Operand => {
        const other = i === 0 ? n.right : n.left;
        if (side.kind !== 'word') {
          checkOperand(side);
          return side;
        }
        const meaning =
          vocabulary && (other.kind === 'header' || other.kind === 'data') ? vocabulary.enumOf(other) : undefined;
        if (!meaning) return bareWord(side);
        if (n.op !== '==' && n.op !== '!=')
          fail(n.at, `${n.op} compares numbers; the name ${side.name} can only be compared with == or !=`);
        const value = meaning.valueOf(side.name);
        if (value === undefined)
          fail(
            side.at,
            meaning.names.includes(side.name)
              ? `"${side.name}" stands for different values in different layouts: compare the number instead`
              : `"${side.name}" is not one of ${meaning.what}: ${meaning.names.slice(0, 20).join(', ')}${meaning.names.length > 20 ? ', …' : ''}`,
          );
        return { kind: 'literal', value: value!, at: side.at };
      });
      return { ...n, left: sides[0]!, right: sides[1]! };
    }
  }
}

function pathText(path: ReadonlyArray<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Compares two field values; undefined (no such field) never compares. */
function compare(op: Op, a: FilterValue, b: FilterValue): boolean {
  if (a === undefined || b === undefined) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) return false;
  let c: number;
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    if (typeof a === 'bigint' && typeof b === 'bigint') c = a < b ? -1 : a > b ? 1 : 0;
    else {
      const x = Number(a);
      const y = Number(b);
      c = x < y ? -1 : x > y ? 1 : 0;
    }
  } else if (typeof a === typeof b) {
    c = a < b ? -1 : a > b ? 1 : 0;
    if (typeof a !== 'string' && op !== '==' && op !== '!=') return false;
  } else return op === '!=';
  return holds(op, c);
}

/** Whether @op holds for an order @c (-1, 0, 1). */
function holds(op: Op, c: number): boolean {
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

/** compare() for two numbers. */
function compareNumbers(op: Op, a: number, b: number): boolean {
  return holds(op, a < b ? -1 : a > b ? 1 : 0);
}

function truthy(v: FilterValue): boolean {
  if (v === undefined) return false;
  if (v instanceof Uint8Array) return v.length > 0;
  return Boolean(v) && v !== 0n;
}

export type FilterPredicate = (row: FilterRow) => boolean;

export interface CompiledFilter {
  test: FilterPredicate;
  /** Whether it reads decoded fields (and so needs each row decoded). */
  usesData: boolean;
}

function operandReader(o: Operand): (row: FilterRow) => FilterValue {
  switch (o.kind) {
    case 'literal':
      return () => o.value;
    case 'header':
      return (row) => row.header(o.name);
    case 'data':
      return (row) => row.data(o.path);
    case 'word':
      throw new Error(`the bare word "${o.name}" was not resolved`); // resolveWords refuses or replaces every one
  }
}

function compileNode(n: Node): FilterPredicate {
  switch (n.kind) {
    case 'or': {
      const [l, r] = [compileNode(n.left), compileNode(n.right)];
      return (row) => l(row) || r(row);
    }
    case 'and': {
      const [l, r] = [compileNode(n.left), compileNode(n.right)];
      return (row) => l(row) && r(row);
    }
    case 'not': {
      const inner = compileNode(n.operand);
      return (row) => !inner(row);
    }
    case 'compare': {
      const [l, r] = [operandReader(n.left), operandReader(n.right)];
      const literal = n.right.kind === 'literal' ? n.right.value : undefined;
      if (typeof literal === 'bigint' || typeof literal === 'number') {
        // A field against a number (the common filter): a field read as a
        // number compares to the literal as a number, as compare() would,
        // without converting the literal on every row.
        const x = Number(literal);
        const op = n.op;
        return (row) => {
          const a = l(row);
          return typeof a === 'number' ? compareNumbers(op, a, x) : compare(op, a, literal);
        };
      }
      return (row) => compare(n.op, l(row), r(row));
    }
    case 'truthy': {
      const v = operandReader(n.operand);
      return (row) => truthy(v(row));
    }
  }
}

function readsData(n: Node): boolean {
  switch (n.kind) {
    case 'or':
    case 'and':
      return readsData(n.left) || readsData(n.right);
    case 'not':
      return readsData(n.operand);
    case 'compare':
      return n.left.kind === 'data' || n.right.kind === 'data';
    case 'truthy':
      return n.operand.kind === 'data';
  }
}

/**
 * Parses and compiles an expression; throws FilterError with the position of the first problem. With a
 * vocabulary (the layouts the Studio knows), data fields are checked and bare enum names accepted.
 */
export function compileFilter(expression: string, vocabulary?: FilterVocabulary): CompiledFilter {
  if (expression.trim() === '') throw new FilterError(expression, 0, 'the expression is empty');
  if (expression.length > LIMITS.filterChars)
    throw new FilterError(
      expression,
      LIMITS.filterChars,
      `the expression has ${expression.length} characters; a filter is at most ${LIMITS.filterChars}`,
    );
  const tree = resolveWords(new Parser(expression, tokenize(expression)).parse(), expression, vocabulary);
  return { test: compileNode(tree), usesData: readsData(tree) };
}
