// The Studio API's handler-script calls: run and stop a script against a
// target, its output and errors, and completion while editing it.
import type { CallTable } from './call-spec.ts';

export const scriptCalls = {} satisfies CallTable;

export interface ScriptEvents {}

export const SCRIPT_EVENTS: ReadonlyArray<keyof ScriptEvents> = [];
