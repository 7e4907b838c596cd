// rules.yaml: the workspace's auto-answer rules (README.md beside this file
// describes the format). Parsing checks everything a rule needs before it can
// answer anything, and reports every problem at its line and column, the way
// layouts do.
import { LIMITS, formatBytes, utf8Bytes } from '../../shared/limits.ts';
import { compileFilter, FilterError, type CompiledFilter } from '../studio/traffic/filter.ts';
import { ErrorSink, LayoutLoadError, type DocPath } from '../protocol/load-errors.ts';
import { readYamlText } from '../protocol/yaml-text.ts';

/** Where an answer's value comes from. */
export type ValueSource =
  /** A header field of the request, or a field of its data (`data.seq`, `data.points[1].x`). */
  | { kind: 'copy'; path: ReadonlyArray<string | number> }
  /** The rule's counter: @start for its first answer, then one more each answer. */
  | { kind: 'counter'; start: bigint }
  /** A constant, as a layout's composer takes it (enum names, flag lists, hex bytes...). */
  | { kind: 'constant'; value: unknown };

/** An answer's data: a field's source, or a struct's fields by name. */
export type FieldSources = { [name: string]: FieldSource };
export type FieldSource = ValueSource | { kind: 'struct'; fields: FieldSources };

export type AnswerHeaderKey = 'type' | 'id' | 'user_value';

export interface Rule {
  name: string;
  /** The filter expression (filter-grammar.md) a received message must match. */
  when: string;
  filter: CompiledFilter;
  /** The layout (by protocol name) that decodes the request and builds the answer. */
  protocol: string;
  /** The message kind of the answer. */
  answerKind: string;
  header: Partial<Record<AnswerHeaderKey, ValueSource>>;
  fields: FieldSources;
  delayMs: number;
  /** Answers a second above which the rule is switched off. */
  maxPerSecond: number;
  /** Targets where the rule starts switched on; undefined: every target. */
  targets?: string[];
}

export const DEFAULT_MAX_PER_SECOND = 100;
const MAX_DELAY_MS = 60_000;
const HEADER_KEYS: readonly AnswerHeaderKey[] = ['type', 'id', 'user_value'];
const RULE_KEYS = ['name', 'when', 'protocol', 'answer', 'delay_ms', 'max_per_second', 'targets'];
const ANSWER_KEYS = ['kind', 'header', 'fields'];

