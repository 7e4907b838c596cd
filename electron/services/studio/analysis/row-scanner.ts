// One row at a time of a pass over millions (pairing, statistics, plots):
// the row's header columns read where they lie (no object, no BigInt for
// type and id), its target's layout access and its kind from the 32-bit
// halves of its header, as the filter reads rows (traffic-rows.ts).
import { HeaderChunk, LOW_HALF, type RowHeaderPlace, type RowPlace } from '../../header-rows.ts';
import { layoutAccess, type LayoutAccess } from '../../protocol/field-access.ts';
import type { HeaderKey } from '../../protocol/layout.ts';
import type { HeaderValue } from '../../protocol/values.ts';
import type { LayoutFor, TrafficRows } from '../traffic/traffic-rows.ts';

export class RowScanner {
  row = 0;
  readonly place: RowPlace = {
    chunk: new HeaderChunk(0, 0),
    r: 0,
    bytes: new Uint8Array(0),
    view: new DataView(new ArrayBuffer(0)),
    at: 0,
  };
  /** Layout access and name by the rows' target number (null: no layout). */
  readonly #access: Array<LayoutAccess | null> = [];
  readonly #names: string[] = [];
  readonly #userValue = (): bigint => this.rows.userValue(this.row);

  constructor(
    readonly rows: TrafficRows,
    readonly layoutFor: LayoutFor,
  ) {}

  /** Moves to @row: header columns only, or its data too (@withData). */
  at(row: number, withData = false): void {
    this.row = row;
    if (withData) this.rows.place(row, this.place);
    else this.rows.placeHeader(row, this.place as RowHeaderPlace);
  }

  /** The target number of @row (moving there). */
  targetNumberOf(row: number): number {
    this.at(row);
    return this.target;
  }

  /** The row's target, as a number the rows keep it under. */
  get target(): number {
    return this.place.chunk.meta[this.place.r]! >> 1;
  }

  get targetName(): string {
    return (this.#names[this.target] ??= this.rows.target(this.row));
  }

  /** 0 for rx, 1 for tx. */
  get direction(): number {
    return this.place.chunk.meta[this.place.r]! & 1;
  }

  get length(): number {
    return this.place.chunk.length[this.place.r]!;
  }

  get timestampNs(): bigint {
    return this.place.chunk.ts[this.place.r]!;
  }

  /** The layout access of the row's target, or null. */
  get access(): LayoutAccess | null {
    const t = this.target;
    let a = this.#access[t];
    if (a === undefined) {
      const layout = this.layoutFor(this.targetName);
      this.#access[t] = a = layout ? layoutAccess(layout) : null;
    }
    return a;
  }

  /** The index of the row's kind in its layout, -1 for none (or no layout). */
  kind(): number {
    const a = this.access;
    if (!a) return -1;
    const { chunk, r } = this.place;
    const lo = 2 * r + LOW_HALF;
    const hi = 2 * r + 1 - LOW_HALF;
    return a.kindOfHalves(chunk.type32[lo]!, chunk.type32[hi]!, chunk.id32[lo]!, chunk.id32[hi]!, this.#userValue);
  }

  /** A header field's low and high 32 bits (user_value read from the rows). */
  halves(key: HeaderKey): [number, number] {
    const { chunk, r } = this.place;
    if (key === 'user_value') {
      const v = this.rows.userValue(this.row);
      return [Number(v & 0xffff_ffffn), Number(v >> 32n)];
    }
    const col = key === 'type' ? chunk.type32 : chunk.id32;
    return [col[2 * r + LOW_HALF]!, col[2 * r + 1 - LOW_HALF]!];
  }

  /** The row's header values (for the decoders that want them). */
  header(): HeaderValue {
    const { chunk, r } = this.place;
    return {
      length: BigInt(chunk.length[r]!),
      type: chunk.type[r]!,
      id: chunk.id[r]!,
      user_value: this.rows.userValue(this.row),
    };
  }
}
