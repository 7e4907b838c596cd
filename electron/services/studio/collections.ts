// Named collections of saved messages, kept in memory and, when given a
// file, saved to it as JSON after every change (a workspace can keep it in git).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { collectionMessageInput, StudioError, type Collection, type CollectionMessage } from '../../shared/studio-api.ts';

const fileSchema = z.array(z.object({ name: z.string(), messages: z.array(collectionMessageInput) }));

export class Collections {
  #all = new Map<string, CollectionMessage[]>();

  constructor(readonly file?: string) {
    if (!file) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // none saved yet
    }
    const parsed = fileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new StudioError({ code: 'EINVAL', message: `${file} is not a collections file: ${parsed.error.issues[0]?.message}` });
    for (const c of parsed.data) this.#all.set(c.name, c.messages);
  }

  list(): Collection[] {
    return [...this.#all].map(([name, messages]) => ({ name, messages }));
  }

  save(collection: string, message: CollectionMessage): Collection {
    const messages = (this.#all.get(collection) ?? []).filter((m) => m.name !== message.name);
    messages.push(message);
    this.#all.set(collection, messages);
    this.#persist();
    return { name: collection, messages };
  }

  remove(collection: string, name: string): Collection[] {
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
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileSync(this.file, `${JSON.stringify(this.list(), null, 2)}\n`);
  }
}
