// A fuzz run against one target: every message of the layout's plan
// (mutations.ts) in turn, each followed by a probe (a valid message the
// target answers) whose answer shows that the target took the fuzzed message
// and still works. A finding is the kernel log showing a problem, the probe
// going unanswered (a hang), or the link going down. Each finding is reduced
// to the shortest message sequence that still causes it on a fresh link,
// saved as a capture, and written as a regression test.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Message, SendHeader } from '../../shared/message.ts';
import { captureRecord } from '../capture/format.ts';
import { CaptureWriter } from '../capture/writer.ts';
import { Endpoint } from '../endpoint.ts';
import type { Layout } from '../protocol/layout.ts';
import type { KernelLog } from './kernel-log.ts';
import { fuzzPlan, validMessages, type FuzzMessage } from './mutations.ts';
import { reduceSequence } from './reduce.ts';
import { writeRegressionTest } from './regression-test.ts';

export type FindingKind = 'kernel-log' | 'hang' | 'link-down';

export interface Finding {
  kind: FindingKind;
  /** What showed it: the kernel's line, or what the link did. */
  evidence: string;
  /** The message that was being sent when it showed. */
  trigger: string;
  /** Messages on the link up to it, and the fewest of them that still cause it. */
  sent: number;
  reduced: FuzzMessage[];
  capture: string;
  test: string;
}

export interface FuzzOptions {
  target: string;
  layout: Layout;
  /** Where captures/ and tests/ are written (a workspace). */
  workspace: string;
  kernelLog: KernelLog;
  /** How long the probe's answer may take before the target counts as hung. */
  hangMs: number;
  /** Stop after this many fuzzed messages (the plan's length when absent). */
  maxMessages?: number;
  log: (line: string) => void;
  /** Stops the run before its next message. */
  signal?: AbortSignal;
  /** Called with each finding once it is saved. */
  onFinding?: (finding: Finding) => void;
}

type Outcome = { kind: 'ok' } | { kind: FindingKind; evidence: string };

/** Probe ids are far from the plan's, so an answer to one is never taken for the other's. */
const PROBE_ID_BASE = 0xf022_0000_0000_0000n;

/** One open link: sends numbered messages, waits for a probe's answer, notices the link going down. */
class FuzzLink {
  #down: string | undefined;
  #listeners = new Set<() => void>();
  readonly answers: Message[] = [];

