// The Studio API's capture calls: record traffic to a capture file in the
// workspace, open one into Traffic (a source beside 'live': window, detail
// and setFilter take `source`), save and export it.
import { z } from 'zod';
import { call, empty, event, targetName, type CallTable, type EventPayloads, type EventTable } from './call-spec.ts';

/** A capture file name in the workspace's captures/ folder: NAME.kucap or NAME.pcapng. */
const captureName = z.string().min(1, 'expected a capture file name').max(128);

export interface CaptureLostTarget {
  target: string;
  /** Why it stopped delivering (the link went down, it was disconnected). */
  error: string;
  /** Messages of the capture recorded when it was noticed. */
  messagesBefore: number;
}

/** What the recorder is doing; also the `capture` event's payload. */
export interface CaptureStatus {
  recording: boolean;
  /** The file being (or last) recorded, in captures/. */
  name?: string;
  /** The targets recorded; empty: every open target. */
  targets: string[];
  messages: number;
  /** Bytes written (or buffered to be written) so far. */
  bytes: number;
  /** When the recording started, ms since the Unix epoch. */
  startedMs?: number;
  /** Targets that went down while recording: the capture keeps what they sent until then. */
  lost: CaptureLostTarget[];
}

export interface CaptureFileView {
  name: string;
  format: 'kucap' | 'pcapng';
  size: number;
  /** Last modification, ms since the Unix epoch. */
  mtimeMs: number;
  /** The messages its blocks announce (.pcapng: its packets); absent when a block header is damaged: open it to see. */
  messages?: number;
  /** The file is being recorded now. */
  recording?: boolean;
}

/** Damage an opened capture has, where, and what is shown around it. */
export interface CaptureDamage {
  /** Byte offset in the file where the damage starts. */
  offset: number;
  message: string;
  /** Messages of the capture before the damage. */
  messagesBefore: number;
}

/** A capture opened into Traffic (a `source`); also the `captureSources` event's elements. */
export interface CaptureSourceView {
  /** What to pass as `source` to window, detail, setFilter: the file's name. */
  source: string;
  format: 'kucap' | 'pcapng';
  /** Messages indexed so far (all of them once `done`). */
  total: number;
  /** The indexing pass has read the whole file. */
  done: boolean;
  /** Bytes of the file indexed so far, and its size. */
  bytesIndexed: number;
  size: number;
  /** The targets its messages went to or came from. */
  targets: string[];
  damage: CaptureDamage[];
  /** Rows of each of its views (see setFilter). */
  views: Record<string, number>;
  /** The file could not be read at all (not a capture). */
  error?: string;
}

export interface CaptureWritten {
  name: string;
  messages: number;
  bytes: number;
}

export const captureCalls = {
  startCapture: call<CaptureStatus>()(
    z
      .object({
        /** Default: every open target, including ones opened while it records. */
        targets: z.array(targetName).max(256).optional(),
        /** The file in captures/ (".kucap" is added when missing); default capture-DATE-TIME.kucap. */
        name: captureName.optional(),
      })
      .strict(),
    'records every message sent to or received from the targets into a capture file in the workspace, until stopCapture',
  ),
  stopCapture: call<CaptureWritten & { lost: CaptureLostTarget[] }>()(empty, 'stops the recording and closes its file'),
  captureStatus: call<CaptureStatus>()(empty, 'what the recorder is doing'),
  listCaptures: call<CaptureFileView[]>()(empty, 'the capture files of the workspace, by name'),
  openCapture: call<CaptureSourceView>()(
    z.object({ name: captureName }).strict(),
    'opens a capture file of the workspace as a Traffic source, indexed in one streaming pass (rows are readable while it runs: captureSources events tell the progress)',
  ),
  closeCapture: call<CaptureSourceView[]>()(
    z.object({ source: captureName }).strict(),
    'closes an opened capture; returns those still open',
  ),
  openCaptures: call<CaptureSourceView[]>()(empty, 'the captures opened as Traffic sources'),
  saveCapture: call<CaptureWritten>()(
    z.object({ source: z.string().min(1).max(200).default('live'), name: captureName }).strict(),
    "writes a Traffic source ('live': the traffic store; or an open capture: its readable messages) to a new capture file in the workspace",
  ),
  exportPcapng: call<CaptureWritten>()(
    z.object({ name: captureName, output: captureName.optional() }).strict(),
    'writes a .kucap capture of the workspace as pcapng beside it (default: the same name, .pcapng) for Wireshark and tshark',
  ),
  renameCapture: call<CaptureFileView[]>()(
    z.object({ name: captureName, to: captureName }).strict(),
    "renames a capture file of the workspace (it keeps its format: a name without an extension gets the file's); refused while it is recorded or open in Traffic, or when the new name is taken; returns the files",
  ),
  deleteCapture: call<CaptureFileView[]>()(
    z.object({ name: captureName }).strict(),
    'deletes a capture file of the workspace; refused while it is recorded or open in Traffic; returns the files left',
  ),
  downloadCapture: call<{ name: string; size: number; data: string }>()(
    z.object({ name: captureName }).strict(),
    'the bytes of a capture file (base64), for saving it where the browser runs; files over 64 MiB are refused: take them from the workspace folder',
  ),
} satisfies CallTable;

export const captureEvents = {
  capture: event<CaptureStatus>("The recorder's state: on start and stop, and a few times a second while it records."),
  captureSources: event<CaptureSourceView[]>(
    'The opened captures: on open and close, and a few times a second while one is indexed.',
  ),
} satisfies EventTable;

export type CaptureEvents = EventPayloads<typeof captureEvents>;
