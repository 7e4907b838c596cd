// A workspace's protocol tests (tests/NAME.yaml, README.md beside this file):
// YAML checked against protocols/test.schema.json, then everything a step
// needs before the test runs (the layout, each message's bytes, each filter,
// each capture and script file), every problem reported at its line and
// column as a layout's are.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { LIMITS, formatBytes } from '../../shared/limits.ts';
import type { SendHeader } from '../../shared/message.ts';
import { parseTarget } from '../../shared/target.ts';
import { EncodeError, encodeMessage } from '../protocol/encode.ts';
import { HEADER_SIZE } from '../protocol/decode.ts';
import type { Layout } from '../protocol/layout.ts';
import { ErrorSink, LayoutLoadError, tooLargeError, type DocPath } from '../protocol/load-errors.ts';
import { checkSchema, numbersFromBigInt } from '../protocol/loader.ts';
import { readYamlText } from '../protocol/yaml-text.ts';
import type { ReplaySpeed } from '../studio/replay/replay.ts';
import { compileFilter, FilterError, type CompiledFilter } from '../studio/traffic/filter.ts';
import { structFromJson } from '../studio/values-from-json.ts';
import { parseHexBytes } from '../hex-bytes.ts';

const schemaUrl = new URL('../../../protocols/test.schema.json', import.meta.url);
const validate = new Ajv({ allErrors: true, verbose: true, strict: true }).compile(
  JSON.parse(readFileSync(schemaUrl, 'utf8')) as object,
);

/** How long an expect waits when the step does not say. */
export const DEFAULT_WITHIN_MS = 5000;
/** How long a replay waits for missing replies after its last send when the step does not say. */
export const DEFAULT_REPLAY_WAIT_MS = 1000;

interface StepBase {
  /** The step's line in the file, for reports. */
  line: number;
  /** One line for people: what the step does. */
  what: string;
}

export type TestStep = StepBase &
  (
    | { kind: 'send'; header: SendHeader; data: Uint8Array }
    | { kind: 'expect'; filter: CompiledFilter; withinMs: number }
    | { kind: 'expect_none'; filter: CompiledFilter; forMs: number }
    | {
        kind: 'replay';
        capture: string;
        from?: string;
        direction: 'tx' | 'rx';
        speed: ReplaySpeed;
        ignore: string[];
        waitMs: number;
      }
    | { kind: 'script'; file: string; forMs: number }
  );

export interface ProtocolTest {
  name: string;
  file: string;
  target: string;
  layout?: Layout;
  /** The layout's file (a handler script step decodes with it). */
  layoutFile?: string;
  steps: TestStep[];
}

/** What a test file needs of the Studio: its layouts by protocol name, and the folder paths are relative to. */
export interface TestContext {
  workspaceDir: string;
  layout(protocol: string): { layout: Layout; file: string } | undefined;
  /** The protocols there are, for the message when one is missing. */
  protocolNames(): string[];
}

/** The test files of a workspace: tests/*.yaml, by name. */
export function workspaceTestFiles(workspaceDir: string): string[] {
  const dir = path.join(workspaceDir, 'tests');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The test a file's name gives when it has no name: key. */
export function testNameOf(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/, '');
}

/** Loads and checks a test file; throws LayoutLoadError listing every problem at its line and column. */
export function loadTestFile(file: string, ctx: TestContext): ProtocolTest {
  const size = statSync(file).size;
  // A test file is as small as a layout: the same bound keeps a stray huge file from being read.
  if (size > LIMITS.layoutBytes) throw tooLargeError(file, size, 'a test file', formatBytes(LIMITS.layoutBytes));
  return loadTestText(readFileSync(file, 'utf8'), file, ctx);
}

export function loadTestText(text: string, file: string, ctx: TestContext): ProtocolTest {
  const { js, sink } = readYamlText(text, file);
  if (sink.errors.length === 0) checkSchema(validate, numbersFromBigInt(js), sink);
  const test = sink.errors.length === 0 ? new TestReader(file, sink, ctx).read(js as TestYaml) : undefined;
  if (sink.errors.length > 0 || !test) {
    sink.errors.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new LayoutLoadError(sink.errors);
  }
  return test;
}

