// A running script's printed text as the UI gets it: whole lines, in
// batches, and at most LINES_PER_SECOND of them each second, so a script
// printing in a loop cannot flood the event stream; what goes over the cap
// is counted and reported as dropped.

export const LINES_PER_SECOND = 200;
/** A longer line is cut here (a script printing a huge buffer is still readable). */
export const MAX_LINE_CHARS = 2000;

export interface OutputBatch {
  lines: string[];
  /** Lines left out since the last batch. */
  dropped: number;
}

export class ScriptOutput {
  #partial = '';
  #lines: string[] = [];
  #dropped = 0;
  #second = 0;
  #inSecond = 0;
  /** All lines left out so far. */
  droppedTotal = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Adds printed text (any chunking); complete lines are queued. */
  write(text: string): void {
    const parts = (this.#partial + text).split(/\r?\n/);
    this.#partial = parts.pop() ?? '';
    for (const line of parts) this.#add(line);
  }

  /** Queues what is left of an unterminated last line (the script stopped). */
  end(): void {
    if (this.#partial !== '') this.#add(this.#partial);
    this.#partial = '';
  }

  /** Takes the queued lines, or nothing when there are none and none were dropped. */
  take(): OutputBatch | undefined {
    if (this.#lines.length === 0 && this.#dropped === 0) return undefined;
    const batch = { lines: this.#lines, dropped: this.#dropped };
    this.#lines = [];
    this.#dropped = 0;
    return batch;
  }

  #add(line: string): void {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#inSecond = 0;
    }
    if (this.#inSecond >= LINES_PER_SECOND) {
      this.#dropped++;
      this.droppedTotal++;
      return;
    }
    this.#inSecond++;
    this.#lines.push(
      line.length > MAX_LINE_CHARS
        ? `${line.slice(0, MAX_LINE_CHARS)}… (${line.length - MAX_LINE_CHARS} more characters)`
        : line,
    );
  }
}
