// Answers received messages by the workspace's rules (rules-file.ts): for
// each message a target receives, the first rule switched on for that target
// whose filter matches builds its answer from the layout and sends it, after
// the rule's delay. Two guards against loops: a received message identical
// to an answer this side sent (a peer echoing it, as demo:echo does) is never
// answered, and a rule answering faster than its max_per_second is switched
// off on that target with a notice.
import { EventEmitter } from 'node:events';
import type { Message, SendHeader } from '../../shared/message.ts';
import { decodeReceived } from '../protocol/decode.ts';
import { encodeData, EncodeError } from '../protocol/encode.ts';
import type { HeaderKey, Layout, MessageKind } from '../protocol/layout.ts';
import { valueToJson, type Decoded, type FieldValue } from '../protocol/values.ts';
import { structFromJson } from '../studio/values-from-json.ts';
import { messageRow, walkValue } from '../studio/traffic/message-row.ts';
import type { FieldSources, Rule, ValueSource } from './rules-file.ts';

export interface RuleAnswer {
  target: string;
  rule: string;
  header: SendHeader;
  data: Uint8Array;
}

export interface RuleNotice {
  target: string;
  rule: string;
  message: string;
  /** The rule was switched off on this target because of it. */
  switchedOff: boolean;
}

export interface RuleAnswererEvents {
  /** An answer was sent. */
  answer: [answer: RuleAnswer];
  notice: [notice: RuleNotice];
}

/** Sends a message on a target (throws when it cannot). */
export type SendOn = (target: string, header: SendHeader, data: Uint8Array) => void;
/** The layout of a protocol name, if the workspace has it. */
export type LayoutNamed = (protocol: string) => Layout | undefined;

/** Answers remembered per target to recognise them coming back, and to attribute them in Traffic. */
const REMEMBERED_ANSWERS = 4096;

function answerKey(type: bigint, id: bigint, userValue: bigint, data: Uint8Array): string {
  return `${type}:${id}:${userValue}:${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex')}`;
}

/** Per target: answers sent that may still come back, and answers not yet seen sent. */
class TargetMemory {
  readonly returning = new Map<string, number>();
  readonly unclaimed: Array<{ key: string; rule: string }> = [];
  /** Rules switched on (by name). */
  readonly on = new Set<string>();
  /** Send times (ms) of each rule's answers in the last second. */
  readonly recent = new Map<string, number[]>();

  remember(key: string, rule: string): void {
    this.returning.set(key, (this.returning.get(key) ?? 0) + 1);
    if (this.returning.size > REMEMBERED_ANSWERS) this.returning.delete(this.returning.keys().next().value!);
    this.unclaimed.push({ key, rule });
    if (this.unclaimed.length > REMEMBERED_ANSWERS) this.unclaimed.shift();
  }

  /** Whether @key is an answer coming back (forgotten once it has). */
  cameBack(key: string): boolean {
    const n = this.returning.get(key);
    if (!n) return false;
    if (n === 1) this.returning.delete(key);
    else this.returning.set(key, n - 1);
    return true;
  }
}

function toBigInt(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v.trim())) return BigInt(v.trim());
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new EncodeError(what, `expected a whole number, got ${JSON.stringify(valueToJson(v as FieldValue))}`);
}

export class RuleAnswerer extends EventEmitter<RuleAnswererEvents> {
  #rules: Rule[] = [];
  readonly #targets = new Map<string, TargetMemory>();
  readonly #counters = new Map<string, bigint>();
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly layoutNamed: LayoutNamed,
    private readonly send: SendOn,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  get rules(): readonly Rule[] {
    return this.#rules;
  }

