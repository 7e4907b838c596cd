// The Studio's collection calls (electron/shared/api/collections-api.ts):
// named sets of saved messages (collections.ts keeps them), in the open
// workspace's collections.json, or without a workspace in a file of their
// own or in memory.
import type { collectionCalls } from '../../../shared/api/collections-api.ts';
import type { AreaHandlers, StudioArea } from '../studio-context.ts';
import { Collections } from './collections.ts';

export class CollectionsArea implements StudioArea<typeof collectionCalls> {
  readonly handlers: AreaHandlers<typeof collectionCalls>;
  readonly collections: Collections;

  /** @file: where they are kept; in memory only when absent. */
  constructor(file: string | undefined) {
    const collections = new Collections(file);
    this.collections = collections;
    this.handlers = {
      listCollections: async () => collections.list(),
      saveMessage: async (i) => collections.save(i.collection, i.message),
      removeMessage: async (i) => collections.remove(i.collection, i.name),
    };
  }

  async close(): Promise<void> {}
}
