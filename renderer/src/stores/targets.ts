// Targets (devices, demo peers, targets behind remote agents) and the agents
// themselves, kept current by the backend's `targets` events.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AgentView, TargetView } from '../../../electron/shared/studio-api.ts';
import { useConnectionStore } from './connection.ts';
import { useNoticesStore } from './notices.ts';

export const useTargetsStore = defineStore('targets', () => {
  const targets = ref<TargetView[]>([]);
  const agents = ref<AgentView[]>([]);
  /** The first list has come (until then the view says it is looking, not that there are none). */
  const listed = ref(false);
  /** Targets with a call in progress (their buttons wait). */
  const busy = ref(new Set<string>());
  const conn = useConnectionStore();
  const notices = useNoticesStore();

  const openTargets = computed(() => targets.value.filter((t) => t.state === 'open').map((t) => t.target));

  async function refresh(): Promise<void> {
    try {
      [targets.value, agents.value] = await Promise.all([conn.api().listTargets({}), conn.api().listAgents({})]);
    } catch (err) {
      notices.report('Listing targets', err);
    } finally {
      listed.value = true;
    }
  }

  function subscribe(): () => void {
    return conn.api().on('targets', (list) => {
      targets.value = list;
    });
  }

  /** Runs a call for @target with its buttons waiting; a failure is a notice about @target, which its next success settles. */
  async function withBusy<T>(target: string, action: string, run: () => Promise<T>): Promise<T | undefined> {
    busy.value = new Set(busy.value).add(target);
    const topic = `target ${target}`;
    try {
      const result = await run();
      notices.settle(topic);
      return result;
    } catch (err) {
      notices.report(action, err, topic);
      return undefined;
    } finally {
      const next = new Set(busy.value);
      next.delete(target);
      busy.value = next;
      await refresh();
    }
  }

  const connect = (target: string) => withBusy(target, `Connecting ${target}`, () => conn.api().connect({ target }));
  const disconnect = (target: string) =>
    withBusy(target, `Disconnecting ${target}`, () => conn.api().disconnect({ target }));
  /** Decodes @target's messages with the layout @protocol from now on (null: none). */
  const setProtocol = (target: string, protocol: string | null) =>
    withBusy(target, `Setting the layout of ${target} to ${protocol ?? 'none'}`, () =>
      conn.api().setProtocol({ target, protocol }),
    );
  const createDevice = (name: string) =>
    withBusy(`/dev/${name}`, `Creating /dev/${name}`, () => conn.api().createDevice({ name }));
  const removeDevice = (name: string) =>
    withBusy(`/dev/${name}`, `Removing /dev/${name}`, () => conn.api().removeDevice({ name }));

  async function addAgent(url: string, token: string, fingerprint?: string): Promise<boolean> {
    // The backend's messages name the agent's URL: the action does not repeat it.
    const added = await withBusy(url, 'Adding the agent', () =>
      conn.api().addAgent({ url, token, ...(fingerprint ? { fingerprint } : {}) }),
    );
    if (added) notices.push('info', `Agent ${added.url} added: its targets are listed below`);
    return added !== undefined;
  }

  const removeAgent = (url: string) => withBusy(url, `Removing agent ${url}`, () => conn.api().removeAgent({ url }));

  return {
    targets,
    agents,
    listed,
    busy,
    openTargets,
    refresh,
    subscribe,
    connect,
    disconnect,
    setProtocol,
    createDevice,
    removeDevice,
    addAgent,
    removeAgent,
  };
});