  /**
   * Takes a new set of rules (the file changed). A rule keeps its on/off
   * state per target and its counter when its name stays.
   */
  setRules(rules: Rule[]): void {
    const before = new Set(this.#rules.map((r) => r.name));
    this.#rules = rules;
    const names = new Set(rules.map((r) => r.name));
    for (const [target, memory] of this.#targets) {
      for (const name of memory.on) if (!names.has(name)) memory.on.delete(name);
      for (const r of rules) if (!before.has(r.name) && this.#startsOn(r, target)) memory.on.add(r.name);
    }
    for (const name of this.#counters.keys()) if (!names.has(name)) this.#counters.delete(name);
  }

  #startsOn(rule: Rule, target: string): boolean {
    return rule.targets === undefined || rule.targets.includes(target);
  }

  #memory(target: string): TargetMemory {
    let m = this.#targets.get(target);
    if (!m) {
      m = new TargetMemory();
      for (const r of this.#rules) if (this.#startsOn(r, target)) m.on.add(r.name);
      this.#targets.set(target, m);
    }
    return m;
  }

  /** Switches a rule on or off on one target. */
  setOn(target: string, rule: string, on: boolean): void {
    if (!this.#rules.some((r) => r.name === rule)) throw new Error(`no rule named "${rule}" in rules.yaml`);
    const memory = this.#memory(target);
    if (on) {
      memory.on.add(rule);
      memory.recent.delete(rule);
    } else memory.on.delete(rule);
  }

  /** Whether a rule is switched on on a target. */
  isOn(target: string, rule: string): boolean {
    return this.#memory(target).on.has(rule);
  }

  /** Per target seen so far, the rules switched on there (in file order). */
  onByTarget(): Record<string, string[]> {
    return Object.fromEntries(
      [...this.#targets].map(([target, m]) => [target, this.#rules.filter((r) => m.on.has(r.name)).map((r) => r.name)]),
    );
  }

  /** A target went away: forget what it had (its rules start as the file says when it comes back). */
  forget(target: string): void {
    this.#targets.delete(target);
  }

  /**
   * The rule that sent a message this target reports as sent (tx), if one
   * did. Messages sent come back in the order they were sent.
   */
  claimSent(target: string, m: Pick<Message, 'type' | 'id' | 'userValue' | 'data'>): string | undefined {
    const memory = this.#targets.get(target);
    const head = memory?.unclaimed[0];
    if (!head || head.key !== answerKey(m.type, m.id, m.userValue, m.data)) return undefined;
    memory.unclaimed.shift();
    return head.rule;
  }

  /** Answers what the rules answer among @messages (both directions; only received ones are answered). */
  handle(target: string, messages: readonly Message[]): void {
    if (this.#rules.length === 0) return;
    const memory = this.#memory(target);
    for (const m of messages) {
      if (m.direction !== 'rx') continue;
      if (memory.cameBack(answerKey(m.type, m.id, m.userValue, m.data))) continue;
      const decodedBy = new Map<string, Decoded | undefined>();
      const decoded = (protocol: string) => (): Decoded | undefined => {
        if (!decodedBy.has(protocol)) {
          const layout = this.layoutNamed(protocol);
          decodedBy.set(protocol, layout && decodeReceived(layout, m));
        }
        return decodedBy.get(protocol);
      };
      for (const rule of this.#rules) {
        if (!memory.on.has(rule.name)) continue;
        const requestOf = decoded(rule.protocol);
        if (!rule.filter.test(messageRow(target, m, requestOf))) continue;
        this.#answer(target, memory, rule, m, requestOf);
        break;
      }
    }
  }

  #answer(target: string, memory: TargetMemory, rule: Rule, m: Message, requestOf: () => Decoded | undefined): void {
    const now = this.now();
    const recent = (memory.recent.get(rule.name) ?? []).filter((t) => now - t < 1000);
    if (recent.length >= rule.maxPerSecond) {
      memory.on.delete(rule.name);
      memory.recent.delete(rule.name);
      this.#notice(
        target,
        rule,
        `answered ${rule.maxPerSecond} messages within a second (its max_per_second): switched off on ${target}`,
        true,
      );
      return;
    }
    let built: { header: SendHeader; data: Uint8Array };
    try {
      built = this.#build(rule, m, requestOf);
    } catch (err) {
      memory.on.delete(rule.name);
      this.#notice(target, rule, `cannot build its answer: ${(err as Error).message}; switched off on ${target}`, true);
      return;
    }
    recent.push(now);
    memory.recent.set(rule.name, recent);
    const go = (): void => {
      const { header, data } = built;
      memory.remember(answerKey(header.type, header.id, header.userValue, data), rule.name);
      try {
        this.send(target, header, data);
      } catch (err) {
        memory.unclaimed.pop();
        this.#notice(target, rule, `its answer could not be sent: ${(err as Error).message}`, false);
        return;
      }
      this.emit('answer', { target, rule: rule.name, header, data });
    };
    if (rule.delayMs === 0) {
      go();
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (memory === this.#targets.get(target) && memory.on.has(rule.name)) go();
    }, rule.delayMs);
    this.#timers.add(timer);
  }

  #notice(target: string, rule: Rule, message: string, switchedOff: boolean): void {
    this.emit('notice', { target, rule: rule.name, message: `rule "${rule.name}" ${message}`, switchedOff });
  }

  #build(rule: Rule, m: Message, requestOf: () => Decoded | undefined): { header: SendHeader; data: Uint8Array } {
    const layout = this.layoutNamed(rule.protocol);
    if (!layout) throw new EncodeError('protocol', `the workspace has no layout of protocol "${rule.protocol}"`);
    const kind = layout.messages.find((k) => k.name === rule.answerKind);
    if (!kind)
      throw new EncodeError(
        'answer.kind',
        `${rule.protocol} has no message kind "${rule.answerKind}" (it has ${layout.messages.map((k) => k.name).join(', ')})`,
      );
    let counted: bigint | undefined;
    const counter = (start: bigint): bigint => {
      counted ??= this.#counters.get(rule.name) ?? start;
      return counted;
    };
    const resolve = (s: ValueSource, path: string): unknown => {
      switch (s.kind) {
        case 'copy': {
          const [first, ...rest] = s.path;
          if (first !== 'data')
            return { id: m.id, type: m.type, user_value: m.userValue, length: m.length }[first!]!.toString();
          const v = walkValue(requestOf()?.data, rest);
          if (v === undefined) throw new EncodeError(path, `the request has no ${s.path.join('.')} to copy`);
          return valueToJson(v);
        }
        case 'counter':
          return counter(s.start).toString();
        case 'constant':
          return s.value;
      }
    };
    const headerValue = (key: HeaderKey, fallback: bigint): bigint => {
      const s = rule.header[key];
      if (!s) return fallback;
      const v = resolve(s, `answer.header.${key}`);
      const named = typeof v === 'string' ? layout.header[key].enum?.entries.find((e) => e.name === v) : undefined;
      return named ? named.value : toBigInt(v, `answer.header.${key}`);
    };
    const header: SendHeader = {
      type: headerValue('type', kind.when.type ?? 0n),
      id: headerValue('id', m.id),
      userValue: headerValue('user_value', kind.when.user_value ?? 0n),
    };
    const json = this.#fieldsJson(rule.fields, resolve, 'answer.fields');
    const data = encodeData(kind as MessageKind, structFromJson(kind.struct, json, 'answer.fields'));
    if (counted !== undefined) this.#counters.set(rule.name, counted + 1n);
    return { header, data };
  }

  #fieldsJson(fields: FieldSources, resolve: (s: ValueSource, path: string) => unknown, path: string): unknown {
    const out: Record<string, unknown> = {};
    for (const [name, s] of Object.entries(fields))
      out[name] =
        s.kind === 'struct' ? this.#fieldsJson(s.fields, resolve, `${path}.${name}`) : resolve(s, `${path}.${name}`);
    return out;
  }

  /** Drops answers still waiting for their delay. */
  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
