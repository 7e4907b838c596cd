// The Studio API's replay calls: replay a capture into a target, follow its
// progress, browse the diff of the responses and save it as a report.
import { z } from 'zod';
import { call, empty, event, targetName, type CallTable, type EventPayloads, type EventTable } from './call-spec.ts';

const replayId = z.string().min(1, 'expected a replay id (startReplay returns it)').max(64);
const fileName = z.string().min(1, 'expected a file name').max(128);

export const replaySpeedInput = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('timed'),
      /** 1 = the captured timing, 2 = twice as fast. */
      factor: z
        .number()
        .positive('the speed factor is above 0 (2 = twice as fast)')
        .max(1000, 'at most 1000 times as fast; use max for as fast as possible'),
    })
    .strict(),
  z.object({ kind: z.literal('max') }).strict(),
]);

export const startReplayInput = z
  .object({
    /** A capture file of the workspace's captures/ folder (.kucap or .pcapng; listCaptures lists them). */
    capture: fileName,
    /** The captured target whose traffic is replayed; the capture's first when absent. */
    from: targetName.optional(),
    /** The captured direction that is sent: 'tx' (what was sent to the target; of a monitored link, what its opener sent) or 'rx'. */
    direction: z.enum(['tx', 'rx']).default('tx'),
    /** A monitored capture: the link whose side is replayed as a new opener, e.g. kucomms_thermo#3; the first captured when absent. */
    link: z.string().min(1).max(100).optional(),
    /** An open target to replay into. */
    target: targetName,
    speed: replaySpeedInput.default({ kind: 'timed', factor: 1 }),
    /** Field paths to leave out of the comparison, e.g. data.seconds, header.user_value. */
    volatile: z.array(z.string().trim().min(1, 'a volatile field path is not empty').max(256)).max(200).default([]),
    /** The layout replies are compared with; absent: the target's layout (none: header and raw data). */
    protocol: z.string().min(1).optional(),
    /** How long to wait for outstanding replies after the last send (ms). */
    waitMs: z.number().int().min(0).max(600_000).default(1000),
  })
  .strict();

export type ReplayOptionsJson = z.output<typeof startReplayInput>;

export type ReplayState = 'running' | 'done' | 'stopped' | 'failed';
export type PairStatus = 'same' | 'different' | 'missing' | 'unexpected';

export interface ReplayProgress {
  replay: string;
  capture: string;
  target: string;
  /** The captured target being replayed (known once the capture's first record is read). */
  from?: string;
  /** Messages sent so far, of @total (known once the capture has been counted). */
  sent: number;
  total?: number;
  same: number;
  different: number;
  missing: number;
  unexpected: number;
  state: ReplayState;
  /** Why it failed. */
  error?: string;
  /** Damage found in the capture (it is read up to and past each damaged part). */
  problems: string[];
  /** The layout the replies were compared with. */
  protocol?: string;
}

/** The progress of a replay that has just started: nothing sent or compared yet. */
export function startingProgress(
  which: Pick<ReplayProgress, 'replay' | 'capture' | 'target' | 'from' | 'protocol'>,
): ReplayProgress {
  return { ...which, sent: 0, same: 0, different: 0, missing: 0, unexpected: 0, state: 'running', problems: [] };
}

/** Where a field lies in a message: bytes from the header's first byte. */
export interface ByteSpanJson {
  offset: number;
  size: number;
}

export interface FieldDiffJson {
  path: string;
  captured: string;
  replayed: string;
}

/** One reply pairing as the diff list shows it. */
export interface ReplayPairJson {
  /** Position among every pairing of the replay, 0-based: what replayPair takes. */
  index: number;
  status: PairStatus;
  /** 1-based position among the captured replies ('unexpected': among the replayed ones). */
  reply: number;
  /** The layout's message kind of the reply (the captured one where there is one). */
  kind?: string;
  /** One line: the differing fields, or the reply's decoded fields. */
  summary: string;
  diffs: FieldDiffJson[];
}

export interface ReplayResultsPage {
  replay: string;
  /** Pairings in the view ('differences': only the ones not the same). */
  total: number;
  start: number;
  pairs: ReplayPairJson[];
  /** The view's position of its first pairing that is not the same, if any. */
  firstDifference?: number;
}

/** One field of a pair side by side; a side is absent where that message has no such field. */
export interface FieldRowJson {
  path: string;
  captured?: string;
  replayed?: string;
  capturedAt?: ByteSpanJson;
  replayedAt?: ByteSpanJson;
  /** 'ignored': values differ but the field is volatile. */
  status: 'same' | 'different' | 'ignored';
}

export interface ReplayMessageJson {
  type: string;
  id: string;
  userValue: string;
  length: string;
  timestampNs: string;
  /** The whole message, header included, base64. */
  bytes: string;
}

export interface ReplayPairDetail {
  pair: ReplayPairJson;
  fields: FieldRowJson[];
  captured?: ReplayMessageJson;
  replayed?: ReplayMessageJson;
}

export const REPORT_FORMAT = 'kucomms-replay-report';

/** A saved replay report (a JSON file in the workspace's reports/ folder). */
export interface ReplayReport {
  format: typeof REPORT_FORMAT;
  version: 1;
  /** ISO 8601. */
  savedAt: string;
  options: ReplayOptionsJson;
  summary: Omit<ReplayProgress, 'replay'>;
  /** Every pairing that is not the same, with its fields. */
  pairs: ReplayPairDetail[];
  /** Pairings left out of @pairs because the report would grow too big. */
  omitted: number;
}

export interface ReportFile {
  name: string;
  size: number;
  mtimeMs: number;
}

export const replayCalls = {
  replaySources: call<{ targets: string[] }>()(
    z.object({ capture: fileName }).strict(),
    'The targets a capture recorded (from its first records): the choices for startReplay.from',
  ),
  startReplay: call<{ replay: string }>()(
    startReplayInput,
    'Replays one direction of a capture into an open target and compares the replies; progress comes as replayProgress events',
  ),
  stopReplay: call<ReplayProgress>()(
    z.object({ replay: replayId }).strict(),
    'Stops a running replay (nothing more is sent or waited for); its results so far stay',
  ),
  listReplays: call<ReplayProgress[]>()(empty, 'The replays of this session, running or finished, oldest first'),
  replayResults: call<ReplayResultsPage>()(
    z
      .object({
        replay: replayId,
        start: z.number().int().min(0),
        count: z.number().int().min(0).max(5000, 'at most 5000 pairs per page'),
        only: z.literal('differences').optional(),
      })
      .strict(),
    "A window of a replay's reply pairings (all, or only those not the same: start .. start+count-1), the view's length and where its first difference is; count 0 asks for the length alone",
  ),
  replayPair: call<ReplayPairDetail>()(
    z.object({ replay: replayId, index: z.number().int().min(0) }).strict(),
    'One reply pairing field by field, with both messages',
  ),
  saveReplayReport: call<{ name: string }>()(
    z.object({ replay: replayId, name: fileName.optional() }).strict(),
    "Writes a replay's report (summary, options, every pairing not the same with its fields) into reports/; returns its name",
  ),
  listReports: call<ReportFile[]>()(empty, "The saved replay reports of the workspace's reports/ folder"),
  readReport: call<ReplayReport>()(z.object({ name: fileName }).strict(), 'A saved replay report'),
} satisfies CallTable;

export const replayEvents = {
  replayProgress: event<ReplayProgress>(
    "A replay's counts, a few times a second while it runs, and once when it ends.",
  ),
} satisfies EventTable;

export type ReplayEvents = EventPayloads<typeof replayEvents>;
