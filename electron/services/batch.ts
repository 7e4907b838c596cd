// Decodes the addon's record batches (layout in native/addon/kucomms.d.ts)
// into Messages. Header fields are read through a BigUint64Array over the
// batch (records are 8-byte aligned), which makes each u64 a BigInt
// without arithmetic; `data` is a view into the batch, made on first use,
// because a live view of many messages often never looks at most of them.
import type { Direction, Message } from '../shared/message.ts';
import { loadBinding } from './native-binding.ts';

class BatchMessage implements Message {
  readonly direction: Direction;
  readonly timestampNs: bigint;
  readonly length: bigint;
  readonly type: bigint;
  readonly id: bigint;
  readonly userValue: bigint;
  #batch: Buffer;
  #at: number;
  #data: Buffer | undefined;

  /** @dataAt: where the record's data starts in the batch. */
  constructor(batch: Buffer, u64: BigUint64Array, u32: Uint32Array, at: number, dataAt: number) {
    const w = at / 8;
    this.timestampNs = u64[w]!;
    this.direction = u32[w * 2 + 2] === 1 ? 'tx' : 'rx';
    this.length = u64[w + 2]!;
    this.type = u64[w + 3]!;
    this.id = u64[w + 4]!;
    this.userValue = u64[w + 5]!;
    this.#batch = batch;
    this.#at = dataAt;
  }

  get data(): Buffer {
    this.#data ??= this.#batch.subarray(this.#at, this.#at + Number(this.length));
    return this.#data;
  }

  // Shows as a plain message in console.log and util.inspect.
  toJSON(): Message {
    return {
      direction: this.direction,
      timestampNs: this.timestampNs,
      length: this.length,
      type: this.type,
      id: this.id,
      userValue: this.userValue,
      data: this.data,
    };
  }
}

export function decodeBatch(batch: Buffer, count: number): Message[] {
  // The bytes before each record's data, as the addon that filled the batch says (read here, not at import:
  // importing the services never requires the addon).
  const headerSize = loadBinding().RECORD_HEADER_SIZE;
  // The addon allocates each batch on its own, so it starts 8-byte aligned.
  if (batch.byteOffset % 8 !== 0) batch = Buffer.from(batch);
  const u64 = new BigUint64Array(batch.buffer, batch.byteOffset, batch.length / 8);
  const u32 = new Uint32Array(batch.buffer, batch.byteOffset, batch.length / 4);
  const out = new Array<Message>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + headerSize > batch.length)
      throw new Error(`kucomms batch of ${count} records ends early, at record ${i} (byte ${at} of ${batch.length})`);
    const m = new BatchMessage(batch, u64, u32, at, at + headerSize);
    out[i] = m;
    at += headerSize + ((Number(m.length) + 7) & ~7);
  }
  if (at !== batch.length)
    throw new Error(`kucomms batch of ${count} records ends at byte ${at} but holds ${batch.length}`);
  return out;
}
