// The Studio's auto-answer rule calls (electron/shared/api/rules-api.ts): the
// open workspace's rules.yaml, read again whenever it changed, answering on
// every open target (services/rules/). Answers go out through the target's
// endpoint, so Traffic shows them as sent messages; sentBy() tells Traffic
// which rule sent one.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Message } from '../../../shared/message.ts';
import type { ruleCalls, RulesState } from '../../../shared/api/rules-api.ts';
import { writeWhole } from '../../workspace/workspace.ts';
import { LayoutLoadError } from '../../protocol/load-errors.ts';
import { RuleAnswerer } from '../../rules/rule-answerer.ts';
import { parseRules } from '../../rules/rules-file.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';

export const RULES_FILE = 'rules.yaml';
/** How often traffic looks whether rules.yaml changed on disk (the Studio's own calls always look). */
const RECHECK_MS = 250;

export class RulesArea implements StudioArea<typeof ruleCalls> {
  readonly handlers: AreaHandlers<typeof ruleCalls>;
  readonly #answerer: RuleAnswerer;
  readonly #sentBy = new WeakMap<Message, string>();
  readonly #unsubscribe: () => void;
  /** The file last read and its modification time ("file@mtime"), to read it again only when it changed. */
  #loaded: string | undefined;
  /** When the file was last looked at (ms): traffic looks at most every RECHECK_MS. */
  #checkedAt = 0;
  #text = '';
  #errors: RulesState['errors'] = [];

  constructor(readonly ctx: StudioContext) {
    this.#answerer = new RuleAnswerer(
      (protocol) => {
        try {
          return ctx.protocols.get(protocol);
        } catch {
          return undefined;
        }
      },
      (target, header, data) => ctx.endpointOf(target).send(header, data),
    );
    this.#answerer.on('notice', (n) => ctx.emit('ruleNotice', n));
    this.#unsubscribe = ctx.onMessages((target, messages) => this.#onMessages(target, messages));
    this.handlers = {
      rulesState: async () => this.#state(),
      saveRules: async ({ text }) => {
        writeWhole(this.#file()!, text);
        this.#load(true);
        return this.#state();
      },
      setRuleOn: async ({ target, rule, on }) => {
        this.#load();
        if (!this.#answerer.rules.some((r) => r.name === rule))
          throw new Error(
            `rules.yaml has no rule named "${rule}"${this.#errors.length ? ' (it has errors: fix them first)' : ''}`,
          );
        this.#answerer.setOn(target, rule, on);
        return this.#state();
      },
    };
  }

  /** The rule that sent this message (one of a batch the targets delivered), if a rule did. */
  sentBy(m: Message): string | undefined {
    return this.#sentBy.get(m);
  }

  #onMessages(target: string, messages: readonly Message[]): void {
    if (Date.now() - this.#checkedAt >= RECHECK_MS) this.#load();
    for (const m of messages) {
      if (m.direction !== 'tx') continue;
      const rule = this.#answerer.claimSent(target, m);
      if (rule) this.#sentBy.set(m, rule);
    }
    this.#answerer.handle(target, messages);
  }

  #file(): string | undefined {
    try {
      return path.join(this.ctx.workspace().dir, RULES_FILE);
    } catch {
      return undefined; // no workspace: no rules
    }
  }

  /** Reads rules.yaml again when it changed (or another workspace was opened). */
  #load(force = false): void {
    this.#checkedAt = Date.now();
    const file = this.#file();
    const mtimeMs = file && existsSync(file) ? statSync(file).mtimeMs : -1;
    const key = `${file ?? ''}@${mtimeMs}`;
    if (!force && this.#loaded === key) return;
    this.#loaded = key;
    this.#text = mtimeMs >= 0 ? readFileSync(file!, 'utf8') : '';
    try {
      this.#answerer.setRules(parseRules(this.#text, RULES_FILE));
      this.#errors = [];
    } catch (err) {
      if (!(err instanceof LayoutLoadError)) throw err;
      this.#errors = err.errors.map(({ line, column, path: where, message }) => ({
        line,
        column,
        path: where,
        message,
      }));
      this.#answerer.setRules([]);
    }
  }

  #state(): RulesState {
    this.#load();
    return {
      text: this.#text,
      rules: this.#answerer.rules.map((r) => ({
        name: r.name,
        when: r.when,
        protocol: r.protocol,
        answerKind: r.answerKind,
        delayMs: r.delayMs,
        maxPerSecond: r.maxPerSecond,
        ...(r.targets ? { targets: r.targets } : {}),
      })),
      errors: this.#errors,
      on: this.#answerer.onByTarget(),
    };
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    this.#answerer.close();
  }
}
