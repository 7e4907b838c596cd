// The Rules view's store: the form's edits rewrite the rule's value in
// rules.yaml's text, a new rule gets a free name, a rule is on where the file
// starts it until the backend says otherwise, switching sends the target and
// rule, and a rule switched off by the backend becomes a notice.
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, expect, test } from 'vitest';
import type { RulesState } from '../../electron/shared/api/rules-api.ts';
import RulesView from '../src/components/RulesView.vue';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useNoticesStore } from '../src/stores/notices.ts';
import { useRulesStore } from '../src/stores/rules.ts';
import { fakeApi } from './fake-api.ts';

const TEXT = `rules:
  - name: ping
    when: type == 1 # requests
    protocol: echo
    answer: { kind: any }
`;
const STATE: RulesState = {
  text: TEXT,
  rules: [{ name: 'ping', when: 'type == 1', protocol: 'echo', answerKind: 'any', delayMs: 0, maxPerSecond: 100 }],
  errors: [],
  on: {},
};

let fake: ReturnType<typeof fakeApi>;
beforeEach(async () => {
  setActivePinia(createPinia());
  fake = fakeApi({
    rulesState: () => STATE,
    setRuleOn: (i: { target: string; rule: string; on: boolean }) => ({
      ...STATE,
      on: { [i.target]: i.on ? [i.rule] : [] },
    }),
    listTargets: () => [],
    listAgents: () => [],
  });
  await useConnectionStore().attach(fake.api);
});

test('the form rewrites only the value it edits, keeping the comments of the file', async () => {
  const store = useRulesStore();
  await store.load();
  store.setSetting(0, 'when', 'type == 2');
  store.setSetting(0, 'delay_ms', '25');
  store.setSetting(0, 'max_per_second', 'lots'); // not a number: left as it was
  expect(store.text).toBe(`rules:
  - name: ping
    when: type == 2 # requests
    protocol: echo
    answer: { kind: any }
    delay_ms: 25
`);
  expect(store.dirty).toBe(true);
});

test('a new rule gets a name no rule has', async () => {
  const store = useRulesStore();
  await store.load();
  store.addRule();
  store.addRule();
  expect(store.text.match(/name: [\w-]+/g)).toEqual(['name: ping', 'name: answer', 'name: answer-2']);
});

test('a rule is on where rules.yaml starts it until switched; switching names the target and the rule', async () => {
  const store = useRulesStore();
  await store.load();
  expect(store.isOn('demo:echo', 'ping')).toBe(true);
  await store.setOn('demo:echo', 'ping', false);
  expect(fake.calls.at(-1)).toEqual({ call: 'setRuleOn', input: { target: 'demo:echo', rule: 'ping', on: false } });
  expect(store.isOn('demo:echo', 'ping')).toBe(false);
});

test('a rule the backend switched off shows as a notice saying why, and the view shows the rules', async () => {
  const w = mount(RulesView);
  await useRulesStore().load();
  await w.vm.$nextTick();
  expect(w.find('[data-rule="ping"]').text()).toContain('answers with echo · any');
  fake.emit('ruleNotice', {
    target: 'demo:echo',
    rule: 'ping',
    message: 'rule "ping" answered 100 messages within a second (its max_per_second): switched off on demo:echo',
    switchedOff: true,
  });
  expect(useNoticesStore().notices.map((n) => [n.level, n.message])).toEqual([
    [
      'warning',
      'demo:echo: rule "ping" answered 100 messages within a second (its max_per_second): switched off on demo:echo',
    ],
  ]);
  w.unmount();
});
