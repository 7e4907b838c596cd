// The Studio's target calls (electron/shared/api/targets-api.ts): the local
// targets (targets.ts lists them) and those of the remote agents added
// (agent-link.ts), the connection to each with the layout it decodes with,
// and the 'targets' event, sent on every change and once a second while a
// target is open (its counters move).
import { messageFromJson } from '../../../shared/message.ts';
import type { Message } from '../../../shared/message.ts';
import type {
  AgentView,
  ProtocolCheck,
  TargetCounters,
  TargetView,
  targetCalls,
} from '../../../shared/api/targets-api.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import { parseTarget } from '../../../shared/target.ts';
import { Endpoint } from '../../endpoint.ts';
import { MonitorEndpoint } from '../../monitor.ts';
import type { Layout } from '../../protocol/layout.ts';
import type { AreaHandlers, SendRoute, StudioArea, StudioContext } from '../studio-context.ts';
import { connectAgent, type AgentConnection } from './agent-link.ts';
import { advertisedProtocol, checkProtocol } from './device-protocol.ts';
import { TargetsService } from './targets.ts';

const TARGETS_EVERY_MS = 1000;
/** The demo peers speak the protocols of the modules they stand in for. */
const DEMO_PROTOCOLS: Record<string, string> = { 'demo:echo': 'echo', 'demo:longtest': 'longtest' };

interface Connection {
  target: string;
  state: TargetView['state'];
  protocol?: string;
  /** The layout (or none) was picked with setProtocol: connecting keeps it instead of a default. */
  picked?: boolean;
  /** Devices: the handshake with the module, checked before opening. */
  protocolCheck?: ProtocolCheck;
  error?: string;
  endpoint?: Endpoint;
  /** Monitor targets: what watches the links. */
  monitor?: MonitorEndpoint;
  /** Remote targets: the agent and the target's name there. */
  agent?: { url: string; inner: string };
}

interface Agent {
  url: string;
  view: AgentView;
  link?: AgentConnection;
  targets: TargetView[];
}

type AgentApi = AgentConnection['api'];

export interface TargetsAreaOptions {
  targets?: TargetsService;
  /** Protocol a target decodes with until told otherwise; default: demo:echo -> echo, demo:longtest -> longtest. */
  defaultProtocols?: Record<string, string>;
  /** The layout the open workspace's settings.json names for a target, if any. */
  settingsLayout(target: string): string | undefined;
  /** Where every batch of messages of every target goes, sent or received. */
  deliver(target: string, messages: readonly Message[]): void;
}

function onlyWatches(target: string): StudioError {
  return new StudioError({
    code: 'ENOTSUP',
    message: `${target} only watches: send to (or run scripts and replays against) the device or shm peer itself`,
  });
}

/** A layout file as the Studio names it: protocols/NAME for a shipped one, layouts/NAME for the workspace's. */
function layoutLabel(e: { source: string; name: string }): string {
  return `${e.source === 'builtin' ? 'protocols' : 'layouts'}/${e.name}`;
}

/** A monitor's counts in the target list: messages seen each way, and those lost to the monitor. */
function monitorCounters(mon: MonitorEndpoint): TargetCounters {
  const k = mon.counters();
  return {
    sent: k.tx.toString(),
    received: k.rx.toString(),
    bytesSent: '0',
    bytesReceived: '0',
    fullEvents: '0',
    txFill: 0,
    rxFill: 0,
    peerFullEvents: '0',
    dropped: k.dropped.toString(),
  };
}

export class TargetsArea implements StudioArea<typeof targetCalls> {
  readonly handlers: AreaHandlers<typeof targetCalls>;
  readonly #ctx: StudioContext;
  readonly #options: TargetsAreaOptions;
  readonly #targets: TargetsService;
  readonly #connections = new Map<string, Connection>();
  readonly #agents = new Map<string, Agent>();
  readonly #timer: NodeJS.Timeout;

