// One replay of a capture into an open target, as the Studio runs it: the
// engine (replay.ts) streaming the capture, its reply pairings kept
// for browsing, the capture counted on the side so progress has a total, and
// progress reported a few times a second.
import { startingProgress, type ReplayOptionsJson, type ReplayProgress } from '../../../shared/api/replay-api.ts';
import type { Message } from '../../../shared/message.ts';
import type { FieldDiff } from '../../capture/diff.ts';
import type { CaptureRecord } from '../../capture/format.ts';
import { importPcapng } from '../../capture/pcapng.ts';
import { readCapture, type CaptureProblem } from '../../capture/reader.ts';
import { replay, type PairResult, type PairStatus, type ReplayTarget } from './replay.ts';
import type { Layout } from '../../protocol/layout.ts';

/** A reply pairing as kept for browsing. */
export interface StoredPair {
  status: PairStatus;
  /** 1-based among the captured replies ('unexpected': among the replayed). */
  reply: number;
  captured?: CaptureRecord;
  replayed?: Message;
  diffs: FieldDiff[];
}

export interface ReplayRunSetup {
  id: string;
  options: ReplayOptionsJson;
  /** The capture file's path. */
  file: string;
  endpoint: ReplayTarget;
  layout?: Layout;
  /** Called with the progress, at most every PROGRESS_MS while running and once at the end. */
  onProgress: (progress: ReplayProgress) => void;
}

/** The records of a capture file, .kucap or .pcapng (by its name, as the workspace names them). */
export function captureRecords(
  file: string,
  onProblem: (p: CaptureProblem) => void = () => {},
): AsyncIterable<CaptureRecord> {
  return file.endsWith('.pcapng') ? importPcapng(file, onProblem) : readCapture(file, { onProblem });
}

export const PROGRESS_MS = 250;
/** Pairings kept for browsing; beyond, they are counted only (memory stays bounded on huge captures). */
export const KEEP_PAIRS = 200_000;
const MAX_PROBLEMS = 20;

export class ReplayRun {
  readonly id: string;
  readonly options: ReplayOptionsJson;
  readonly layout: Layout | undefined;
  readonly pairs: StoredPair[] = [];
  /** Positions in @pairs of the pairings that are not the same, in order. */
  readonly differences: number[] = [];
  readonly progress: ReplayProgress;
  /** Settles when the run has ended, whatever the way. */
  readonly finished: Promise<void>;
  readonly #setup: ReplayRunSetup;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #dirty = false;
  #capped = false;

  constructor(setup: ReplayRunSetup) {
    this.#setup = setup;
    this.id = setup.id;
    this.options = setup.options;
    this.layout = setup.layout;
    this.progress = startingProgress({
      replay: setup.id,
      capture: setup.options.capture,
      target: setup.options.target,
      ...(setup.options.from !== undefined ? { from: setup.options.from } : {}),
      ...(setup.layout ? { protocol: setup.layout.protocol } : {}),
    });
    this.#timer = setInterval(() => this.#report(), PROGRESS_MS);
    void this.#count();
    this.finished = this.#run();
  }

  get running(): boolean {
    return this.progress.state === 'running';
  }

  stop(): void {
    if (this.running) this.#abort.abort();
  }

  async #run(): Promise<void> {
    const { options, file, endpoint } = this.#setup;
    try {
      const summary = await replay(
        captureRecords(file, (p) => this.#problem(p.message)),
        endpoint,
        {
          ...(this.layout ? { layout: this.layout } : {}),
          ...(options.from !== undefined ? { from: options.from } : {}),
          ...(options.link !== undefined ? { link: options.link } : {}),
          direction: options.direction,
          speed: options.speed,
          volatile: options.volatile,
          waitMs: options.waitMs,
          signal: this.#abort.signal,
          onSent: (sent) => {
            this.progress.sent = sent;
            this.#dirty = true;
          },
          onResult: (r) => this.#keep(r),
        },
      );
      if (summary.from) this.progress.from = summary.from;
      this.progress.sent = summary.sent;
      this.progress.state = this.#abort.signal.aborted ? 'stopped' : 'done';
      if (this.progress.state === 'done') this.progress.total = summary.sent;
    } catch (err) {
      this.progress.state = 'failed';
      this.progress.error = (err as Error).message;
    } finally {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#dirty = true;
      this.#report();
    }
  }

  #keep(r: PairResult): void {
    this.progress[r.status]++;
    this.#dirty = true;
    if (this.pairs.length >= KEEP_PAIRS) {
      if (!this.#capped) {
        this.#capped = true;
        this.#problem(
          `only the first ${KEEP_PAIRS.toLocaleString('en-US')} reply pairings are kept for browsing; the counts include every one`,
        );
      }
      return;
    }
    if (r.status !== 'same') this.differences.push(this.pairs.length);
    this.pairs.push({
      status: r.status,
      reply: r.index,
      ...(r.captured ? { captured: r.captured } : {}),
      ...(r.replayed ? { replayed: r.replayed } : {}),
      diffs: r.diffs,
    });
  }

  /** Counts the messages the replay will send, so progress has a total (a pass of its own over the file). */
  async #count(): Promise<void> {
    const { options, file } = this.#setup;
    const send = options.direction;
    let from = options.from;
    let total = 0;
    try {
      for await (const r of captureRecords(file)) {
        if (this.#abort.signal.aborted || !this.running) return;
        from ??= r.target;
        if (r.target === from && r.direction === send) total++;
      }
    } catch {
      return; // the replay itself reports what is wrong with the file
    }
    if (this.running) {
      this.progress.total = total;
      this.#dirty = true;
    }
  }

  #problem(message: string): void {
    if (this.progress.problems.length < MAX_PROBLEMS) this.progress.problems.push(message);
    this.#dirty = true;
  }

  #report(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#setup.onProgress({ ...this.progress, problems: [...this.progress.problems] });
  }
}
