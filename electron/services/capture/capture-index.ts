// An index of a capture file built in one streaming pass: per message, where
// its record starts in the file and the header columns the traffic table and
// filters need, in typed arrays (34 bytes a message, no data, no object per
// message), so a capture of ten million messages opens in about 340 MB while
// the data stay in the file (record-reader.ts reads them on demand).
// Rows are usable while the pass goes on: `total` grows as blocks are read.
import type { Direction } from '../../shared/message.ts';
import { CHUNK_ROWS, HeaderChunk, HeaderRows, type RowHeaderPlace } from '../header-rows.ts';
import { BLOCK_HEADER_SIZE } from './format.ts';
import { readCaptureBlocks, walkBlock, type CaptureBlock, type CaptureProblem } from './reader.ts';

/** Bytes of index per message: offset 4 + timestamp 8 + type 8 + id 8 + length 4 + target/direction 2. */
export const INDEX_BYTES_PER_MESSAGE = 34;

/** A chunk also closes when its offsets no longer fit 32 bits from its base. */
class IndexChunk extends HeaderChunk {
  /** Record offsets from `base`. */
  readonly offset = new Uint32Array(CHUNK_ROWS);

  constructor(
    firstRow: number,
    readonly base: number,
  ) {
    super(firstRow);
  }

  fits(offset: number): boolean {
    return this.rows < CHUNK_ROWS && offset - this.base <= 0xffff_ffff;
  }
}

/** Damage found while indexing, and how many messages were indexed before it. */
export interface IndexDamage extends CaptureProblem {
  messagesBefore: number;
}

export interface IndexProgress {
  /** Messages indexed so far. */
  messages: number;
  /** Bytes of the file read so far. */
  bytes: number;
}

export class CaptureIndex extends HeaderRows<IndexChunk> {
  #bytes = 0;
  #done = false;
  #stopped = false;
  readonly damage: IndexDamage[] = [];

  constructor(readonly path: string) {
    super();
  }

  /** Bytes of the file indexed so far (the end of the last block read). */
  get bytesIndexed(): number {
    return this.#bytes;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Bytes the index holds (its typed arrays). */
  get memoryBytes(): number {
    return this.chunks.length * CHUNK_ROWS * INDEX_BYTES_PER_MESSAGE;
  }

  /** The targets the capture names, in the order first seen. */
  get targets(): readonly string[] {
    return this.targetNames;
  }

  /**
   * Reads the file once, front to back, indexing every record of every whole
   * block; calls @onProgress about every @progressMs while it reads. Throws
   * only if the file is not a capture at all (damage is recorded in `damage`).
   */
  async build(onProgress: (p: IndexProgress) => void = () => {}, progressMs = 250): Promise<void> {
    let last = performance.now();
    const onProblem = (p: CaptureProblem): void => void this.damage.push({ ...p, messagesBefore: this.rowCount });
    try {
      for await (const block of readCaptureBlocks(this.path, { onProblem })) {
        if (this.#stopped) return;
        this.#addBlock(block, onProblem);
        this.#bytes = block.offset + BLOCK_HEADER_SIZE + block.body.length;
        if (performance.now() - last >= progressMs) {
          last = performance.now();
          onProgress({ messages: this.rowCount, bytes: this.#bytes });
        }
      }
    } finally {
      this.#done = true;
    }
  }

  /** Stops a build that is running (closing the capture): it ends after the current block. */
  stop(): void {
    this.#stopped = true;
  }

  #addBlock(block: CaptureBlock, onProblem: (p: CaptureProblem) => void): void {
    const body = block.body;
    const bodyAt = block.offset + BLOCK_HEADER_SIZE;
    const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
    walkBlock(block, onProblem, (targets, origins) => {
      const global = targets.map((t) => this.indexOfTarget(t, 'a capture opened into Traffic'));
      const globalOrigins = origins.map((o) => this.originNumber(o));
      return (p, length, target, direction, origin) =>
        this.#append(
          bodyAt + p,
          v.getBigUint64(p, true),
          v.getBigUint64(p + 24, true),
          v.getBigUint64(p + 32, true),
          length,
          global[target]!,
          direction,
          origin ? globalOrigins[origin - 1]! : 0,
        );
    });
  }

  #append(
    offset: number,
    ts: bigint,
    type: bigint,
    id: bigint,
    length: number,
    target: number,
    direction: Direction,
    origin: number,
  ): void {
    let chunk = this.chunks[this.chunks.length - 1];
    if (!chunk || !chunk.fits(offset)) {
      chunk = new IndexChunk(this.rowCount, offset);
      this.chunks.push(chunk);
    }
    const r = chunk.rows++;
    chunk.offset[r] = offset - chunk.base;
    chunk.setHeader(r, ts, type, id, length, target, direction);
    chunk.setOrigin(r, origin);
    this.rowCount++;
  }

  protected missingRow(row: number): string {
    return `row ${row} is not in the capture (it holds rows 0 to ${this.rowCount - 1}${this.#done ? '' : ' so far'})`;
  }

  /** Where the row's record (its 48-byte record header, then the data) starts in the file. */
  offset(row: number): number {
    const [c, r] = this.locate(row);
    return c.base + c.offset[r]!;
  }

  /** placeHeader(), returning where the row's record starts in the file. */
  placeRecord(row: number, out: RowHeaderPlace): number {
    const c = this.placeHeader(row, out);
    return c.base + c.offset[out.r]!;
  }
}
