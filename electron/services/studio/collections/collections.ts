// Named collections of saved messages, kept in memory and, when given a
// file, saved to it as JSON after every change (a workspace can keep it in git).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeWhole } from '../../workspace/workspace.ts';
import {
  collectionMessageInput,
  StudioError,
  type Collection,
  type CollectionMessage,
} from '../../../shared/studio-api.ts';
import { makeDirectory } from '../../make-directory.ts';

const fileSchema = z.array(z.object({ name: z.string(), messages: z.array(collectionMessageInput) }));

export class Collections {
  #all = new Map<string, CollectionMessage[]>();
  #file: string | undefined;
  /** Why the file could not be read: saving is refused until it is fixed, so nothing in it is overwritten. */
  #error: StudioError | undefined;

  constructor(file?: string) {
    this.#file = file;
    this.reload();
  }

  get file(): string | undefined {
    return this.#file;
  }

  /** Why the collections file was not taken, if it was not. */
  get error(): StudioError | undefined {
    return this.#error;
  }

  /** Reads the collections of another file (a workspace switch). */
  switchTo(file: string | undefined): void {
    this.#file = file;
    this.reload();
  }

  /** Reads the file again (it changed on disk); a malformed file leaves the collections empty and is reported by error. */
  reload(): void {
    this.#all = new Map();
    this.#error = undefined;
    if (!this.#file) return;
    let text: string;
    try {
      text = readFileSync(this.#file, 'utf8');
    } catch {
      return; // none saved yet
    }
    let parsed: z.infer<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(text));
    } catch (err) {
      const why = err instanceof z.ZodError ? z.prettifyError(err).replace(/\n/g, ' ') : (err as Error).message;
      this.#error = new StudioError({
        code: 'EINVAL',
        message: `${this.#file} is not a collections file (${why}); fix it, then save again`,
      });
      return;
    }
    for (const c of parsed) this.#all.set(c.name, c.messages);
  }

  list(): Collection[] {
    return [...this.#all].map(([name, messages]) => ({ name, messages }));
  }

  save(collection: string, message: CollectionMessage): Collection {
    if (this.#error) throw this.#error;
    const messages = (this.#all.get(collection) ?? []).filter((m) => m.name !== message.name);
    messages.push(message);
    this.#all.set(collection, messages);
    this.#persist();
    return { name: collection, messages };
  }

  remove(collection: string, name: string): Collection[] {
    if (this.#error) throw this.#error;
    const messages = this.#all.get(collection);
    if (!messages?.some((m) => m.name === name))
      throw new StudioError({ code: 'ENOENT', message: `collection "${collection}" has no message "${name}"` });
    const rest = messages.filter((m) => m.name !== name);
    if (rest.length === 0) this.#all.delete(collection);
    else this.#all.set(collection, rest);
    this.#persist();
    return this.list();
  }

  #persist(): void {
    if (!this.#file) return;
    makeDirectory(path.dirname(this.#file));
    writeWhole(this.#file, `${JSON.stringify(this.list(), null, 2)}\n`);
  }
}
