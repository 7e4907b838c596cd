// What Traffic shows of a row, whatever holds the rows: the live traffic
// store (traffic-store.ts) or a capture opened from a file
// (captures/capture-source.ts). Both answer the same questions per row
// number; this module turns those answers into table rows, decoded trees
// and the filter's view of a row.
import type { Direction } from '../../../shared/message.ts';
import type { TrafficRow } from '../../../shared/studio-api.ts';
import { decodeReceived } from '../../protocol/decode.ts';
import type { Layout } from '../../protocol/layout.ts';
import type { Decoded, FieldValue, StructValue } from '../../protocol/values.ts';
import type { FilterValue, HeaderName } from './filter.ts';
import { summaryOf } from '../message-view.ts';
import type { StoredMessage } from './traffic-store.ts';
import type { FilterRowReader } from './traffic-views.ts';

/** Rows by number: their header columns, their data, or the whole message. */
export interface TrafficRows {
  readonly total: number;
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
  const decoded = decodeRow(rows, layoutFor, row);
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
    summary: summaryOf(decoded, m.data),
  };
}

/** The filter's reader of rows: header columns read directly, the data decoded only when the expression asks for it. */
export function filterRowReader(rows: TrafficRows, layoutFor: LayoutFor): FilterRowReader {
  let row = 0;
  let decoded: Decoded | null | undefined = null;
  const decodedRow = (): Decoded | undefined => {
    if (decoded === null) decoded = decodeRow(rows, layoutFor, row);
    return decoded;
  };
  return {
    at(r: number) {
      row = r;
      decoded = null;
    },
    header(name: HeaderName): FilterValue {
      switch (name) {
        case 'type':
          return rows.type(row);
        case 'id':
          return rows.id(row);
        case 'user_value':
          return rows.userValue(row);
        case 'length':
          return rows.length(row);
        case 'direction':
          return rows.direction(row);
        case 'target':
          return rows.target(row);
        case 'time':
          return rows.timestampNs(row);
        case 'kind':
          return decodedRow()?.kind;
      }
    },
    data(path: Array<string | number>): FilterValue {
      let v: FieldValue | undefined = decodedRow()?.data;
      for (const step of path) {
        if (v === undefined || typeof v !== 'object' || v instanceof Uint8Array) return undefined;
        v = Array.isArray(v) ? (typeof step === 'number' ? v[step] : undefined) : (v as StructValue)[String(step)];
      }
      return v !== undefined && typeof v === 'object' && !(v instanceof Uint8Array) ? undefined : v;
    },
  };
}