/** Parses a `copy` path: `id`, `type`, `user_value`, `length`, `data.a.b[2].c`. */
export function parseCopyPath(text: string): Array<string | number> | string {
  const t = text.trim();
  if (['id', 'type', 'user_value', 'length'].includes(t)) return [t];
  if (!t.startsWith('data.')) return `"${t}" is not a request field: give id, type, user_value, length or data.FIELD`;
  const path: Array<string | number> = ['data'];
  const re = /\.([A-Za-z_][A-Za-z0-9_]*)|\[([0-9]+)\]/y;
  re.lastIndex = 4;
  while (re.lastIndex < t.length) {
    const m = re.exec(t);
    if (!m) return `"${t}" is not a field path (fields joined by ".", array elements as [N])`;
    path.push(m[1] ?? Number(m[2]));
  }
  return path;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class RulesParser {
  constructor(readonly sink: ErrorSink) {}

  unknownKeys(v: Record<string, unknown>, allowed: string[], path: DocPath): void {
    for (const k of Object.keys(v))
      if (!allowed.includes(k))
        this.sink.at([...path, k], `unknown key "${k}"; allowed here: ${allowed.join(', ')}`, true);
  }

  /** A field's or header value's source: {copy: PATH}, {counter: START} or a constant. */
  source(v: unknown, path: DocPath): ValueSource | undefined {
    if (isMapping(v) && Object.keys(v).length === 1 && 'copy' in v) {
      if (typeof v.copy !== 'string') {
        this.sink.at([...path, 'copy'], 'expected the request field to copy, e.g. id or data.seq');
        return undefined;
      }
      const p = parseCopyPath(v.copy);
      if (typeof p === 'string') {
        this.sink.at([...path, 'copy'], p);
        return undefined;
      }
      return { kind: 'copy', path: p };
    }
    if (isMapping(v) && Object.keys(v).length === 1 && 'counter' in v) {
      const start = v.counter;
      if (typeof start !== 'bigint' || start < 0n) {
        this.sink.at([...path, 'counter'], "expected the counter's first value, a whole number of 0 or more");
        return undefined;
      }
      return { kind: 'counter', start };
    }
    return { kind: 'constant', value: plain(v) };
  }

  fields(v: unknown, path: DocPath): FieldSources {
    const out: FieldSources = {};
    if (v === undefined || v === null) return out;
    if (!isMapping(v)) {
      this.sink.at(path, "expected the answer's fields by name");
      return out;
    }
    for (const [name, x] of Object.entries(v)) {
      const isSource = isMapping(x) && Object.keys(x).length === 1 && ('copy' in x || 'counter' in x);
      if (isMapping(x) && !isSource) out[name] = { kind: 'struct', fields: this.fields(x, [...path, name]) };
      else {
        const s = this.source(x, [...path, name]);
        if (s) out[name] = s;
      }
    }
    return out;
  }

  rule(v: unknown, at: number, seen: Set<string>): Rule | undefined {
    const path: DocPath = ['rules', at];
    if (!isMapping(v)) {
      this.sink.at(path, 'expected a rule: name, when, protocol and answer');
      return undefined;
    }
    this.unknownKeys(v, RULE_KEYS, path);
    const errorsBefore = this.sink.errors.length;
    const text = (key: string): string | undefined => {
      const x = v[key];
      if (typeof x === 'string' && x.trim() !== '') return x;
      this.sink.at(
        x === undefined ? path : [...path, key],
        x === undefined ? `missing required key "${key}"` : `expected text for "${key}"`,
      );
      return undefined;
    };
    const name = text('name');
    if (name !== undefined) {
      if (seen.has(name))
        this.sink.at([...path, 'name'], `a rule named "${name}" comes earlier: rule names are unique`);
      seen.add(name);
    }
    const when = text('when');
    let filter: CompiledFilter | undefined;
    if (when !== undefined) {
      try {
        filter = compileFilter(when);
      } catch (err) {
        if (!(err instanceof FilterError)) throw err;
        this.sink.at([...path, 'when'], `at character ${err.position + 1}: ${err.reason}`);
      }
    }
    const protocol = text('protocol');
    const answer = v.answer;
    let answerKind: string | undefined;
    const header: Rule['header'] = {};
    let fields: FieldSources = {};
    if (!isMapping(answer))
      this.sink.at(
        answer === undefined ? path : [...path, 'answer'],
        answer === undefined ? 'missing required key "answer"' : 'expected the answer: kind, header and fields',
      );
    else {
      this.unknownKeys(answer, ANSWER_KEYS, [...path, 'answer']);
      if (typeof answer.kind === 'string' && answer.kind !== '') answerKind = answer.kind;
      else
        this.sink.at(
          [...path, 'answer', ...(answer.kind === undefined ? [] : ['kind'])],
          answer.kind === undefined
            ? 'missing required key "kind": the message kind to answer with'
            : 'expected the name of a message kind',
        );
      if (answer.header !== undefined) {
        if (!isMapping(answer.header))
          this.sink.at([...path, 'answer', 'header'], 'expected header fields: type, id, user_value');
        else {
          this.unknownKeys(answer.header, [...HEADER_KEYS], [...path, 'answer', 'header']);
          for (const k of HEADER_KEYS) {
            if (answer.header[k] === undefined) continue;
            const s = this.source(answer.header[k], [...path, 'answer', 'header', k]);
            if (s) header[k] = s;
          }
        }
      }
      fields = this.fields(answer.fields, [...path, 'answer', 'fields']);
    }
    const delayMs = this.number(v.delay_ms, [...path, 'delay_ms'], 0, MAX_DELAY_MS, 0);
    const maxPerSecond = this.number(v.max_per_second, [...path, 'max_per_second'], 1, 100_000, DEFAULT_MAX_PER_SECOND);
    let targets: string[] | undefined;
    if (v.targets !== undefined) {
      if (!Array.isArray(v.targets) || v.targets.some((t) => typeof t !== 'string'))
        this.sink.at([...path, 'targets'], 'expected a list of target names (demo:echo, /dev/kucomms_NAME, shm:NAME)');
      else targets = v.targets as string[];
    }
    if (this.sink.errors.length > errorsBefore || !name || !when || !filter || !protocol || !answerKind)
      return undefined;
    return {
      name,
      when,
      filter,
      protocol,
      answerKind,
      header,
      fields,
      delayMs,
      maxPerSecond,
      ...(targets ? { targets } : {}),
    };
  }

  number(v: unknown, path: DocPath, min: number, max: number, otherwise: number): number {
    if (v === undefined) return otherwise;
    if (typeof v === 'bigint' && v >= BigInt(min) && v <= BigInt(max)) return Number(v);
    this.sink.at(path, `expected a whole number from ${min} to ${max}`);
    return otherwise;
  }
}

/** YAML's integers arrive as BigInt: those that fit a double become numbers, as the composer's JSON has them. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (isMapping(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/**
 * Parses the text of a rules file. Throws LayoutLoadError (the same
 * file:line:column errors as a layout's) listing every problem; an empty
 * file has no rules.
 */
export function parseRules(text: string, file: string): Rule[] {
  const bytes = utf8Bytes(text);
  if (bytes > LIMITS.layoutBytes)
    throw new LayoutLoadError([
      {
        file,
        line: 1,
        column: 1,
        path: '',
        message: `the rules file is ${bytes} bytes; it may be at most ${formatBytes(LIMITS.layoutBytes)}`,
      },
    ]);
  const { js, sink } = readYamlText(text, file);
  if (sink.errors.length) throw new LayoutLoadError(sink.errors);
  if (js === null || js === undefined) return [];
  const parser = new RulesParser(sink);
  if (!isMapping(js) || !Array.isArray(js.rules)) {
    sink.at(isMapping(js) && js.rules !== undefined ? ['rules'] : [], 'expected "rules:", a list of rules');
    throw new LayoutLoadError(sink.errors);
  }
  parser.unknownKeys(js, ['rules'], []);
  const seen = new Set<string>();
  const rules = js.rules.map((r, i) => parser.rule(r, i, seen));
  if (sink.errors.length) {
    sink.errors.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new LayoutLoadError(sink.errors);
  }
  return rules as Rule[];
}