  private constructor(
    readonly ep: Endpoint,
    record?: CaptureWriter,
  ) {
    ep.on('messages', (msgs) => {
      for (const m of msgs) {
        record?.write(captureRecord(m, ep.target));
        if (m.direction === 'rx' && m.id >= PROBE_ID_BASE) this.answers.push(m);
      }
      for (const l of this.#listeners) l();
    });
    ep.on('down', (err) => {
      this.#down = err.message;
      for (const l of this.#listeners) l();
    });
  }

  static async open(target: string, record?: CaptureWriter): Promise<FuzzLink> {
    return new FuzzLink(await Endpoint.open(target), record);
  }

  /** Sends; a refusal because the link is gone is an outcome, not an error. */
  send(header: SendHeader, data: Uint8Array): Outcome {
    if (this.#down) return { kind: 'link-down', evidence: this.#down };
    try {
      this.ep.send(header, data);
      return { kind: 'ok' };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOBUFS')
        return { kind: 'hang', evidence: 'the target stopped taking messages (its ring is full)' };
      if (code === 'EMSGSIZE') return { kind: 'ok' }; // too large for this link: the library refuses it, nothing was sent
      return { kind: 'link-down', evidence: (err as Error).message };
    }
  }

  /** Sends @probe with @id and waits for its answer (same header fields as the layout's reply matches). */
  probe(
    probe: FuzzMessage,
    id: bigint,
    match: ReadonlyArray<'type' | 'id' | 'user_value'>,
    hangMs: number,
  ): Promise<Outcome> {
    const header = { ...probe.header, id };
    const sent = this.send(header, probe.data);
    if (sent.kind !== 'ok') return Promise.resolve(sent);
    const answered = (m: Message): boolean =>
      match.every((k) => (k === 'user_value' ? m.userValue === header.userValue : m[k] === header[k]));
    return new Promise((resolve) => {
      const done = (o: Outcome): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve(o);
      };
      const check = (): void => {
        if (this.answers.some(answered)) done({ kind: 'ok' });
        else if (this.#down) done({ kind: 'link-down', evidence: this.#down });
      };
      const timer = setTimeout(
        () =>
          done({ kind: 'hang', evidence: `no answer to a valid ${probe.mutation.split(':')[0]} within ${hangMs} ms` }),
        hangMs,
      );
      this.#listeners.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    await this.ep.close();
  }
}

/** What identifies a finding across runs: the kernel line without its numbers, or the kind. */
function signature(o: Exclude<Outcome, { kind: 'ok' }>): string {
  return o.kind === 'kernel-log' ? o.evidence.replace(/0x[0-9a-f]+|[0-9]+/gi, 'N') : o.kind;
}

export async function fuzz(o: FuzzOptions): Promise<{ sent: number; findings: Finding[] }> {
  const match = o.layout.reply?.match ?? [];
  if (match.length === 0)
    throw new Error(
      `${o.layout.protocol} declares no reply (reply: match:): the fuzzer needs an answered message to probe the target with`,
    );
  const name = o.layout.protocol.replace(/[^A-Za-z0-9_-]/g, '_');
  mkdirSync(path.join(o.workspace, 'captures'), { recursive: true });
  mkdirSync(path.join(o.workspace, 'tests'), { recursive: true });
  const runCapture = new CaptureWriter(path.join(o.workspace, 'captures', `fuzz-${name}-run.kucap`));
  let probes = 0n;
  const nextProbeId = (): bigint => PROBE_ID_BASE + probes++;
  let link = await FuzzLink.open(o.target, runCapture);
  try {
    // The probe: the first valid message the target answers.
    let probe: FuzzMessage | undefined;
    for (const m of validMessages(o.layout)) {
      if ((await link.probe(m, nextProbeId(), match, o.hangMs)).kind === 'ok') {
        probe = m;
        break;
      }
    }
    if (!probe)
      throw new Error(
        `${o.target} answered no valid message of ${o.layout.protocol} within ${o.hangMs} ms: nothing to probe it with`,
      );
    o.log(
      `probing with a valid ${probe.mutation.split(':')[0]} after every message; answers expected within ${o.hangMs} ms`,
    );

    const plan = fuzzPlan(o.layout).slice(0, o.maxMessages);
    const findings: Finding[] = [];
    const seen = new Set<string>();
    let onLink: FuzzMessage[] = [];
    const outcomeAfter = async (l: FuzzLink, m: FuzzMessage, id: bigint): Promise<Outcome> => {
      const sent = l.send({ ...m.header, id }, m.data);
      const answer = sent.kind === 'ok' ? await l.probe(probe, nextProbeId(), match, o.hangMs) : sent;
      const problems = o.kernelLog.problems();
      return problems.length ? { kind: 'kernel-log', evidence: problems[0]! } : answer;
    };
    for (const [i, m] of plan.entries()) {
      if (o.signal?.aborted) {
        o.log(`fuzz: stopped after ${i} of ${plan.length} messages`);
        return { sent: i, findings };
      }
      onLink.push(m);
      const outcome = await outcomeAfter(link, m, BigInt(i + 1));
      if (outcome.kind === 'ok') continue;
      await link.close();
      const sig = signature(outcome);
      if (!seen.has(sig)) {
        seen.add(sig);
        o.log(`${outcome.kind}: ${outcome.evidence}`);
        o.log(`  after ${onLink.length} messages on the link, the last: ${m.mutation}`);
        const reproduces = async (seq: FuzzMessage[]): Promise<boolean> => {
          o.kernelLog.problems();
          const trial = await FuzzLink.open(o.target);
          try {
            let last: Outcome = { kind: 'ok' };
            for (const [j, x] of seq.entries()) {
              last = await outcomeAfter(trial, x, BigInt(j + 1));
              if (last.kind !== 'ok') break;
            }
            return last.kind !== 'ok' && signature(last) === sig;
          } finally {
            await trial.close();
          }
        };
        // What does not happen again on a fresh link (a probe answered late on a loaded machine) is no finding.
        if (!(await reproduces(onLink))) {
          o.log(`  not reproduced by the same ${onLink.length} messages on a fresh link: not a finding`);
          seen.delete(sig);
          onLink = [];
          o.kernelLog.problems();
          link = await FuzzLink.open(o.target, runCapture);
          continue;
        }
        const reduced = await reduceSequence(onLink, reproduces);
        const n = findings.length + 1;
        const capture = path.join('captures', `fuzz-${name}-${n}.kucap`);
        const writer = new CaptureWriter(path.join(o.workspace, capture));
        for (const [j, x] of reduced.entries())
          writer.write({
            target: o.target,
            direction: 'tx',
            timestampNs: BigInt(j),
            length: BigInt(x.data.length),
            type: x.header.type,
            id: BigInt(j + 1),
            userValue: x.header.userValue,
            data: x.data,
          });
        writer.close();
        const test = writeRegressionTest({
          workspace: o.workspace,
          name: `fuzz-${name}-${n}`,
          target: o.target,
          capture,
          probe,
          probeId: PROBE_ID_BASE,
          match,
          hangMs: o.hangMs,
          finding: `${outcome.kind}: ${outcome.evidence}`,
          reduced,
        });
        o.log(
          `  reduced to ${reduced.length} message${reduced.length === 1 ? '' : 's'}: ${reduced.map((x) => x.mutation).join('; ')}`,
        );
        o.log(`finding ${n}: ${outcome.kind}: ${outcome.evidence}`);
        o.log(`  saved ${capture} and ${test}`);
        const finding: Finding = {
          kind: outcome.kind,
          evidence: outcome.evidence,
          trigger: m.mutation,
          sent: onLink.length,
          reduced,
          capture,
          test,
        };
        findings.push(finding);
        o.onFinding?.(finding);
      }
      onLink = [];
      o.kernelLog.problems();
      link = await FuzzLink.open(o.target, runCapture);
    }
    return { sent: plan.length, findings };
  } finally {
    await link.close();
    runCapture.close();
  }
}
