// The Studio API's collection calls: named sets of saved messages, kept in
// the workspace's collections.json.
import { z } from 'zod';
import { call, empty, type CallTable } from './call-spec.ts';
import { sendBodyInput, sendHeaderInput } from './shared-types.ts';

export const collectionMessageInput = z
  .object({ name: z.string().min(1).max(200), header: sendHeaderInput, body: sendBodyInput })
  .strict();

export interface CollectionMessage {
  name: string;
  header: z.infer<typeof sendHeaderInput>;
  body: z.infer<typeof sendBodyInput>;
}

export interface Collection {
  name: string;
  messages: CollectionMessage[];
}

export const collectionCalls = {
  listCollections: call<Collection[]>()(empty, 'named collections of saved messages'),
  saveMessage: call<Collection>()(
    z.object({ collection: z.string().min(1).max(200), message: collectionMessageInput }).strict(),
    'adds (or replaces, by name) a message in a collection, creating the collection',
  ),
  removeMessage: call<Collection[]>()(
    z.object({ collection: z.string().min(1), name: z.string().min(1) }).strict(),
    'removes a message from a collection (an emptied collection goes too)',
  ),
} satisfies CallTable;
