// Requests paired with their replies, as Wireshark's "response in" / "request
// in": a row of a target whose layout says `reply: match: [...]` is the reply
// of the oldest earlier row of the same target, in the other direction, with
// the same values in those header fields that still waits for one; else it is
// a request and waits. One pass in row order, a few bytes a row, so the pairs
// of millions of rows are known without decoding any.
//
// Which kinds are requests is not in the layout: a kind counts as one that
// gets replies once a message of it got one. Only requests of such kinds are
// ever called unanswered, so a driver's unsolicited samples are not.
import type { HeaderKey, Layout } from '../../protocol/layout.ts';
import { layoutAccess } from '../../protocol/field-access.ts';
import type { LayoutFor, TrafficRows } from '../traffic/traffic-rows.ts';
import { int32Column, uint8Column } from './row-columns.ts';

export const NOT_PAIRED = 0;
export const REQUEST = 1;
export const REPLY = 2;

/** Waiting requests kept at most (by key; the oldest key goes first), and per key, so memory stays bounded. */
const MAX_WAITING_KEYS = 200_000;
const MAX_WAITING_PER_KEY = 1000;

export class ReplyPairing {
  /** The other row of each pair; -1 for a waiting request and for a row that is neither. */
  readonly partner = int32Column(-1);
  readonly role = uint8Column();
  /** Rows 0 .. scanned-1 are paired. */
  scanned = 0;
  /** Waiting requests by direction, target and matched values, oldest first. */
  readonly #waiting = new Map<string, number[]>();
  /** target NUL kind index, for every kind of which a request got its reply. */
  readonly #answeredKinds = new Set<string>();
  /** The layout each target's rows were paired with: another one makes the pairs stale. */
  readonly #layouts = new Map<string, Layout | undefined>();

  /** Whether a target's layout changed since its rows were paired (they must be paired again). */
  stale(layoutFor: LayoutFor): boolean {
    for (const [target, layout] of this.#layouts) if (layoutFor(target) !== layout) return true;
    return false;
  }

  /** Pairs rows scanned .. upTo-1. */
  scan(rows: TrafficRows, layoutFor: LayoutFor, upTo: number): void {
    for (let r = this.scanned; r < upTo; r++) {
      const target = rows.target(r);
      let layout = this.#layouts.get(target);
      if (layout === undefined && !this.#layouts.has(target)) this.#layouts.set(target, (layout = layoutFor(target)));
      const match = layout?.reply?.match;
      if (!match || match.length === 0) continue;
      const values = match.map((k) => headerValue(rows, r, k)).join(',');
      const direction = rows.direction(r);
      const theirs = `${direction === 'rx' ? 'tx' : 'rx'}\u0000${target}\u0000${values}`;
      const queue = this.#waiting.get(theirs);
      const request = queue?.shift();
      if (request !== undefined) {
        if (queue!.length === 0) this.#waiting.delete(theirs);
        this.partner.set(request, r);
        this.partner.set(r, request);
        this.role.set(r, REPLY);
        this.#answeredKinds.add(`${target}\u0000${kindIndex(rows, request, layout!)}`);
        continue;
      }
      this.role.set(r, REQUEST);
      const mine = `${direction}\u0000${target}\u0000${values}`;
      const own = this.#waiting.get(mine);
      if (own) {
        own.push(r);
        if (own.length > MAX_WAITING_PER_KEY) own.shift();
      } else {
        this.#waiting.set(mine, [r]);
        if (this.#waiting.size > MAX_WAITING_KEYS) this.#waiting.delete(this.#waiting.keys().next().value!);
      }
    }
    this.scanned = Math.max(this.scanned, upTo);
  }

  /** A request still without a reply, of a kind that gets replies, older than @timeoutNs at @nowNs. */
  unanswered(rows: TrafficRows, layoutFor: LayoutFor, row: number, nowNs: bigint, timeoutNs: bigint): boolean {
    if (row >= this.scanned || this.role.get(row) !== REQUEST || this.partner.get(row) !== -1) return false;
    if (nowNs - rows.timestampNs(row) <= timeoutNs) return false;
    const target = rows.target(row);
    const layout = layoutFor(target);
    return layout !== undefined && this.#answeredKinds.has(`${target}\u0000${kindIndex(rows, row, layout)}`);
  }

  reset(): void {
    this.partner.clear();
    this.role.clear();
    this.scanned = 0;
    this.#waiting.clear();
    this.#answeredKinds.clear();
    this.#layouts.clear();
  }
}

function headerValue(rows: TrafficRows, row: number, key: HeaderKey): bigint {
  return key === 'type' ? rows.type(row) : key === 'id' ? rows.id(row) : rows.userValue(row);
}

/** The index of the row's kind in its layout, or -1. */
export function kindIndex(rows: TrafficRows, row: number, layout: Layout): number {
  const access = layoutAccess(layout);
  return access.kindOf({
    type: rows.type(row),
    id: rows.id(row),
    user_value: access.selects.has('user_value') ? rows.userValue(row) : 0n,
  });
}
