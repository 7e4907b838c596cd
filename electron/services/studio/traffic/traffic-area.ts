// The Studio's traffic calls (electron/shared/api/traffic-api.ts): every
// message of every open target lands in the traffic store; Traffic reads it
// (or a capture opened into Traffic) in windows of filtered views. The
// 'traffic' and 'rate' events are batched here, a few a second at most; in
// agent mode messages are not stored but sent on as 'messages' events.
import type { Message } from '../../../shared/message.ts';
import { messageToJson, bytesToBase64 } from '../../../shared/message.ts';
import type { trafficCalls, TrafficRow } from '../../../shared/api/traffic-api.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import { messageBytes } from '../../capture/diff.ts';
import { decodedJson } from '../message-view.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';
import { RateSeries } from './rate-series.ts';
import { TrafficStore } from './traffic-store.ts';
import { decodeRow, filterRowReader, rowView, type LayoutFor, type TrafficRows } from './traffic-rows.ts';
import { ALL_VIEW, TrafficViews } from './traffic-views.ts';
import { FilterVocabulary } from './filter-vocabulary.ts';
import { HEADER_NAMES } from './filter.ts';
import type { Layout } from '../../protocol/layout.ts';

const FLUSH_MS = 100;
/** The `source` of Traffic's calls that reads the traffic store. */
const LIVE_SOURCE = 'live';

/** Where Traffic reads rows: the rows, and the filtered views over them. */
export interface TrafficSource {
  rows: TrafficRows;
  views: TrafficViews;
}

export interface TrafficAreaOptions {
  mode: StudioContext['mode'];
  emit: StudioContext['emit'];
  /** The layout a target's messages decode with, if any. */
  layoutOf: LayoutFor;
  /** Every layout the Studio knows: a filter's data fields and enum names are checked against them. */
  layouts: () => readonly Layout[];
  /** A capture opened into Traffic, by name; throws when none is open by that name. */
  capture(name: string): TrafficSource;
  /** The auto-answer rule that sent a message (of the batch being ingested), if one did. */
  sentBy?(m: Message): string | undefined;
}

export class TrafficArea implements StudioArea<typeof trafficCalls> {
  readonly handlers: AreaHandlers<typeof trafficCalls>;
  readonly store = new TrafficStore();
  readonly views: TrafficViews;
  readonly rateSeries = new RateSeries();
  readonly #options: TrafficAreaOptions;
  /** Agent mode: messages not yet sent on as 'messages' events, by target. */
  readonly #outgoing = new Map<string, Message[]>();
  /** Rows of the live store sent by an auto-answer rule: the rule's name. */
  readonly #ruleOfRow = new Map<number, string>();
  #pendingRx = 0;
  #pendingTx = 0;
  #lastTotals = '';
  #rateSecond = Math.floor(Date.now() / 1000);
  readonly #flushTimer: NodeJS.Timeout;

