// The Rules view: the workspace's rules.yaml (its text in the editor, its
// rules or its errors as the backend read it), switching each rule on and
// off per open target, and the backend's notices when it switched one off.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { parseDocument } from 'yaml';
import type { RulesState } from '../../../electron/shared/api/rules-api.ts';
import { useConnectionStore } from './connection.ts';
import { useNoticesStore } from './notices.ts';

/** A rule the form's "Add a rule" appends: valid for the echo layout, switched on nowhere until a target is ticked. */
export const NEW_RULE = {
  name: 'answer',
  when: 'type == 1',
  protocol: 'echo',
  targets: [],
  answer: { kind: 'any', fields: { data: '6f6b' } },
};

/** The editable scalar settings of a rule, as the form shows them. */
export type RuleSetting = 'when' | 'delay_ms' | 'max_per_second';

export const useRulesStore = defineStore('rules', () => {
  const conn = useConnectionStore();
  const notices = useNoticesStore();
  const state = ref<RulesState>({ text: '', rules: [], errors: [], on: {} });
  const text = ref('');
  const dirty = computed(() => text.value !== state.value.text);

  function take(s: RulesState): void {
    const keepEdits = dirty.value;
    state.value = s;
    if (!keepEdits) text.value = s.text;
  }

  async function load(): Promise<void> {
    try {
      take(await conn.api().rulesState({}));
    } catch (err) {
      notices.report('Reading rules.yaml', err);
    }
  }

  async function save(): Promise<void> {
    try {
      const saved = await conn.api().saveRules({ text: text.value });
      state.value = saved;
      text.value = saved.text;
    } catch (err) {
      notices.report('Saving rules.yaml', err);
    }
  }

  /** Whether @rule answers on @target (as the file starts it where the target has not been seen yet). */
  function isOn(target: string, rule: string): boolean {
    const on = state.value.on[target];
    if (on) return on.includes(rule);
    const r = state.value.rules.find((x) => x.name === rule);
    return r !== undefined && (r.targets === undefined || r.targets.includes(target));
  }

  async function setOn(target: string, rule: string, on: boolean): Promise<void> {
    try {
      take(await conn.api().setRuleOn({ target, rule, on }));
    } catch (err) {
      notices.report(`Switching rule ${rule} ${on ? 'on' : 'off'}`, err);
    }
  }

  /** The form's edit of one setting of rule number @index: rewrites that value in the editor's text. */
  function setSetting(index: number, key: RuleSetting, value: string): void {
    const doc = parseDocument(text.value);
    const v = key === 'when' ? value : Number(value);
    if (key !== 'when' && (!Number.isInteger(v) || (v as number) < 0)) return;
    doc.setIn(['rules', index, key], v);
    text.value = doc.toString();
  }

  function addRule(): void {
    const doc = parseDocument(text.value.trim() === '' ? 'rules: []\n' : text.value);
    // Names in the text as edited, saved or not.
    const listed: unknown = doc.toJS()?.rules;
    const taken = new Set(Array.isArray(listed) ? listed.map((r: { name?: unknown } | null) => r?.name) : []);
    let name = NEW_RULE.name;
    for (let i = 2; taken.has(name); i++) name = `${NEW_RULE.name}-${i}`;
    doc.addIn(['rules'], doc.createNode({ ...NEW_RULE, name }));
    text.value = doc.toString();
  }

  function subscribe(): () => void {
    const api = conn.api();
    const stops = [
      api.on('ruleNotice', (n) => {
        notices.push(n.switchedOff ? 'warning' : 'error', `${n.target}: ${n.message}`, `rule ${n.rule}`);
        void load();
      }),
      api.on('workspaceChanged', () => void load()),
    ];
    return () => stops.forEach((s) => s());
  }

  return { state, text, dirty, load, save, isOn, setOn, setSetting, addRule, subscribe };
});