  constructor(ctx: StudioContext, options: TargetsAreaOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.#targets = options.targets ?? new TargetsService();
    this.#timer = setInterval(() => {
      if ([...this.#connections.values()].some((c) => c.state === 'open')) void this.#emitTargets();
    }, TARGETS_EVERY_MS).unref();
    this.handlers = {
      listTargets: () => this.#listTargets(),
      connect: (i) => this.#connect(i.target, i.protocol),
      disconnect: (i) => this.#disconnect(i.target),
      setProtocol: async (i) => {
        if (i.protocol !== null) ctx.protocols.get(i.protocol);
        const c = this.#connections.get(i.target) ?? { target: i.target, state: 'closed' as const };
        if (i.protocol === null) delete c.protocol;
        else c.protocol = i.protocol;
        c.picked = true;
        this.#connections.set(i.target, c);
        return this.#listed(c);
      },
      createDevice: async (i) => {
        await this.#targets.createDevice(i.name);
        return this.#listTargets();
      },
      removeDevice: async (i) => {
        await this.#targets.removeDevice(i.name);
        return this.#listTargets();
      },
      addAgent: (i) => this.#addAgent(i.url, i.token, i.fingerprint),
      removeAgent: (i) => this.#removeAgent(i.url),
      listAgents: async () => [...this.#agents.values()].map((a) => a.view),
    };
  }

  /** The layout a target's messages decode with, if any. */
  layoutOf(target: string): Layout | undefined {
    const protocol = this.#connections.get(target)?.protocol;
    return protocol === undefined ? undefined : this.#ctx.protocols.get(protocol);
  }

  /** The endpoint of an open local target; throws StudioError ENOTCONN (remote and monitor targets: ENOTSUP). */
  endpointOf(target: string): Endpoint {
    const c = this.#open(target);
    if (c.monitor) throw onlyWatches(target);
    if (!c.endpoint)
      throw new StudioError({
        code: 'ENOTSUP',
        message: `${target} lives behind an agent: do this on the agent's Studio`,
      });
    return c.endpoint;
  }

  /** How to send to @target; throws StudioError ENOTCONN when it is not open. */
  sendRoute(target: string): SendRoute {
    const c = this.#open(target);
    if (c.monitor) throw onlyWatches(target);
    if (c.agent) return { api: this.#agentApi(this.#remote(target)!.agent), inner: c.agent.inner };
    return { endpoint: c.endpoint! };
  }

  // ------------------------------------------------------------ the list

  #view(c: Connection, base?: Omit<TargetView, 'state'>): TargetView {
    const parsed = base ?? {
      target: c.target,
      kind: parseTarget(c.target.startsWith('ws') ? 'ws://x:1' : c.target).kind,
      description: c.target,
    };
    const view: TargetView = { ...parsed, state: c.state };
    if (c.protocol !== undefined) view.protocol = c.protocol;
    if (c.protocolCheck !== undefined) view.protocolCheck = c.protocolCheck;
    if (c.error !== undefined) view.error = c.error;
    if (c.agent) view.agent = c.agent.url;
    if (c.endpoint && !c.endpoint.closed) {
      const k = c.endpoint.counters();
      view.counters = {
        sent: k.sent.toString(),
        received: k.received.toString(),
        bytesSent: k.bytesSent.toString(),
        bytesReceived: k.bytesReceived.toString(),
        fullEvents: k.fullEvents.toString(),
        txFill: k.txFill,
        rxFill: k.rxFill,
        peerFullEvents: k.peerFullEvents.toString(),
      };
    }
    if (c.monitor && !c.monitor.closed) view.counters = monitorCounters(c.monitor);
    return view;
  }

  /** The view of @c as the target list describes it. */
  async #listed(c: Connection): Promise<TargetView> {
    return this.#view(
      c,
      (await this.#listTargets()).find((t) => t.target === c.target),
    );
  }

