// Runs one protocol test (test-file.ts) against its target: the steps in
// order, the first failure ending the test, each step's verdict and, for a
// failure, what was wrong (the unmet expectation, the message that should
// not have come, the replay's differences, why the script stopped).
import type { Message } from '../../shared/message.ts';
import { Endpoint, type KucommsError } from '../endpoint.ts';
import { decodeReceived } from '../protocol/decode.ts';
import type { Decoded } from '../protocol/values.ts';
import { ScriptRun } from '../scripts/script-host.ts';
import { summaryOf } from '../studio/message-view.ts';
import { captureRecords } from '../studio/replay/replay-run.ts';
import { replay, type PairResult, type PairStatus } from '../studio/replay/replay.ts';
import type { CompiledFilter } from '../studio/traffic/filter.ts';
import { messageRow } from '../studio/traffic/message-row.ts';
import type { FieldDiff } from '../capture/diff.ts';
import type { ProtocolTest, TestStep } from './test-file.ts';

/** A replayed reply that was not as captured. */
export interface ReplayDifference {
  status: Exclude<PairStatus, 'same'>;
  /** 1-based among the captured replies ('unexpected': among the replayed). */
  reply: number;
  /** One line each: the captured and the replayed message. */
  captured?: string;
  replayed?: string;
  diffs: FieldDiff[];
}

export type StepVerdict = 'passed' | 'failed' | 'not run';

export interface StepResult {
  /** 1-based. */
  step: number;
  line: number;
  what: string;
  verdict: StepVerdict;
  /** Why it failed: one paragraph for people. */
  message?: string;
  /** A replay step that failed: its differences (the first ones, at most MAX_DIFFERENCES). */
  differences?: ReplayDifference[];
  durationMs: number;
}

export interface TestResult {
  name: string;
  file: string;
  target: string;
  verdict: 'passed' | 'failed';
  /** The target could not be opened: the test says nothing about the protocol. */
  targetFailed?: boolean;
  /** Why it failed (the failed step's message, with its line). */
  message?: string;
  durationMs: number;
  steps: StepResult[];
}

export interface RunOptions {
  /** Opens the test's target; Endpoint.open by default. */
  open?: (target: string) => Promise<Endpoint>;
  /** Called as each step ends. */
  onStep?: (result: StepResult) => void;
}

/** Differences kept per replay step: enough to see what went wrong, bounded on a huge capture. */
export const MAX_DIFFERENCES = 100;

/** Received messages in order, and where the next expect starts looking. */
class ReceivedLog {
  readonly messages: Message[] = [];
  cursor = 0;
  down: KucommsError | undefined;
  #wake: (() => void) | undefined;

  add(batch: readonly Message[]): void {
    for (const m of batch)
      // A batch's data may be reused once the listener returns: keep a copy.
      if (m.direction === 'rx') this.messages.push({ ...m, data: Uint8Array.from(m.data) });
    this.#wake?.();
  }

  linkDown(err: KucommsError): void {
    this.down = err;
    this.#wake?.();
  }

  /** Resolves when a message arrives, the link goes down, or at @deadline (Date.now() ms). */
  changed(deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }
}

class TestRun {
  readonly log = new ReceivedLog();

  constructor(
    readonly test: ProtocolTest,
    readonly ep: Endpoint,
  ) {}

  decoded(m: Message): () => Decoded | undefined {
    let d: Decoded | undefined;
    return () => (this.test.layout ? (d ??= decodeReceived(this.test.layout, m)) : undefined);
  }

  matches(filter: CompiledFilter, m: Message): boolean {
    return filter.test(messageRow(this.test.target, m, this.decoded(m)));
  }

  describe(m: Message): string {
    const d = this.decoded(m)();
    const kind = d?.kind !== undefined ? `${d.kind} ` : '';
    return `${kind}type=${m.type} id=${m.id} user_value=${m.userValue} length=${m.length}: ${summaryOf(d, m.data)}`;
  }

  /** The first message from the cursor on that @filter matches, by its position in the log. */
  find(filter: CompiledFilter): number {
    for (let i = this.log.cursor; i < this.log.messages.length; i++)
      if (this.matches(filter, this.log.messages[i]!)) return i;
    return -1;
  }

  linkDownMessage(): string | undefined {
    return this.log.down ? `the link went down: ${this.log.down.message}` : undefined;
  }

  /** Runs one step; a failure's message, or undefined when it passed. */
  async step(s: TestStep): Promise<{ message?: string; differences?: ReplayDifference[] } | undefined> {
    switch (s.kind) {
      case 'send':
        try {
          this.ep.send(s.header, s.data);
          return undefined;
        } catch (err) {
          return { message: `the send failed: ${(err as Error).message}` };
        }
      case 'expect': {
        const deadline = Date.now() + s.withinMs;
        for (;;) {
          const at = this.find(s.filter);
          if (at >= 0) {
            this.log.cursor = at + 1;
            return undefined;
          }
          const down = this.linkDownMessage();
          if (down || Date.now() >= deadline) return { message: this.unmet(s.withinMs, down) };
          await this.log.changed(deadline);
        }
      }
      case 'expect_none': {
        const deadline = Date.now() + s.forMs;
        for (;;) {
          const at = this.find(s.filter);
          if (at >= 0) return { message: `a message matching it came: ${this.describe(this.log.messages[at]!)}` };
          if (Date.now() >= deadline) return undefined;
          const down = this.linkDownMessage();
          if (down) return { message: down };
          await this.log.changed(deadline);
        }
      }
      case 'replay':
        return this.replayStep(s);
      case 'script':
        return this.scriptStep(s);
    }
  }

