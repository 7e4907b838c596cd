// The Studio API's auto-answer rule calls: the workspace's rules.yaml (its
// text, its rules or its errors with line and column, saving it), and
// switching each rule on or off per target while traffic runs. The format is
// described in electron/services/rules/README.md.
import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { call, empty, event, targetName, type CallTable, type EventPayloads, type EventTable } from './call-spec.ts';

/** One rule as the Studio shows it. */
export interface RuleView {
  name: string;
  /** Its filter expression. */
  when: string;
  protocol: string;
  /** The message kind it answers with. */
  answerKind: string;
  delayMs: number;
  maxPerSecond: number;
  /** Targets where it starts switched on; absent: every target. */
  targets?: string[];
}

export interface RulesFileError {
  line: number;
  column: number;
  /** Where in the file, e.g. rules[1].answer.fields.seq. */
  path: string;
  message: string;
}

export interface RulesState {
  /** rules.yaml's text ('' when the workspace has none yet). */
  text: string;
  /** The rules that answer: none while the file has errors. */
  rules: RuleView[];
  errors: RulesFileError[];
  /** Per open target, the rules switched on there. */
  on: Record<string, string[]>;
}

export interface RuleNoticeEvent {
  target: string;
  rule: string;
  message: string;
  /** The rule was switched off on that target. */
  switchedOff: boolean;
}

export const ruleCalls = {
  rulesState: call<RulesState>()(
    empty,
    "the workspace's rules.yaml: its text, its rules or errors, and which are on per open target",
  ),
  saveRules: call<RulesState>()(
    z
      .object({
        text: z
          .string()
          .refine((t) => t.length <= LIMITS.layoutBytes, `rules.yaml is at most ${LIMITS.layoutBytes} bytes`),
      })
      .strict(),
    'saves rules.yaml; with errors it is saved all the same, and no rule answers until they are fixed',
  ),
  setRuleOn: call<RulesState>()(
    z.object({ target: targetName, rule: z.string().min(1).max(200), on: z.boolean() }).strict(),
    'switches a rule on or off on one target (the file is unchanged)',
  ),
} satisfies CallTable;

export const ruleEvents = {
  ruleNotice: event<RuleNoticeEvent>(
    'A rule was switched off (it answered faster than its max_per_second, or could not build its answer), or its answer could not be sent.',
  ),
} satisfies EventTable;

export type RuleEvents = EventPayloads<typeof ruleEvents>;
