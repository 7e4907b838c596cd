// The Studio's captures calls (electron/shared/api/captures-api.ts): record
// the open targets into the workspace's captures/, list the files there, open
// them into Traffic as sources (captures/capture-source.ts), save and export.
import { existsSync, linkSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { LIMITS } from '../../../shared/limits.ts';
import type {
  CaptureFileView,
  CaptureLostTarget,
  CaptureSourceView,
  CaptureStatus,
  CaptureWritten,
  captureCalls,
} from '../../../shared/api/captures-api.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import { announcedCount, announcedPackets } from '../../capture/announced-count.ts';
import { readCapture } from '../../capture/reader.ts';
import { CaptureSource } from './capture-source.ts';
import { rowRecords, writeCaptureFile } from './capture-files.ts';
import { Recorder } from './recorder.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';
import type { TrafficRows } from '../traffic/traffic-rows.ts';

/**
 * The largest file downloadCapture returns. The Studio API is the only way
 * to the browser (serve mode has no file route, by design: one token-checked
 * channel), and base64 in one reply costs 4/3 of the file in memory on both
 * sides, so larger files stay in the workspace, where exports are written.
 */
const DOWNLOAD_LIMIT = LIMITS.captureDownloadBytes;
const STATUS_IDLE: CaptureStatus = { recording: false, targets: [], messages: 0, bytes: 0, lost: [] };

/** NAME as given, or NAME.kucap when it has no capture extension. */
function captureFileName(name: string): string {
  return name.endsWith('.kucap') || name.endsWith('.pcapng') ? name : `${name}.kucap`;
}

function defaultName(now = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `capture-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}.kucap`;
}

export class CapturesArea implements StudioArea<typeof captureCalls> {
  readonly handlers: AreaHandlers<typeof captureCalls>;
  #recorder: Recorder | undefined;
  #last: CaptureStatus = STATUS_IDLE;
  readonly #sources = new Map<string, CaptureSource>();
  /** Announced message counts by file, valid while size and mtime stay. */
  readonly #counts = new Map<string, { size: number; mtimeMs: number; messages: number | undefined }>();

  constructor(readonly ctx: StudioContext) {
    this.handlers = {
      startCapture: async (i) => this.#start(i.targets, i.name),
      stopCapture: async () => this.#stop(),
      captureStatus: async () => this.#recorder?.status() ?? this.#last,
      listCaptures: async () => this.#list(),
      openCapture: async (i) => this.#open(captureFileName(i.name)),
      closeCapture: async (i) => {
        this.source(i.source).close();
        this.#sources.delete(i.source);
        this.#emitSources();
        return this.#views();
      },
      openCaptures: async () => this.#views(),
      saveCapture: async (i) => this.#save(i.source, captureFileName(i.name)),
      exportPcapng: async (i) => {
        const name = captureFileName(i.name);
        if (!name.endsWith('.kucap'))
          throw new StudioError({
            code: 'EINVAL_INPUT',
            message: `${name} is not a .kucap capture: only those are exported to pcapng`,
          });
        const input = this.#existing(name);
        const output = i.output === undefined ? name.replace(/\.kucap$/, '.pcapng') : captureFileName(i.output);
        if (!output.endsWith('.pcapng'))
          throw new StudioError({
            code: 'EINVAL_INPUT',
            message: `the export's name must end in .pcapng, not "${output}"`,
          });
        return writeCaptureFile(output, this.ctx.workspace().resolve('captures', output), readCapture(input));
      },
      renameCapture: async (i) => {
        this.#rename(captureFileName(i.name), i.to);
        return this.#list();
      },
      deleteCapture: async (i) => {
        const name = captureFileName(i.name);
        unlinkSync(this.#idle(name, 'delete'));
        this.#counts.delete(name);
        return this.#list();
      },
      downloadCapture: async (i) => {
        const file = this.#existing(captureFileName(i.name));
        const size = statSync(file).size;
        if (size > DOWNLOAD_LIMIT)
          throw new StudioError({
            code: 'EFBIG',
            message: `${i.name} is ${size} bytes, more than the ${DOWNLOAD_LIMIT >> 20} MiB a download carries: take it from ${file}`,
          });
        return { name: i.name, size, data: readFileSync(file).toString('base64') };
      },
    };
  }

  /** An opened capture, as a Traffic source; throws ENOENT naming those open. */
  source(name: string): CaptureSource {
    const s = this.#sources.get(name);
    if (!s)
      throw new StudioError({
        code: 'ENOENT',
        message: `no capture "${name}" is open in Traffic (open: live${[...this.#sources.keys()].map((k) => `, ${k}`).join('')}): open it first`,
      });
    return s;
  }

  /** The path of capture @name, which must exist. */
  #existing(name: string): string {
    const file = this.ctx.workspace().resolve('captures', name);
    if (!existsSync(file))
      throw new StudioError({
        code: 'ENOENT',
        message: `captures/${name} does not exist in ${this.ctx.workspace().dir}`,
      });
    return file;
  }

  /** The path of capture @name, which must exist and be neither recorded nor open in Traffic (@verb says what is refused). */
  #idle(name: string, verb: string): string {
    const file = this.#existing(name);
    if (this.#recorder?.name === name)
      throw new StudioError({
        code: 'EBUSY',
        message: `cannot ${verb} ${name}: it is being recorded (stop the recording first)`,
      });
    if (this.#sources.has(name))
      throw new StudioError({
        code: 'EBUSY',
        message: `cannot ${verb} ${name}: it is open in Traffic (close it first)`,
      });
    return file;
  }

  /** Renames capture @name to @requested, keeping its format; never over another file. */
  #rename(name: string, requested: string): void {
    const extension = name.slice(name.lastIndexOf('.'));
    const to = requested.endsWith('.kucap') || requested.endsWith('.pcapng') ? requested : `${requested}${extension}`;
    if (!to.endsWith(extension))
      throw new StudioError({
        code: 'EINVAL_INPUT',
        message: `"${to}": ${name} is a ${extension} file, and renaming does not convert it (export it instead)`,
      });
    const target = this.ctx.workspace().resolve('captures', to);
    const file = this.#idle(name, 'rename');
    if (to === name) return;
    try {
      // A link then an unlink, not rename(2): a file already there under the new name is kept, not replaced.
      linkSync(file, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw new StudioError({ code: 'EEXIST', message: `captures/${to} already exists: choose another name` });
      throw err;
    }
    unlinkSync(file);
    this.#counts.delete(name);
  }

  #start(targets: string[] | undefined, requested: string | undefined): CaptureStatus {
    if (this.#recorder)
      throw new StudioError({ code: 'EBUSY', message: `already recording ${this.#recorder.name}: stop it first` });
    const name = captureFileName(requested ?? defaultName());
    if (!name.endsWith('.kucap'))
      throw new StudioError({
        code: 'EINVAL_INPUT',
        message: `a recording is written as .kucap, not "${name}" (export it to pcapng afterwards)`,
      });
    const file = this.ctx.workspace().resolve('captures', name);
    if (existsSync(file))
      throw new StudioError({ code: 'EEXIST', message: `captures/${name} already exists: choose another name` });
    for (const t of targets ?? []) {
      try {
        this.ctx.endpointOf(t);
      } catch (err) {
        // A remote target (ENOTSUP) has no local endpoint, but its messages reach the feed all the same.
        if ((err as StudioError).code !== 'ENOTSUP') throw err;
      }
    }
    this.#recorder = new Recorder(this.ctx, name, file, targets?.length ? targets : undefined);
    const status = this.#recorder.status();
    this.ctx.emit('capture', status);
    return status;
  }

  #stop(): CaptureWritten & { lost: CaptureLostTarget[] } {
    if (!this.#recorder) throw new StudioError({ code: 'ENOENT', message: 'no capture is being recorded' });
    const status = this.#recorder.stop();
    this.#recorder = undefined;
    this.#last = status;
    this.ctx.emit('capture', status);
    return { name: status.name!, messages: status.messages, bytes: status.bytes, lost: status.lost };
  }

  #list(): CaptureFileView[] {
    return this.ctx
      .workspace()
      .list('captures')
      .map((f) => {
        const format = f.name.endsWith('.pcapng') ? 'pcapng' : 'kucap';
        const view: CaptureFileView = { name: f.name, format, size: f.size, mtimeMs: f.mtimeMs };
        if (this.#recorder?.name === f.name)
          return { ...view, recording: true, messages: this.#recorder.status().messages };
        let known = this.#counts.get(f.name);
        if (!known || known.size !== f.size || known.mtimeMs !== f.mtimeMs) {
          const file = this.ctx.workspace().resolve('captures', f.name);
          known = {
            size: f.size,
            mtimeMs: f.mtimeMs,
            messages: format === 'kucap' ? announcedCount(file) : announcedPackets(file),
          };
          this.#counts.set(f.name, known);
        }
        if (known.messages !== undefined) view.messages = known.messages;
        return view;
      });
  }

  #open(name: string): CaptureSourceView {
    const open = this.#sources.get(name);
    if (open) return open.view();
    if (this.#recorder?.name === name)
      throw new StudioError({ code: 'EBUSY', message: `${name} is being recorded: stop the recording first` });
    const file = this.#existing(name);
    const source = new CaptureSource(
      name,
      file,
      (target) => this.ctx.layoutOf(target),
      () => this.#emitSources(),
    );
    this.#sources.set(name, source);
    this.#emitSources();
    return source.view();
  }

  async #save(sourceName: string, name: string): Promise<CaptureWritten> {
    const file = this.ctx.workspace().resolve('captures', name);
    if (existsSync(file))
      throw new StudioError({ code: 'EEXIST', message: `captures/${name} already exists: choose another name` });
    let rows: TrafficRows;
    if (sourceName === 'live') rows = this.ctx.store;
    else {
      const source = this.source(sourceName);
      // Saving a capture that is still being indexed: wait for the whole of it.
      await source.indexed;
      rows = source;
    }
    return writeCaptureFile(name, file, rowRecords(rows, rows.total));
  }

  #views(): CaptureSourceView[] {
    return [...this.#sources.values()].map((s) => s.view());
  }

  #emitSources(): void {
    this.ctx.emit('captureSources', this.#views());
  }

  async close(): Promise<void> {
    if (this.#recorder) this.#stop();
    for (const s of this.#sources.values()) s.close();
    this.#sources.clear();
  }
}
