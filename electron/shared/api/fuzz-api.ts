// The Studio API's fuzz calls: fuzzing a target with a layout's messages
// mutated field by field (what `kucomms-studio fuzz` does), following its
// progress, stopping it. Findings are saved in the workspace: the reduced
// reproducer as captures/fuzz-PROTOCOL-N.kucap, its regression test as
// tests/fuzz-PROTOCOL-N.yaml.
import { z } from 'zod';
import { call, empty, event, targetName, type CallTable, type EventPayloads, type EventTable } from './call-spec.ts';

export interface FuzzFindingView {
  kind: 'kernel-log' | 'hang' | 'link-down';
  evidence: string;
  /** The reduced reproducer, one mutation per message. */
  reproducer: string[];
  /** Relative to the workspace. */
  capture: string;
  test: string;
}

export interface FuzzRunView {
  run: string;
  target: string;
  protocol: string;
  state: 'running' | 'finished' | 'stopped' | 'failed';
  /** What the run said, line by line (as the command prints it). */
  lines: string[];
  findings: FuzzFindingView[];
  /** Why it failed, when it did. */
  error?: string;
}

export const fuzzCalls = {
  startFuzz: call<{ run: string }>()(
    z
      .object({
        target: targetName,
        /** The layout (a protocol name) whose messages are mutated; it must declare reply: match:. */
        protocol: z.string().min(1).max(200),
        /** A /dev/kucomms_* target is refused without it: fuzzing a kernel module can crash the kernel it runs in. */
        kernel: z.boolean().default(false),
        hangMs: z.number().int().min(1).max(600_000).default(5000),
        maxMessages: z.number().int().min(1).optional(),
      })
      .strict(),
    'starts fuzzing a target (one run at a time); findings are saved in the workspace',
  ),
  stopFuzz: call<FuzzRunView>()(empty, 'stops the running fuzz run after the message it is sending'),
  fuzzState: call<{ last?: FuzzRunView }>()(empty, 'the current or last fuzz run (none before the first)'),
} satisfies CallTable;

export const fuzzEvents = {
  fuzzProgress: event<FuzzRunView>('The fuzz run said something, found something, or ended.'),
} satisfies EventTable;

export type FuzzEvents = EventPayloads<typeof fuzzEvents>;
