// What Traffic shows of a row, whatever holds the rows: the live traffic
// store (traffic-store.ts) or a capture opened from a file
// (captures/capture-source.ts). Both answer the same questions per row
// number; this module turns those answers into table rows, decoded trees
// and the filter's view of a row.
import type { Direction } from '../../../shared/message.ts';
import type { TrafficRow } from '../../../shared/studio-api.ts';
import { decodeReceived } from '../../protocol/decode.ts';
import type { Layout } from '../../protocol/layout.ts';
import { layoutAccess, type LayoutAccess } from '../../protocol/field-access.ts';
import type { Decoded, FieldValue, HeaderValue } from '../../protocol/values.ts';
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

/**
 * The filter's reader of rows: header columns read directly; a data field
 * read in place from the row's bytes where its offset never varies, else
 * through the layout's compiled decoder (protocol/field-access.ts), with the
 * values the reference codec gives.
 */
export function filterRowReader(rows: TrafficRows, layoutFor: LayoutFor): FilterRowReader {
  let row = 0;
  /** This row's layout access, header and kind, found on the first data() of the row. */
  let place: { access: LayoutAccess; header: HeaderValue; kind: number } | null | undefined = null;
  const placeOf = (): typeof place => {
    if (place !== null) return place;
    const layout = layoutFor(rows.target(row));
    if (!layout) return (place = undefined);
    const access = layoutAccess(layout);
    // user_value is read from the file: only when a kind selects on it.
    const header: HeaderValue = {
      length: BigInt(rows.length(row)),
      type: rows.type(row),
      id: rows.id(row),
      user_value: access.selects.has('user_value') ? rows.userValue(row) : 0n,
    };
    const kind = access.kindOf(header);
    return (place = kind < 0 ? undefined : { access, header, kind });
  };
  return {
    at(r: number) {
      row = r;
      place = null;
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
        case 'kind': {
          const p = placeOf();
          return p ? p.access.layout.messages[p.kind]?.name : undefined;
        }
      }
    },
    data(path: Array<string | number>): FilterValue {
      const p = placeOf();
      if (!p) return undefined;
      const v: FieldValue | undefined = p.access.read(p.kind, path, rows.data(row), p.header);
      return v !== undefined && typeof v === 'object' && !(v instanceof Uint8Array) ? undefined : v;
    },
  };
}
