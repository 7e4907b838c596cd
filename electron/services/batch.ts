// Decodes the addon's record batches (layout in native/addon/kucomms.d.ts)
// into Messages. Data is a view into the batch Buffer, not a copy.
import type { Direction, Message } from '../shared/message.ts';

const RECORD_HEADER_SIZE = 48;

export function decodeBatch(batch: Buffer, count: number): Message[] {
  const out: Message[] = new Array<Message>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = batch.readBigUInt64LE(at + 16);
    const n = Number(length);
    const dataAt = at + RECORD_HEADER_SIZE;
    out[i] = {
      direction: (batch.readUInt32LE(at + 8) === 1 ? 'tx' : 'rx') satisfies Direction,
      timestampNs: batch.readBigUInt64LE(at),
      length,
      type: batch.readBigUInt64LE(at + 24),
      id: batch.readBigUInt64LE(at + 32),
      userValue: batch.readBigUInt64LE(at + 40),
      data: batch.subarray(dataAt, dataAt + n),
    };
    at = dataAt + ((n + 7) & ~7);
  }
  if (at !== batch.length)
    throw new Error(`kucomms batch of ${count} records ends at byte ${at} but holds ${batch.length}`);
  return out;
}
