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
import type { LayoutFor, TrafficRows } from '../traffic/traffic-rows.ts';
import { int32Column, uint8Column } from './row-columns.ts';
import { RowScanner } from './row-scanner.ts';

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
  /** Each paired row's kind in its layout (-1: none), for the summaries that follow. */
  readonly kind = int32Column(-1);
  /** Rows 0 .. scanned-1 are paired. */
  scanned = 0;
  /** Waiting requests by direction, target and matched values, oldest first. */
  readonly #waiting = new Map<number | string, number[]>();
  /** target number * 65536 + kind index, for every kind of which a request got its reply. */
  readonly #answeredKinds = new Set<number>();
  /** The layout each target's rows were paired with: another one makes the pairs stale. */
  readonly #layouts = new Map<string, Layout | undefined>();

  /** Whether a target's layout changed since its rows were paired (they must be paired again). */
  stale(layoutFor: LayoutFor): boolean {
    for (const [target, layout] of this.#layouts) if (layoutFor(target) !== layout) return true;
    return false;
  }

  /** Pairs rows scanned .. upTo-1. */
  scan(rows: TrafficRows, layoutFor: LayoutFor, upTo: number): void {
    const at = new RowScanner(rows, layoutFor);
    for (let r = this.scanned; r < upTo; r++) {
      at.at(r);
      const access = at.access;
      if (!access) continue;
      if (!this.#layouts.has(at.targetName)) this.#layouts.set(at.targetName, access.layout);
      const kind = at.kind();
      this.kind.set(r, kind);
      const match = access.layout.reply?.match;
      if (!match || match.length === 0) continue;
      const mine = waitingKey(at, match);
      // (Not mine ^ 1: bitwise operators cut a number to 32 bits.)
      const theirs = typeof mine === 'number' ? mine + (at.direction ? -1 : 1) : `${1 - at.direction}${mine.slice(1)}`;
      const queue = this.#waiting.get(theirs);
      const request = queue?.shift();
      if (request !== undefined) {
        if (queue!.length === 0) this.#waiting.delete(theirs);
        this.partner.set(request, r);
        this.partner.set(r, request);
        this.role.set(r, REPLY);
        this.#answeredKinds.add(at.target * 65536 + this.kind.get(request));
        continue;
      }
      this.role.set(r, REQUEST);
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
  unanswered(rows: TrafficRows, row: number, targetNumber: number, nowNs: bigint, timeoutNs: bigint): boolean {
    if (row >= this.scanned || this.role.get(row) !== REQUEST || this.partner.get(row) !== -1) return false;
    if (!this.#answeredKinds.has(targetNumber * 65536 + this.kind.get(row))) return false;
    return nowNs - rows.timestampNs(row) > timeoutNs;
  }

  reset(): void {
    this.partner.clear();
    this.role.clear();
    this.kind.clear();
    this.scanned = 0;
    this.#waiting.clear();
    this.#answeredKinds.clear();
    this.#layouts.clear();
  }
}

/**
 * The key a row waits under: its direction (lowest bit), target and matched
 * values. A number where one matched value fits in 32 bits (the common
 * case: an id), so that its other direction is key ± 1; else a string
 * starting with the direction digit.
 */
function waitingKey(at: RowScanner, match: readonly HeaderKey[]): number | string {
  if (match.length === 1) {
    const [lo, hi] = at.halves(match[0]!);
    if (hi === 0 && at.target < 32768) return (lo * 32768 + at.target) * 2 + at.direction;
  }
  let key = `${at.direction}/${at.target}`;
  for (const k of match) {
    const [lo, hi] = at.halves(k);
    key += `/${lo}:${hi}`;
  }
  return key;
}
