// The Studio API's composer calls: the layouts a message can be written in,
// the bytes a message would have, and sending it once, in a burst or
// periodically.
import { z } from 'zod';
import { call, empty, targetName, type CallTable } from './call-spec.ts';
import { sendBodyInput, sendHeaderInput, type EncodedJson, type LayoutSummary } from './shared-types.ts';

export const sendInput = z
  .object({
    target: targetName,
    header: sendHeaderInput,
    body: sendBodyInput,
    /** Copies to send, ids counting up from header.id. */
    count: z.number().int().min(1).max(10_000_000).default(1),
  })
  .strict();

export const periodicInput = sendInput
  .extend({ periodMs: z.number().int().min(1, 'the period is at least 1 ms').max(3_600_000) })
  .strict();

export const composerCalls = {
  listProtocols: call<LayoutSummary[]>()(empty, 'the layouts in protocols/ (and those opened)'),
  encode: call<EncodedJson>()(
    z.object({ header: sendHeaderInput, body: sendBodyInput }).strict(),
    "the bytes and field tree a message would have, without sending it (the composer's hex view)",
  ),
  send: call<{ sent: number }>()(sendInput, 'sends a message, or `count` copies with ids counting up'),
  startPeriodic: call<{ periodic: string }>()(periodicInput, 'sends the message every periodMs until stopPeriodic'),
  stopPeriodic: call<{ sent: number }>()(z.object({ periodic: z.string().min(1) }).strict(), 'stops a periodic send'),
} satisfies CallTable;
