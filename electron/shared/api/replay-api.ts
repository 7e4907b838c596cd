// The Studio API's replay calls: replay a capture into a target, follow its
// progress, browse the diff of the responses and save it as a report.
import type { CallTable } from './call-spec.ts';

export const replayCalls = {} satisfies CallTable;

export interface ReplayEvents {}

export const REPLAY_EVENTS: ReadonlyArray<keyof ReplayEvents> = [];