  constructor(options: TrafficAreaOptions) {
    this.#options = options;
    const layoutOf = options.layoutOf;
    this.views = new TrafficViews(this.store, () => filterRowReader(this.store, layoutOf));
    this.#flushTimer = setInterval(() => this.#flush(), FLUSH_MS).unref();
    this.handlers = {
      window: async (i) => {
        const { rows, views } = this.#source(i.source);
        const list = views.rows(i.view, i.start, i.count).map((r) => this.#rowView(i.source, rows, r));
        return { view: i.view, total: views.total(i.view), start: i.start, rows: list };
      },
      setFilter: async (i) => {
        const { views } = this.#source(i.source);
        const started = performance.now();
        const view = i.expression.trim() === '' ? ALL_VIEW : await views.create(i.expression, this.#vocabulary());
        return { view, total: views.total(view), ms: performance.now() - started };
      },
      detail: async (i) => {
        const { rows } = this.#source(i.source);
        if (i.row >= rows.total) {
          const holder = i.source === undefined || i.source === LIVE_SOURCE ? 'the store holds' : `${i.source} has`;
          throw new StudioError({
            code: 'ENOENT',
            message: `row ${i.row} is not stored (${holder} ${rows.total} rows)`,
          });
        }
        const m = rows.get(i.row);
        const decoded = decodeRow(rows, layoutOf, i.row);
        return {
          row: this.#rowView(i.source, rows, i.row),
          message: messageToJson(m),
          bytes: bytesToBase64(messageBytes(m)),
          ...(decoded ? { decoded: decodedJson(decoded) } : {}),
        };
      },
      pause: async () => {
        this.views.pause();
        this.#flush();
        return { total: this.store.total };
      },
      resume: async () => {
        this.views.resume();
        this.#flush();
        return { total: this.store.total };
      },
      clear: async () => {
        this.store.clear();
        this.#ruleOfRow.clear();
        this.views.reset();
        this.#flush();
        return { total: 0 };
      },
      rate: async (i) => this.rateSeries.points(i.seconds),
      filterWords: async () => this.#vocabulary().completions(HEADER_NAMES),
    };
  }

  #vocabulary(): FilterVocabulary {
    return new FilterVocabulary(this.#options.layouts());
  }

  /** Takes a batch of messages of @target, sent or received: stored (agent mode: queued to send on). */
  ingest(target: string, msgs: readonly Message[]): void {
    const index = this.store.targetIndex(target);
    const keep = this.#options.mode !== 'agent';
    for (const m of msgs) {
      if (keep) {
        const row = this.store.appendMessage(index, m);
        const rule = m.direction === 'tx' ? this.#options.sentBy?.(m) : undefined;
        if (rule) this.#ruleOfRow.set(row, rule);
      }
      // A monitor's drops and events are rows, not messages: the rate counts messages.
      if (m.origin?.note !== undefined) continue;
      if (m.direction === 'rx') this.#pendingRx++;
      else this.#pendingTx++;
    }
    if (!keep) {
      const out = this.#outgoing.get(target) ?? [];
      // The batch's data are views into addon memory reused later: copy.
      for (const m of msgs) out.push({ ...m, data: Uint8Array.from(m.data) });
      this.#outgoing.set(target, out);
    }
  }

  /** A row as the table shows it; a live row an auto-answer rule sent names the rule. */
  #rowView(source: string | undefined, rows: TrafficRows, row: number): TrafficRow {
    const view = rowView(rows, this.#options.layoutOf, row);
    const rule = source === undefined || source === LIVE_SOURCE ? this.#ruleOfRow.get(row) : undefined;
    return rule ? { ...view, rule } : view;
  }

  /** Where Traffic's calls read rows: the live store, or a capture opened into Traffic. */
  #source(name = LIVE_SOURCE): TrafficSource {
    return name === LIVE_SOURCE ? { rows: this.store, views: this.views } : this.#options.capture(name);
  }

  #flush(): void {
    const { emit } = this.#options;
    this.rateSeries.count(this.#pendingRx, this.#pendingTx);
    this.#pendingRx = 0;
    this.#pendingTx = 0;
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.#rateSecond) {
      const last = this.rateSeries.points(2)[0];
      this.#rateSecond = second;
      if (last && (last.rx > 0 || last.tx > 0)) emit('rate', last);
    }
    for (const [target, messages] of this.#outgoing)
      emit('messages', { target, messages: messages.map(messageToJson) });
    this.#outgoing.clear();
    this.views.update();
    const views = this.views.totals();
    // The store total too: while paused the views stand still but the store grows.
    const key = JSON.stringify([this.store.total, views, this.views.paused]);
    if (key === this.#lastTotals) return;
    this.#lastTotals = key;
    emit('traffic', { total: this.store.total, views, paused: this.views.paused });
  }

  async close(): Promise<void> {
    clearInterval(this.#flushTimer);
  }
}