  unmet(withinMs: number, down: string | undefined): string {
    const seen = this.log.messages.slice(this.log.cursor);
    const last = seen.slice(-3).map((m) => `  ${this.describe(m)}`);
    const why = down ?? `nothing matching it came within ${withinMs} ms`;
    return seen.length === 0
      ? `${why}; nothing at all was received after the last match`
      : `${why}; ${seen.length} other message${seen.length === 1 ? '' : 's'} came, the last:\n${last.join('\n')}`;
  }

  async replayStep(
    s: Extract<TestStep, { kind: 'replay' }>,
  ): Promise<{ message: string; differences: ReplayDifference[] } | undefined> {
    const differences: ReplayDifference[] = [];
    const problems: string[] = [];
    const keep = (r: PairResult): void => {
      if (r.status === 'same' || differences.length >= MAX_DIFFERENCES) return;
      differences.push({
        status: r.status,
        reply: r.index,
        ...(r.captured ? { captured: this.describe(r.captured) } : {}),
        ...(r.replayed ? { replayed: this.describe(r.replayed) } : {}),
        diffs: r.diffs,
      });
    };
    const summary = await replay(
      captureRecords(s.capture, (p) => problems.push(p.message)),
      this.ep,
      {
        ...(this.test.layout ? { layout: this.test.layout } : {}),
        ...(s.from !== undefined ? { from: s.from } : {}),
        direction: s.direction,
        speed: s.speed,
        volatile: s.ignore,
        waitMs: s.waitMs,
        onResult: keep,
      },
    );
    // The replay's own replies are not for later expects to match.
    this.log.cursor = this.log.messages.length;
    const bad = summary.different + summary.missing + summary.unexpected;
    if (problems.length > 0)
      return { message: `the capture is damaged: ${problems.slice(0, 3).join('; ')}`, differences };
    if (summary.sent === 0)
      return {
        message: `the capture has no ${s.direction} message of ${summary.from || 'any target'} to send`,
        differences,
      };
    if (bad === 0) return undefined;
    const parts = (['different', 'missing', 'unexpected'] as const)
      .filter((k) => summary[k] > 0)
      .map((k) => `${summary[k]} ${k}`);
    const first = differences[0];
    const firstText = !first
      ? ''
      : first.diffs.length > 0
        ? `; reply ${first.reply}: ${first.diffs.map((d) => `${d.path} was ${d.captured}, now ${d.replayed}`).join(', ')}`
        : `; reply ${first.reply} ${first.status}`;
    return { message: `${summary.sent} sent; replies not as captured: ${parts.join(', ')}${firstText}`, differences };
  }

  async scriptStep(s: Extract<TestStep, { kind: 'script' }>): Promise<{ message: string } | undefined> {
    let run: ScriptRun;
    try {
      run = await ScriptRun.start(s.file, this.ep, this.test.layoutFile ? { layout: this.test.layoutFile } : {});
    } catch (err) {
      return { message: `the script did not start: ${(err as Error).message}` };
    }
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      run.finished,
      new Promise<'time'>((resolve) => (timer = setTimeout(resolve, s.forMs, 'time'))),
    ]);
    clearTimeout(timer);
    const stop = ended === 'time' ? await run.stop() : ended;
    return stop.reason === 'stopped' ? undefined : { message: `the script stopped: ${stop.message}` };
  }
}

/** Runs @test; never throws for what the test meets (a target that cannot be opened is a failed test). */
export async function runProtocolTest(test: ProtocolTest, options: RunOptions = {}): Promise<TestResult> {
  const started = Date.now();
  const result = (
    verdict: TestResult['verdict'],
    steps: StepResult[],
    extra: Partial<TestResult> = {},
  ): TestResult => ({
    name: test.name,
    file: test.file,
    target: test.target,
    verdict,
    ...extra,
    durationMs: Date.now() - started,
    steps,
  });
  let ep: Endpoint;
  try {
    ep = await (options.open ?? ((t: string) => Endpoint.open(t)))(test.target);
  } catch (err) {
    const steps = test.steps.map((s, i) => notRun(s, i));
    return result('failed', steps, {
      targetFailed: true,
      message: `cannot open ${test.target}: ${(err as Error).message}`,
    });
  }
  const run = new TestRun(test, ep);
  ep.on('messages', (batch) => run.log.add(batch));
  ep.on('down', (err) => run.log.linkDown(err));
  const steps: StepResult[] = [];
  let failure: string | undefined;
  try {
    for (const [i, s] of test.steps.entries()) {
      if (failure !== undefined) {
        steps.push(notRun(s, i));
        continue;
      }
      const t0 = Date.now();
      const outcome = await run.step(s);
      const r: StepResult = {
        step: i + 1,
        line: s.line,
        what: s.what,
        verdict: outcome ? 'failed' : 'passed',
        ...(outcome?.message !== undefined ? { message: outcome.message } : {}),
        ...(outcome?.differences && outcome.differences.length > 0 ? { differences: outcome.differences } : {}),
        durationMs: Date.now() - t0,
      };
      steps.push(r);
      options.onStep?.(r);
      if (outcome) failure = `step ${i + 1} (line ${s.line}), ${s.what}: ${outcome.message}`;
    }
  } finally {
    await ep.close();
  }
  return failure === undefined ? result('passed', steps) : result('failed', steps, { message: failure });
}

function notRun(s: TestStep, i: number): StepResult {
  return { step: i + 1, line: s.line, what: s.what, verdict: 'not run', durationMs: 0 };
}
