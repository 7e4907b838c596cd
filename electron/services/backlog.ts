// Batches a native thread delivers before anyone listens: open() resolves
// after the thread started, so the first batches may come before the
// caller's 'messages' listener. They are held, and emitted in order (in a
// microtask) once the first listener is added.
import type { Message } from '../shared/message.ts';

export class Backlog {
  #held: Message[][] | undefined = [];

  constructor(private readonly emit: (messages: Message[]) => void) {}

  /** A batch: held until release(), else emitted at once. */
  push(messages: Message[]): void {
    if (this.#held) this.#held.push(messages);
    else this.emit(messages);
  }

  /** Someone listens now: emit what was held, and every later batch at once. */
  release(): void {
    const held = this.#held;
    if (!held) return;
    this.#held = undefined;
    queueMicrotask(() => {
      for (const msgs of held) this.emit(msgs);
    });
  }
}