  async #listTargets(): Promise<TargetView[]> {
    const local = await this.#targets.list();
    const out: TargetView[] = local.map((t) =>
      this.#view(this.#connections.get(t.target) ?? { target: t.target, state: 'closed' }, t),
    );
    for (const agent of this.#agents.values())
      for (const t of agent.targets) {
        const name = `${agent.url}/${t.target}`;
        const c = this.#connections.get(name) ?? { target: name, state: 'closed' as const };
        const base = { target: name, kind: 'remote' as const, description: `${t.description} (on ${agent.url})` };
        out.push({ ...this.#view(c, base), agent: agent.url, ...(t.counters ? { counters: t.counters } : {}) });
      }
    // Targets nothing lists (a shm:NAME peer connected by its name) are shown while connected.
    const listed = new Set(out.map((t) => t.target));
    for (const c of this.#connections.values())
      if (!listed.has(c.target) && !c.agent && c.state !== 'closed') out.push(this.#view(c));
    return out;
  }

  async #emitTargets(): Promise<void> {
    for (const agent of this.#agents.values())
      if (agent.link && agent.view.state === 'connected')
        agent.targets = await agent.link.api.listTargets({}).catch(() => agent.targets);
    this.#ctx.emit('targets', await this.#listTargets());
  }

  // ------------------------------------------------------------ connections

  #remote(target: string): { agent: Agent; inner: string } | undefined {
    for (const agent of this.#agents.values())
      if (target.startsWith(`${agent.url}/`)) return { agent, inner: target.slice(agent.url.length + 1) };
    if (/^wss?:\/\//.test(target))
      throw new StudioError({
        code: 'ENOENT',
        message: `${target}: no agent with this URL has been added (add it with its URL and token first)`,
      });
    return undefined;
  }

  async #connect(target: string, protocol: string | undefined): Promise<TargetView> {
    const existing = this.#connections.get(target);
    if (existing && (existing.state === 'open' || existing.state === 'opening'))
      throw new StudioError({ code: 'EBUSY', message: `${target} is already ${existing.state}` });
    // Asked for, else the one picked for it (even before it was connected), else the workspace's
    // settings.json, else the built-in default of a demo target.
    // A device's module may say which protocol it speaks: then the layout of that name comes next.
    // (A target behind an agent, ws://HOST:PORT/NAME, is no local target name: its agent reads its device.)
    const local = this.#remote(target) === undefined;
    const advertised = local && parseTarget(target).kind === 'device' ? await advertisedProtocol(target) : undefined;
    const known = (name: string | undefined) => (name !== undefined && this.#layoutEntry(name) ? name : undefined);
    const byDefault = (): string | undefined =>
      this.#options.settingsLayout(target) ??
      known(advertised?.name) ??
      (this.#options.defaultProtocols ?? DEMO_PROTOCOLS)[target];
    const chosen = protocol ?? (existing?.picked ? existing.protocol : byDefault());
    if (chosen !== undefined) this.#ctx.protocols.get(chosen);
    const c: Connection = {
      target,
      state: 'opening',
      ...(chosen !== undefined ? { protocol: chosen } : {}),
      ...(existing?.picked ? { picked: true } : {}),
    };
    if (advertised) {
      // Before the first message: a mismatch is said before anything decodes with the wrong layout.
      const all = this.#ctx.protocols
        .entries()
        .flatMap((e) => (e.layout ? [{ layout: e.layout, file: layoutLabel(e) }] : []));
      c.protocolCheck = checkProtocol(
        target,
        advertised,
        chosen === undefined ? undefined : this.#layoutEntry(chosen),
        all,
      );
      if (!c.protocolCheck.match) this.#ctx.emit('notice', { level: 'warning', message: c.protocolCheck.message });
    }
    this.#connections.set(target, c);
    try {
      const remote = this.#remote(target);
      if (remote) {
        c.agent = { url: remote.agent.url, inner: remote.inner };
        await this.#agentApi(remote.agent).connect({ target: remote.inner });
      } else if (parseTarget(target).kind === 'monitor') {
        c.monitor = await this.#openMonitor(target, c);
      } else {
        const ep = await Endpoint.open(target);
        c.endpoint = ep;
        ep.on('messages', (msgs) => this.#options.deliver(target, msgs));
        ep.on('down', (err) => {
          c.state = 'down';
          c.error = err.message;
          this.#ctx.emit('notice', { level: 'error', message: `${target}: ${err.message}` });
          void this.#emitTargets();
        });
      }
      c.state = 'open';
      delete c.error;
    } catch (err) {
      c.state = 'closed';
      c.error = (err as Error).message;
      void this.#emitTargets();
      throw err;
    }
    void this.#emitTargets();
    return this.#listed(c);
  }

  /** The layout of @protocol with the file it comes from, if the Studio has it. */
  #layoutEntry(protocol: string): { layout: Layout; file: string } | undefined {
    const e = this.#ctx.protocols.entries().find((x) => x.layout?.protocol === protocol);
    return e?.layout ? { layout: e.layout, file: layoutLabel(e) } : undefined;
  }

  async #disconnect(target: string): Promise<TargetView> {
    const c = this.#connections.get(target);
    if (!c || c.state === 'closed') throw new StudioError({ code: 'ENOTCONN', message: `${target} is not connected` });
    c.state = 'closed';
    if (c.agent)
      await this.#agentApi(this.#remote(target)!.agent)
        .disconnect({ target: c.agent.inner })
        .catch(() => undefined);
    await c.endpoint?.close();
    await c.monitor?.close();
    delete c.endpoint;
    delete c.monitor;
    void this.#emitTargets();
    return this.#listed(c);
  }

  async #openMonitor(target: string, c: Connection): Promise<MonitorEndpoint> {
    if (!this.#targets.monitors)
      throw new StudioError({
        code: 'EACCES',
        message: `${target}: this agent offers no monitor targets (watching other programs' links is offered only by an agent started with --monitor-targets)`,
      });
    const mon = await MonitorEndpoint.open(target);
    mon.on('messages', (msgs) => this.#options.deliver(target, msgs));
    mon.on('down', (err) => {
      c.state = 'down';
      c.error = err.message;
      this.#ctx.emit('notice', { level: 'warning', message: `${target}: ${err.message}` });
      void this.#emitTargets();
    });
    return mon;
  }

  #open(target: string): Connection {
    const c = this.#connections.get(target);
    if (!c || c.state !== 'open') {
      const why = c?.state === 'down' ? `down (${c.error ?? 'link lost'})` : 'not connected';
      throw new StudioError({ code: 'ENOTCONN', message: `${target} is ${why}: connect it first` });
    }
    return c;
  }

  // ------------------------------------------------------------ agents

  #agentApi(agent: Agent): AgentApi {
    if (!agent.link || agent.view.state !== 'connected')
      throw new StudioError({
        code: 'ENOTCONN',
        message: `agent ${agent.url} is not connected${agent.view.error ? `: ${agent.view.error}` : ''}`,
      });
    return agent.link.api;
  }

  async #addAgent(given: string, token: string, fingerprint: string | undefined): Promise<AgentView> {
    const url = given.replace(/\/$/, '');
    if (this.#agents.has(url)) throw new StudioError({ code: 'EEXIST', message: `agent ${url} is already added` });
    const link = await connectAgent(url, token, fingerprint);
    const view: AgentView = { url, state: 'connected', ...(link.fingerprint ? { fingerprint: link.fingerprint } : {}) };
    const agent: Agent = { url, link, targets: [], view };
    this.#agents.set(url, agent);
    link.api.on('messages', ({ target, messages }) =>
      this.#options.deliver(`${url}/${target}`, messages.map(messageFromJson)),
    );
    void link.api.closed.then(({ reason }) => {
      if (!this.#agents.has(url)) return;
      agent.view = { ...agent.view, state: 'down', error: `the connection closed${reason ? `: ${reason}` : ''}` };
      for (const c of this.#connections.values())
        if (c.agent?.url === url && c.state === 'open') Object.assign(c, { state: 'down', error: agent.view.error });
      this.#ctx.emit('notice', { level: 'error', message: `agent ${url}: ${agent.view.error}` });
      void this.#emitTargets();
    });
    agent.targets = await link.api.listTargets({});
    void this.#emitTargets();
    return agent.view;
  }

  async #removeAgent(url: string): Promise<AgentView[]> {
    const key = url.replace(/\/$/, '');
    const agent = this.#agents.get(key);
    if (!agent) throw new StudioError({ code: 'ENOENT', message: `no agent ${key} was added` });
    this.#agents.delete(key);
    agent.link?.api.close();
    for (const [name, c] of this.#connections) if (c.agent?.url === key) this.#connections.delete(name);
    void this.#emitTargets();
    return [...this.#agents.values()].map((a) => a.view);
  }

  /** Closes every target and agent link. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const agent of this.#agents.values()) agent.link?.api.close();
    this.#agents.clear();
    await Promise.all([...this.#connections.values()].map((c) => c.endpoint?.close() ?? c.monitor?.close()));
    this.#connections.clear();
  }
}
