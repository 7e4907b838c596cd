// Records what the Studio's open targets send and receive into one capture
// file, as it happens (every batch, both directions, through the context's
// message feed). A target that goes down while recording is noticed on the
// next status tick: the capture keeps what it got and its status says so.
import { statSync } from 'node:fs';
import type { CaptureLostTarget, CaptureStatus } from '../../../shared/api/captures-api.ts';
import type { Message } from '../../../shared/message.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import { RECORD_HEADER_SIZE, FILE_HEADER_SIZE, BLOCK_HEADER_SIZE, captureRecord } from '../../capture/format.ts';
import { CaptureWriter } from '../../capture/writer.ts';
import type { StudioContext } from '../studio-context.ts';

/** How often the status is sent while recording (and targets checked). */
const STATUS_MS = 250;

export class Recorder {
  readonly name: string;
  readonly startedMs = Date.now();
  #writer: CaptureWriter;
  /** undefined: every target the feed delivers. */
  readonly #targets: ReadonlySet<string> | undefined;
  readonly #seen = new Set<string>();
  readonly #lost: CaptureLostTarget[] = [];
  #bytes = FILE_HEADER_SIZE;
  #unsubscribe: () => void;
  #timer: NodeJS.Timeout;
  #lastSent = '';
  #failure: string | undefined;

  /** Starts recording @targets (undefined: all open ones) into @file, named @name in the workspace. */
  constructor(
    readonly ctx: StudioContext,
    name: string,
    file: string,
    targets: readonly string[] | undefined,
  ) {
    this.name = name;
    this.#targets = targets && new Set(targets);
    this.#writer = new CaptureWriter(file);
    this.#unsubscribe = ctx.onMessages((target, messages) => this.#write(target, messages));
    this.#timer = setInterval(() => this.#tick(), STATUS_MS).unref();
  }

  #write(target: string, messages: readonly Message[]): void {
    if (this.#failure !== undefined || (this.#targets && !this.#targets.has(target))) return;
    this.#seen.add(target);
    try {
      for (const m of messages) {
        this.#writer.write(captureRecord(m, target));
        this.#bytes += RECORD_HEADER_SIZE + m.data.length;
      }
    } catch (err) {
      // The disk is full or the file went away: stop writing, keep what is there, and say so.
      this.#failure = (err as Error).message;
      this.ctx.emit('notice', {
        level: 'error',
        message: `capture ${this.name} stopped writing after ${this.#writer.count} messages: ${this.#failure}`,
      });
    }
  }

  status(): CaptureStatus {
    return {
      recording: true,
      name: this.name,
      targets: this.#targets ? [...this.#targets] : [],
      messages: this.#writer.count,
      // Block headers are about 16 bytes per 256 KiB: count one per block already written.
      bytes: this.#bytes + BLOCK_HEADER_SIZE * Math.ceil(this.#bytes / (256 << 10)),
      startedMs: this.startedMs,
      lost: [...this.#lost],
    };
  }

  /** Notices targets that went down; sends the status when it changed. */
  #tick(): void {
    for (const target of this.#targets ?? this.#seen) {
      if (this.#lost.some((l) => l.target === target)) continue;
      try {
        this.ctx.endpointOf(target);
      } catch (err) {
        // Remote targets have no local endpoint (ENOTSUP) but deliver all the same.
        if ((err as StudioError).code !== 'ENOTCONN') continue;
        const lost = { target, error: (err as Error).message, messagesBefore: this.#writer.count };
        this.#lost.push(lost);
        this.ctx.emit('notice', {
          level: 'warning',
          message: `capture ${this.name}: ${target} stopped delivering after ${lost.messagesBefore} messages of the capture (${lost.error}); the capture keeps what it got and goes on with the others`,
        });
      }
    }
    const status = this.status();
    const key = JSON.stringify([status.messages, status.lost.length]);
    if (key === this.#lastSent) return;
    this.#lastSent = key;
    this.ctx.emit('capture', status);
  }

  /** Stops recording and closes the file; returns the final status with the file's real size. */
  stop(): CaptureStatus {
    clearInterval(this.#timer);
    this.#unsubscribe();
    this.#tick();
    this.#writer.close();
    return { ...this.status(), recording: false, bytes: statSync(this.#writer.path).size };
  }
}