// The file's shape once the schema holds (integers are BigInt, as the YAML reader gives them).
type U64Yaml = bigint | string;
interface SendYaml {
  kind?: string;
  header?: Partial<Record<'type' | 'id' | 'user_value', U64Yaml>>;
  fields?: Record<string, unknown>;
  hex?: string;
}
type StepYaml =
  | { send: SendYaml }
  | { expect: { filter: string; within_ms?: bigint } }
  | { expect_none: { filter: string; for_ms: bigint } }
  | {
      replay: {
        capture: string;
        from?: string;
        direction?: 'tx' | 'rx';
        speed?: 'original' | 'max' | bigint | number;
        ignore?: string[];
        wait_ms?: bigint;
      };
    }
  | { script: { file: string; for_ms: bigint } };
interface TestYaml {
  name?: string;
  target: string;
  layout?: string;
  steps: StepYaml[];
}

class TestReader {
  #layout: { layout: Layout; file: string } | undefined;

  constructor(
    readonly file: string,
    readonly sink: ErrorSink,
    readonly ctx: TestContext,
  ) {}

  read(y: TestYaml): ProtocolTest | undefined {
    try {
      parseTarget(y.target);
    } catch (err) {
      this.sink.at(['target'], (err as Error).message);
    }
    if (y.layout !== undefined) {
      this.#layout = this.ctx.layout(y.layout);
      if (!this.#layout)
        this.sink.at(['layout'], `no protocol "${y.layout}": the protocols are ${this.ctx.protocolNames().join(', ')}`);
    }
    const steps = y.steps.map((s, i) => this.step(s, ['steps', i]));
    if (steps.some((s) => s === undefined)) return undefined;
    return {
      name: y.name ?? testNameOf(this.file),
      file: this.file,
      target: y.target,
      ...(this.#layout ? { layout: this.#layout.layout, layoutFile: this.#layout.file } : {}),
      steps: steps as TestStep[],
    };
  }

  lineOf(at: DocPath): number {
    const before = this.sink.errors.length;
    this.sink.at(at, '');
    return this.sink.errors.splice(before, 1)[0]!.line;
  }

  step(s: StepYaml, at: DocPath): TestStep | undefined {
    const line = this.lineOf(at);
    if ('send' in s) return this.send(s.send, [...at, 'send'], line);
    if ('expect' in s) {
      const filter = this.filter(s.expect.filter, [...at, 'expect', 'filter']);
      const withinMs = Number(s.expect.within_ms ?? DEFAULT_WITHIN_MS);
      return (
        filter && { kind: 'expect', line, what: `expect ${s.expect.filter} within ${withinMs} ms`, filter, withinMs }
      );
    }
    if ('expect_none' in s) {
      const filter = this.filter(s.expect_none.filter, [...at, 'expect_none', 'filter']);
      const forMs = Number(s.expect_none.for_ms);
      return (
        filter && {
          kind: 'expect_none',
          line,
          what: `expect no ${s.expect_none.filter} for ${forMs} ms`,
          filter,
          forMs,
        }
      );
    }
    if ('replay' in s) {
      const r = s.replay;
      const capture = this.existingFile(r.capture, [...at, 'replay', 'capture'], 'capture');
      const speed: ReplaySpeed =
        r.speed === 'max'
          ? { kind: 'max' }
          : { kind: 'timed', factor: r.speed === undefined || r.speed === 'original' ? 1 : Number(r.speed) };
      if (capture === undefined) return undefined;
      return {
        kind: 'replay',
        line,
        what: `replay ${r.capture}${r.from ? ` (${r.from})` : ''} at ${r.speed ?? 'original'} speed`,
        capture,
        ...(r.from !== undefined ? { from: r.from } : {}),
        direction: r.direction ?? 'tx',
        speed,
        ignore: r.ignore ?? [],
        waitMs: Number(r.wait_ms ?? DEFAULT_REPLAY_WAIT_MS),
      };
    }
    const file = this.existingFile(s.script.file, [...at, 'script', 'file'], 'script');
    const forMs = Number(s.script.for_ms);
    return file === undefined
      ? undefined
      : { kind: 'script', line, what: `run ${s.script.file} for ${forMs} ms`, file, forMs };
  }

  send(s: SendYaml, at: DocPath, line: number): TestStep | undefined {
    const header = {
      type: this.u64(s.header?.type, [...at, 'header', 'type']),
      id: this.u64(s.header?.id, [...at, 'header', 'id']),
      user_value: this.u64(s.header?.user_value, [...at, 'header', 'user_value']),
    };
    if (s.hex !== undefined) {
      if (s.kind !== undefined || s.fields !== undefined) {
        this.sink.at([...at, 'hex'], 'give either hex or a kind with its fields, not both');
        return undefined;
      }
      const data = parseHexBytes(s.hex);
      if (typeof data === 'string') {
        this.sink.at([...at, 'hex'], data);
        return undefined;
      }
      return this.sendStep(line, { ...header, type: header.type ?? 0n }, data, `${data.length} bytes`);
    }
    const layout = this.#layout?.layout;
    if (!layout) {
      this.sink.at(at, "a message built from fields needs the test's layout: (or give its bytes as hex:)");
      return undefined;
    }
    const kind =
      s.kind === undefined
        ? layout.messages.find((m) =>
            (['type', 'id', 'user_value'] as const).every(
              (k) => m.when[k] === undefined || m.when[k] === (header[k] ?? 0n),
            ),
          )
        : layout.messages.find((m) => m.name === s.kind);
    if (!kind) {
      this.sink.at(
        s.kind === undefined ? at : [...at, 'kind'],
        `${s.kind === undefined ? 'no message kind matches this header' : `no message kind "${s.kind}"`} in ${layout.protocol}: its kinds are ${layout.messages.map((m) => m.name).join(', ')}`,
      );
      return undefined;
    }
    // The kind's own header values (type: hello) unless the step gives them.
    const full = {
      type: header.type ?? kind.when.type ?? 0n,
      id: header.id ?? kind.when.id ?? 0n,
      user_value: header.user_value ?? kind.when.user_value ?? 0n,
    };
    try {
      const bytes = encodeMessage(
        layout,
        full,
        structFromJson(kind.struct, numbersFromBigInt(s.fields ?? {})),
        kind.name,
      );
      return this.sendStep(line, full, bytes.subarray(HEADER_SIZE), kind.name);
    } catch (err) {
      if (!(err instanceof EncodeError || err instanceof Error)) throw err;
      this.sink.at(s.fields === undefined ? at : [...at, 'fields'], err.message);
      return undefined;
    }
  }

  sendStep(
    line: number,
    h: { type: bigint; id: bigint | undefined; user_value: bigint | undefined },
    data: Uint8Array,
    what: string,
  ): TestStep {
    const header = { type: h.type, id: h.id ?? 0n, userValue: h.user_value ?? 0n };
    return { kind: 'send', line, what: `send ${what} (type ${header.type}, id ${header.id})`, header, data };
  }

  u64(v: U64Yaml | undefined, at: DocPath): bigint | undefined {
    if (v === undefined) return undefined;
    const n = BigInt(v);
    if (n < 0n || n >= 1n << 64n) {
      this.sink.at(at, `${v} is not a u64 (0 to 2^64-1)`);
      return undefined;
    }
    return n;
  }

  filter(text: string, at: DocPath): CompiledFilter | undefined {
    try {
      return compileFilter(text);
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      this.sink.at(at, `at character ${err.position + 1}: ${err.reason}`);
      return undefined;
    }
  }

  existingFile(relative: string, at: DocPath, what: string): string | undefined {
    const file = path.resolve(this.ctx.workspaceDir, relative);
    if (!existsSync(file) || !statSync(file).isFile()) {
      this.sink.at(at, `no ${what} file ${relative} in ${this.ctx.workspaceDir}`);
      return undefined;
    }
    return file;
  }
}
