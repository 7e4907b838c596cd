// Watching the kernel log during a fuzz run: /dev/kmsg, read from where it
// stands when the run starts. Debian restricts it to privileged users
// (kernel.dmesg_restrict): without the right to read it, `readable` is
// false and the run says it is watching the link only.
import { closeSync, constants, openSync, readSync } from 'node:fs';

/** Lines that mean the kernel is broken (as the kernel test suite's). */
const KERNEL_BAD =
  /Oops|\bBUG\b|WARNING|general protection|Call Trace|KASAN|UBSAN|Poison overwritten|Redzone|list_add corruption|list_del corruption|double free/;
/** Records at this priority or more urgent (0 emerg .. 3 err, 4 warning) from the module count too. */
const MODULE_ERROR_PRIORITY = 4;

export class KernelLog {
  readonly readable: boolean;
  /** Why it is not readable. */
  readonly why?: string;
  #fd: number | undefined;
  readonly #buf = Buffer.alloc(8192);

  /** @module: the module's name (kucomms_NAME), whose own warning and error lines count as findings. */
  constructor(
    private readonly module?: string,
    path = '/dev/kmsg',
  ) {
    try {
      this.#fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      this.readable = true;
      this.#records(); // what was logged before the run is not its business
    } catch (err) {
      this.readable = false;
      this.why = `${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
  }

  /** Records logged since the last call, as "prio text" pairs. */
  #records(): Array<{ priority: number; text: string }> {
    const out: Array<{ priority: number; text: string }> = [];
    if (this.#fd === undefined) return out;
    for (;;) {
      let n: number;
      try {
        n = readSync(this.#fd, this.#buf, 0, this.#buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') continue; // records were overwritten before we read them: go on from the oldest left
        if (code === 'EAGAIN') return out;
        throw err;
      }
      if (n === 0) return out;
      const record = this.#buf.toString('utf8', 0, n);
      const semi = record.indexOf(';');
      const priority = Number(record.slice(0, record.indexOf(','))) & 7;
      out.push({ priority, text: record.slice(semi + 1).split('\n')[0] ?? '' });
    }
  }

  /** Lines logged since the last call that show a kernel problem or an error of the module. */
  problems(): string[] {
    return this.#records()
      .filter(
        (r) =>
          KERNEL_BAD.test(r.text) ||
          (this.module !== undefined && r.priority <= MODULE_ERROR_PRIORITY && r.text.includes(this.module)),
      )
      .map((r) => r.text);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
