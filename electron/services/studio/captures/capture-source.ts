// A capture file opened into Traffic: its index (built in one streaming pass
// in the background, rows usable as soon as they are indexed), its records
// read from the file on demand, and its own filtered views. A .pcapng file is
// first converted to a temporary .kucap (streaming too), so both formats are
// read the same way.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CaptureSourceView } from '../../../shared/api/captures-api.ts';
import { CaptureIndex, type IndexDamage } from '../../capture/capture-index.ts';
import type { RowHeaderPlace, RowPlace } from '../../header-rows.ts';
import { importPcapng } from '../../capture/pcapng.ts';
import { RecordReader } from '../../capture/record-reader.ts';
import { CaptureWriter } from '../../capture/writer.ts';
import { filterRowReader, type LayoutFor, type TrafficRows } from '../traffic/traffic-rows.ts';
import type { StoredMessage } from '../traffic/traffic-store.ts';
import { TrafficViews } from '../traffic/traffic-views.ts';

export class CaptureSource implements TrafficRows {
  readonly format: 'kucap' | 'pcapng';
  readonly views: TrafficViews;
  /** Resolves when the index is complete (or failed: see `error`). */
  readonly indexed: Promise<void>;
  error: string | undefined;
  #index: CaptureIndex;
  #reader: RecordReader | undefined;
  #size: number;
  /** The temporary .kucap a pcapng file was converted to. */
  #tmpDir: string | undefined;
  /** Damage of the pcapng file found while converting it. */
  #importDamage: IndexDamage[] = [];
  #closed = false;
  /** The index is complete and every filtered view has caught up with it. */
  #settled = false;

  /**
   * Opens @file (named @source in the workspace) and starts indexing it;
   * @onProgress is called a few times a second while it indexes, and once
   * when it is done.
   */
  constructor(
    readonly source: string,
    readonly file: string,
    layoutFor: LayoutFor,
    onProgress: () => void,
  ) {
    this.format = file.endsWith('.pcapng') ? 'pcapng' : 'kucap';
    this.#size = statSync(file).size;
    this.#index = new CaptureIndex(file);
    this.views = new TrafficViews(this, () => filterRowReader(this, layoutFor));
    this.indexed = this.#build(onProgress);
  }

  async #build(onProgress: () => void): Promise<void> {
    try {
      let kucap = this.file;
      if (this.format === 'pcapng') kucap = await this.#convert();
      if (this.#closed) return;
      this.#index = new CaptureIndex(kucap);
      this.#reader = new RecordReader(kucap);
      await this.#index.build(() => {
        this.views.update();
        onProgress();
      });
      // A filter set while indexing may have fallen behind its budgeted updates: finish it.
      await this.views.settle();
      this.#settled = true;
    } catch (err) {
      this.error = (err as Error).message;
    }
    if (!this.#closed) onProgress();
  }

  /** pcapng -> a temporary .kucap, keeping what it could not read as damage. */
  async #convert(): Promise<string> {
    this.#tmpDir = mkdtempSync(path.join(tmpdir(), 'kucomms-open-pcapng-'));
    const out = path.join(this.#tmpDir, 'converted.kucap');
    const writer = new CaptureWriter(out, { flushIntervalMs: 0 });
    try {
      for await (const r of importPcapng(this.file, (p) =>
        this.#importDamage.push({ ...p, messagesBefore: writer.count }),
      )) {
        if (this.#closed) break;
        writer.write(r);
      }
    } finally {
      writer.close();
    }
    return out;
  }

  get total(): number {
    return this.#reader ? this.#index.total : 0;
  }

  get done(): boolean {
    return this.error !== undefined || this.#settled;
  }

  view(): CaptureSourceView {
    const converting = this.format === 'pcapng' && !this.#reader;
    return {
      source: this.source,
      format: this.format,
      total: this.total,
      done: this.done,
      // Converting a pcapng file reads it whole before indexing starts: report the index's share of the converted file.
      bytesIndexed: converting
        ? 0
        : this.format === 'pcapng'
          ? Math.round((this.#index.bytesIndexed / Math.max(1, statSync(this.#index.path).size)) * this.#size)
          : this.#index.bytesIndexed,
      size: this.#size,
      targets: [...this.#index.targets],
      damage: this.format === 'pcapng' ? this.#importDamage : this.#index.damage,
      views: this.views.totals(),
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }

  // The rows, for Traffic (traffic-rows.ts).

  type(row: number): bigint {
    return this.#index.type(row);
  }

  id(row: number): bigint {
    return this.#index.id(row);
  }

  length(row: number): number {
    return this.#index.length(row);
  }

  timestampNs(row: number): bigint {
    return this.#index.timestampNs(row);
  }

  direction(row: number): 'rx' | 'tx' {
    return this.#index.direction(row);
  }

  target(row: number): string {
    return this.#index.target(row);
  }

  userValue(row: number): bigint {
    return this.#records().userValue(this.#index.offset(row));
  }

  data(row: number): Uint8Array {
    return this.#records().data(this.#index.offset(row), this.#index.length(row));
  }

  placeHeader(row: number, out: RowHeaderPlace): void {
    this.#index.placeHeader(row, out);
  }

  place(row: number, out: RowPlace): void {
    const offset = this.#index.placeRecord(row, out);
    this.#records().placeData(offset, out.chunk.length[out.r]!, out);
  }

  get(row: number): StoredMessage {
    const r = this.#records().read(this.#index.offset(row), this.#index.length(row));
    // A copy: the reader's cache is reused by the next read.
    const data = Uint8Array.from(r.data);
    const origin = this.#index.origin(row);
    return {
      row,
      target: this.#index.target(row),
      direction: this.#index.direction(row),
      timestampNs: r.timestampNs,
      length: BigInt(data.length),
      type: r.type,
      id: r.id,
      userValue: r.userValue,
      data,
      ...(origin ? { origin } : {}),
    };
  }

  #records(): RecordReader {
    if (!this.#reader) throw new RangeError(`${this.source} has no rows yet`);
    return this.#reader;
  }

  close(): void {
    this.#closed = true;
    this.#index.stop();
    this.#reader?.close();
    if (this.#tmpDir) rmSync(this.#tmpDir, { recursive: true, force: true });
  }
}
