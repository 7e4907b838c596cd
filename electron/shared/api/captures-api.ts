// The Studio API's capture and replay calls: record traffic to a capture
// file, open one into Traffic, save and export it, replay it into a target
// and compare the responses.
import type { CallTable } from './call-spec.ts';

export const captureCalls = {} satisfies CallTable;

export interface CaptureEvents {}

export const CAPTURE_EVENTS: ReadonlyArray<keyof CaptureEvents> = [];
