// What Traffic shows of a row, whatever holds the rows: the live traffic
// store (traffic-store.ts) or a capture opened from a file
// (captures/capture-source.ts). Both answer the same questions per row
// number; this module turns those answers into table rows, decoded trees
// and the filter's view of a row.
import { noteText, originToJson, type Direction } from '../../../shared/message.ts';
import type { TrafficRow } from '../../../shared/studio-api.ts';
import { decodeReceived } from '../../protocol/decode.ts';
import type { Layout } from '../../protocol/layout.ts';
import { layoutAccess, type DataPath, type KindReader, type LayoutAccess } from '../../protocol/field-access.ts';
import type { Decoded, HeaderValue } from '../../protocol/values.ts';
import { HeaderChunk, LOW_HALF, type RowHeaderPlace, type RowPlace } from '../../header-rows.ts';
import type { FilterValue, HeaderName } from './filter.ts';
import { summaryOf } from '../message-view.ts';
import type { StoredMessage } from './traffic-store.ts';
import type { FilterRowReader } from './traffic-views.ts';

/** Rows by number: their header columns, their data, or the whole message. */
export interface TrafficRows {
  readonly total: number;
  /** Changes when every row is dropped (row numbers start again); absent where rows are never dropped. */
  readonly generation?: number;
  type(row: number): bigint;
  id(row: number): bigint;
  userValue(row: number): bigint;
  length(row: number): number;
  timestampNs(row: number): bigint;
  direction(row: number): Direction;
  target(row: number): string;
  /** The row's data: a view that may change on the next call (copy it to keep it). */
  data(row: number): Uint8Array;
  get(row: number): StoredMessage;
  /** Points @out at the row's header columns and data, for scans over many rows (no object per row). */
  place(row: number, out: RowPlace): void;
  /** Points @out at the row's header columns only (a capture's data stays in its file). */
  placeHeader(row: number, out: RowHeaderPlace): void;
}

export type LayoutFor = (target: string) => Layout | undefined;

/** The row decoded with its target's layout; undefined when the target has none. */
export function decodeRow(rows: TrafficRows, layoutFor: LayoutFor, row: number): Decoded | undefined {
  const layout = layoutFor(rows.target(row));
  if (!layout) return undefined;
  return decodeReceived(layout, rows.get(row));
}

/** The table's view of a row. */
export function rowView(rows: TrafficRows, layoutFor: LayoutFor, row: number): TrafficRow {
  const m = rows.get(row);
  // A monitor's drop or event has no message to decode: the row says what happened.
  const note = m.origin?.note !== undefined;
  const decoded = note ? undefined : decodeRow(rows, layoutFor, row);
  return {
    row,
    timestampNs: m.timestampNs.toString(),
    direction: m.direction,
    target: m.target,
    type: m.type.toString(),
    id: m.id.toString(),
    userValue: m.userValue.toString(),
    length: m.data.length,
    ...(decoded?.kind !== undefined ? { kind: decoded.kind } : {}),
    summary: note ? noteText(m.origin!) : summaryOf(decoded, m.data),
    ...(m.origin ? { origin: originToJson(m.origin) } : {}),
  };
}

/**
 * The filter's reader of rows, for scans of millions of them: each row is
 * placed (its header columns and its data where they lie, no object made),
 * its kind found from the 32-bit halves of its header, and a data field read
 * in place from the bytes where its offset never varies, else through the
 * layout's compiled decoder (protocol/field-access.ts), with the values the
 * reference codec gives.
 */
export function filterRowReader(rows: TrafficRows, layoutFor: LayoutFor): FilterRowReader {
  let row = 0;
  const place: RowPlace = {
    chunk: new HeaderChunk(0, 0),
    r: 0,
    bytes: new Uint8Array(0),
    view: new DataView(new ArrayBuffer(0)),
    at: 0,
  };
  /** Layout access by target number (null: the target has no layout). */
  const accessByTarget: Array<LayoutAccess | null> = [];
  /** This row's layout access and kind, found on the first data() of the row (kind -2: not yet). */
  let access: LayoutAccess | null = null;
  let kind = -2;
  /** The last path read and its readers for this row's layout: a filter reads the same few paths on every row. */
  let lastPath: DataPath | undefined;
  let lastAccess: LayoutAccess | null = null;
  let lastReaders: KindReader[] = [];
  const header = (): HeaderValue => ({
    length: BigInt(place.chunk.length[place.r]!),
    type: place.chunk.type[place.r]!,
    id: place.chunk.id[place.r]!,
    user_value: rows.userValue(row),
  });
  const userValue = (): bigint => rows.userValue(row);
  const findKind = (): number => {
    const { chunk, r } = place;
    const t = chunk.meta[r]! >> 1;
    let a = accessByTarget[t];
    if (a === undefined) {
      const layout = layoutFor(rows.target(row));
      accessByTarget[t] = a = layout ? layoutAccess(layout) : null;
    }
    access = a;
    if (!a) return -1;
    const lo = 2 * r + LOW_HALF;
    const hi = 2 * r + 1 - LOW_HALF;
    return a.kindOfHalves(chunk.type32[lo]!, chunk.type32[hi]!, chunk.id32[lo]!, chunk.id32[hi]!, userValue);
  };
  return {
    at(r: number) {
      row = r;
      rows.place(r, place);
      kind = -2;
    },
    header(name: HeaderName): FilterValue {
      switch (name) {
        case 'type':
          return place.chunk.type[place.r];
        case 'id':
          return place.chunk.id[place.r];
        case 'user_value':
          return rows.userValue(row);
        case 'length':
          return place.chunk.length[place.r];
        case 'direction':
          return rows.direction(row);
        case 'target':
          return rows.target(row);
        case 'time':
          return place.chunk.ts[place.r];
        case 'kind': {
          if (kind === -2) kind = findKind();
          return kind < 0 ? undefined : access?.layout.messages[kind]?.name;
        }
        case 'malformed': {
          // The compiled decoder's verdict: the reference's reason is worked out only for the rows shown.
          if (kind === -2) kind = findKind();
          if (!access) return false;
          return kind < 0 || !access.codec.fits(kind, place.bytes, place.at, place.at + place.chunk.length[place.r]!);
        }
      }
    },
    data(path: DataPath): FilterValue {
      if (kind === -2) kind = findKind();
      if (kind < 0 || !access) return undefined;
      if (path !== lastPath || access !== lastAccess) {
        lastPath = path;
        lastAccess = access;
        lastReaders = access.readers(path);
      }
      const v = lastReaders[kind]?.(place.bytes, place.view, place.at, place.chunk.length[place.r]!, header);
      return v !== undefined && typeof v === 'object' && !(v instanceof Uint8Array) ? undefined : v;
    },
  };
}
