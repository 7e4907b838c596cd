// The Studio API implemented on the services: targets (local and behind
// remote agents), sending, the traffic store with its filtered views, the
// rate series and collections. Transports call it through dispatch(); it
// emits the API's events (batched: a few per second at most).
import { EventEmitter } from 'node:events';
import type { Message } from '../../shared/message.ts';
import { messageFromJson, messageToJson, base64ToBytes, bytesToBase64 } from '../../shared/message.ts';
import {
  StudioError,
  type AgentView,
  type CallParsed,
  type CallResult,
  type StudioEvents,
  type StudioHandlers,
  type TargetView,
} from '../../shared/studio-api.ts';
import { parseTarget } from '../../shared/target.ts';
import { Endpoint } from '../endpoint.ts';
import { TargetsService } from './targets/targets.ts';
import { messageBytes } from '../capture/diff.ts';
import { decodeMessage, HEADER_SIZE } from '../protocol/decode.ts';
import { encodeMessage } from '../protocol/encode.ts';
import type { Layout } from '../protocol/layout.ts';
import type { Decoded } from '../protocol/values.ts';
import { connectAgent } from './targets/agent-link.ts';
import { Collections } from './collections/collections.ts';
import { decodedJson } from './message-view.ts';
import { ProtocolRegistry } from './protocols.ts';
import { RateSeries } from './traffic/rate-series.ts';
import { TrafficStore } from './traffic/traffic-store.ts';
import { decodeRow, filterRowReader, rowView, type TrafficRows } from './traffic/traffic-rows.ts';
import { ALL_VIEW, TrafficViews } from './traffic/traffic-views.ts';
import { structFromJson } from './values-from-json.ts';
import { StateStore } from '../workspace/state-store.ts';
import { readSettings } from '../workspace/settings.ts';
import { Workspace } from '../workspace/workspace.ts';
import { CapturesArea } from './captures/captures-area.ts';
import { LayoutsArea } from './layouts/layouts-area.ts';
import { ReplayArea } from './replay/replay-area.ts';
import { ScriptsArea } from './scripts/scripts-area.ts';
import { WorkspaceArea } from './workspace/workspace-area.ts';
import type { StudioContext } from './studio-context.ts';
import { STUDIO_VERSION } from '../version.ts';

const FLUSH_MS = 100;
/** The `source` of Traffic's calls that reads the traffic store. */
const LIVE_SOURCE = 'live';
/** The demo peers speak the protocols of the modules they stand in for. */
const DEMO_PROTOCOLS: Record<string, string> = { 'demo:echo': 'echo', 'demo:longtest': 'longtest' };
const TARGETS_EVERY_MS = 1000;

type Events = { [E in keyof StudioEvents]: [StudioEvents[E]] };

export interface StudioServiceOptions {
  mode: 'electron' | 'serve' | 'agent';
  /** The target offered first (serve and electron: demo:echo). */
  defaultTarget?: string;
  targets?: TargetsService;
  protocols?: ProtocolRegistry;
  /** The workspace folder (layouts, scripts, captures, collections); none: collections in memory only, or in collectionsFile. */
  workspaceDir?: string;
  /** Where collections are saved without a workspace; in memory only when absent. */
  collectionsFile?: string;
  /** Protocol a target decodes with until told otherwise; default: demo:echo -> echo, demo:longtest -> longtest. */
  defaultProtocols?: Record<string, string>;
  /** What this machine remembers between runs (STATE-DIR/state.json); none: kept in memory only. */
  state?: StateStore;
}

interface Connection {
  target: string;
  state: TargetView['state'];
  protocol?: string;
  error?: string;
  endpoint?: Endpoint;
  /** Remote targets: the agent and the target's name there. */
  agent?: { url: string; inner: string };
}

interface Agent {
  url: string;
  view: AgentView;
  link?: Awaited<ReturnType<typeof connectAgent>>;
  targets: TargetView[];
}

export class StudioService extends EventEmitter<Events> {
  readonly store = new TrafficStore();
  readonly views: TrafficViews;
  readonly rateSeries = new RateSeries();
  readonly handlers: StudioHandlers;
  readonly #options: StudioServiceOptions;
  readonly #targets: TargetsService;
  readonly #protocols: ProtocolRegistry;
  readonly #collections: Collections;
  #workspace: Workspace | undefined;
  readonly #messageListeners = new Set<(target: string, messages: readonly Message[]) => void>();
  readonly workspaceArea: WorkspaceArea;
  readonly layoutsArea: LayoutsArea;
  readonly capturesArea: CapturesArea;
  readonly replayArea: ReplayArea;
  readonly scriptsArea: ScriptsArea;
  readonly #connections = new Map<string, Connection>();
  readonly #agents = new Map<string, Agent>();
  readonly #periodic = new Map<string, { timer: NodeJS.Timeout; sent: number }>();
  #nextPeriodic = 1;
  /** Agent mode: messages not yet sent on as 'messages' events, by target. */
  #outgoing = new Map<string, Message[]>();
  #pendingRx = 0;
  #pendingTx = 0;
  #lastTotals = '';
  #flushTimer: NodeJS.Timeout;
  #targetsTimer: NodeJS.Timeout;
  #rateSecond = Math.floor(Date.now() / 1000);

  constructor(options: StudioServiceOptions) {
    super();
    this.#options = options;
    this.#targets = options.targets ?? new TargetsService();
    this.#protocols = options.protocols ?? new ProtocolRegistry({ workspaceDir: () => this.#workspace?.dir });
    if (options.workspaceDir !== undefined) this.#workspace = new Workspace(options.workspaceDir);
    this.#collections = new Collections(this.#workspace?.collectionsFile ?? options.collectionsFile);
    this.views = new TrafficViews(this.store, () => filterRowReader(this.store, (target) => this.#layoutOf(target)));
    this.#flushTimer = setInterval(() => this.#flush(), FLUSH_MS).unref();
    this.#targetsTimer = setInterval(() => {
      if ([...this.#connections.values()].some((c) => c.state === 'open')) void this.#emitTargets();
    }, TARGETS_EVERY_MS).unref();
    const ctx = this.#context();
    this.workspaceArea = new WorkspaceArea(ctx);
    this.layoutsArea = new LayoutsArea(ctx);
    this.capturesArea = new CapturesArea(ctx);
    this.replayArea = new ReplayArea(ctx);
    this.scriptsArea = new ScriptsArea(ctx);
    this.handlers = this.#makeHandlers();
  }

  /** What the areas may use of this service. */
  #context(): StudioContext {
    return {
      mode: this.#options.mode,
      emit: (event, payload) => (this.emit as (e: string, p: unknown) => boolean)(event, payload),
      protocols: this.#protocols,
      workspace: () => {
        if (!this.#workspace) throw new StudioError({ code: 'ENOENT', message: 'no workspace is open: open a folder as the workspace first' });
        return this.#workspace;
      },
      setWorkspace: (workspace) => {
        this.#workspace = workspace;
        this.#collections.switchTo(workspace.collectionsFile);
      },
      reloadCollections: () => {
        this.#collections.reload();
        return this.#collections.error;
      },
      state: this.#options.state ?? new StateStore(),
      store: this.store,
      views: this.views,
      endpointOf: (target) => {
        const c = this.#open(target);
        if (!c.endpoint) throw new StudioError({ code: 'ENOTSUP', message: `${target} lives behind an agent: do this on the agent's Studio` });
        return c.endpoint;
      },
      layoutOf: (target) => this.#layoutOf(target),
      onMessages: (listener) => {
        this.#messageListeners.add(listener);
        return () => this.#messageListeners.delete(listener);
      },
    };
  }

  // ------------------------------------------------------------ incoming

  #onMessages(target: string, msgs: Message[]): void {
    for (const listener of this.#messageListeners) listener(target, msgs);
    const index = this.store.targetIndex(target);
    const keep = this.#options.mode !== 'agent';
    for (const m of msgs) {
      if (keep) this.store.appendFields(index, m.direction, m.timestampNs, m.type, m.id, m.userValue, m.data);
      if (m.direction === 'rx') this.#pendingRx++;
      else this.#pendingTx++;
    }
    if (!keep) {
      const out = this.#outgoing.get(target) ?? [];
      // The batch's data are views into addon memory reused later: copy.
      for (const m of msgs) out.push({ ...m, data: Uint8Array.from(m.data) });
      this.#outgoing.set(target, out);
    }
  }

  #flush(): void {
    this.rateSeries.count(this.#pendingRx, this.#pendingTx);
    this.#pendingRx = 0;
    this.#pendingTx = 0;
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.#rateSecond) {
      const last = this.rateSeries.points(2)[0];
      this.#rateSecond = second;
      if (last && (last.rx > 0 || last.tx > 0)) this.emit('rate', last);
    }
    for (const [target, messages] of this.#outgoing) this.emit('messages', { target, messages: messages.map(messageToJson) });
    this.#outgoing.clear();
    this.views.update();
    const views = this.views.totals();
    // The store total too: while paused the views stand still but the store grows.
    const key = JSON.stringify([this.store.total, views, this.views.paused]);
    if (key === this.#lastTotals) return;
    this.#lastTotals = key;
    this.emit('traffic', { total: this.store.total, views, paused: this.views.paused });
  }

  // ------------------------------------------------------------ rows

  #layoutOf(target: string): Layout | undefined {
    const protocol = this.#connections.get(target)?.protocol;
    return protocol === undefined ? undefined : this.#protocols.get(protocol);
  }

  /** Where Traffic's calls read rows: the live store, or a capture opened into Traffic. */
  #source(name = LIVE_SOURCE): { rows: TrafficRows; views: TrafficViews } {
    if (name === LIVE_SOURCE) return { rows: this.store, views: this.views };
    const capture = this.capturesArea.source(name);
    return { rows: capture, views: capture.views };
  }

  // ------------------------------------------------------------ targets

  #view(c: Connection, base?: Omit<TargetView, 'state'>): TargetView {
    const parsed = base ?? { target: c.target, kind: parseTarget(c.target.startsWith('ws') ? 'ws://x:1' : c.target).kind, description: c.target };
    const view: TargetView = { ...parsed, state: c.state };
    if (c.protocol !== undefined) view.protocol = c.protocol;
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
    return view;
  }

  async #listTargets(): Promise<TargetView[]> {
    const local = await this.#targets.list();
    const out: TargetView[] = local.map((t) => this.#view(this.#connections.get(t.target) ?? { target: t.target, state: 'closed' }, t));
    for (const agent of this.#agents.values())
      for (const t of agent.targets) {
        const name = `${agent.url}/${t.target}`;
        const c = this.#connections.get(name) ?? { target: name, state: 'closed' as const };
        out.push({ ...this.#view(c, { target: name, kind: 'remote', description: `${t.description} (on ${agent.url})` }), agent: agent.url, ...(t.counters ? { counters: t.counters } : {}) });
      }
    // Targets nothing lists (a shm:NAME peer connected by its name) are shown while connected.
    const listed = new Set(out.map((t) => t.target));
    for (const c of this.#connections.values())
      if (!listed.has(c.target) && !c.agent && c.state !== 'closed') out.push(this.#view(c));
    return out;
  }

  async #emitTargets(): Promise<void> {
    for (const agent of this.#agents.values())
      if (agent.link && agent.view.state === 'connected') agent.targets = await agent.link.api.listTargets({}).catch(() => agent.targets);
    this.emit('targets', await this.#listTargets());
  }

  #remote(target: string): { agent: Agent; inner: string } | undefined {
    for (const agent of this.#agents.values())
      if (target.startsWith(`${agent.url}/`)) return { agent, inner: target.slice(agent.url.length + 1) };
    if (/^wss?:\/\//.test(target))
      throw new StudioError({ code: 'ENOENT', message: `${target}: no agent with this URL has been added (add it with its URL and token first)` });
    return undefined;
  }

  async #connect(target: string, protocol: string | undefined): Promise<TargetView> {
    const existing = this.#connections.get(target);
    if (existing && (existing.state === 'open' || existing.state === 'opening'))
      throw new StudioError({ code: 'EBUSY', message: `${target} is already ${existing.state}` });
    // Asked for, else the workspace's settings.json, else the built-in default of a demo target.
    const chosen = protocol ?? this.#settingsLayout(target) ?? (this.#options.defaultProtocols ?? DEMO_PROTOCOLS)[target];
    if (chosen !== undefined) this.#protocols.get(chosen);
    const c: Connection = { target, state: 'opening', ...(chosen !== undefined ? { protocol: chosen } : {}) };
    this.#connections.set(target, c);
    try {
      const remote = this.#remote(target);
      if (remote) {
        c.agent = { url: remote.agent.url, inner: remote.inner };
        await this.#agentApi(remote.agent).connect({ target: remote.inner });
      } else {
        const ep = await Endpoint.open(target);
        c.endpoint = ep;
        ep.on('messages', (msgs) => this.#onMessages(target, msgs));
        ep.on('down', (err) => {
          c.state = 'down';
          c.error = err.message;
          this.emit('notice', { level: 'error', message: `${target}: ${err.message}` });
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
    return this.#view(c, (await this.#listTargets()).find((t) => t.target === target));
  }

  /** The layout settings.json names for @target (a settings file with errors is reported when it changes, and not taken). */
  #settingsLayout(target: string): string | undefined {
    if (!this.#workspace) return undefined;
    const { settings, errors } = readSettings(this.#workspace.settingsFile);
    return errors.length === 0 ? settings.defaultLayouts?.[target] : undefined;
  }

  async #disconnect(target: string): Promise<TargetView> {
    const c = this.#connections.get(target);
    if (!c || c.state === 'closed') throw new StudioError({ code: 'ENOTCONN', message: `${target} is not connected` });
    c.state = 'closed';
    if (c.agent) await this.#agentApi(this.#remote(target)!.agent).disconnect({ target: c.agent.inner }).catch(() => undefined);
    await c.endpoint?.close();
    delete c.endpoint;
    void this.#emitTargets();
    return this.#view(c, (await this.#listTargets()).find((t) => t.target === target));
  }

  #open(target: string): Connection {
    const c = this.#connections.get(target);
    if (!c || c.state !== 'open')
      throw new StudioError({ code: 'ENOTCONN', message: `${target} is ${c?.state === 'down' ? `down (${c.error ?? 'link lost'})` : 'not connected'}: connect it first` });
    return c;
  }

  // ------------------------------------------------------------ sending

  #encode(input: CallParsed<'encode'>): { bytes: Uint8Array; decoded: Decoded | undefined } {
    const header = { type: BigInt(input.header.type), id: BigInt(input.header.id), user_value: BigInt(input.header.userValue) };
    if (input.body.format === 'raw') {
      const data = base64ToBytes(input.body.data);
      const bytes = messageBytes({ direction: 'tx', timestampNs: 0n, length: BigInt(data.length), type: header.type, id: header.id, userValue: header.user_value, data });
      return { bytes, decoded: undefined };
    }
    const layout = this.#protocols.get(input.body.protocol);
    const kindName = input.body.kind;
    const kind = kindName === undefined ? undefined : layout.messages.find((m) => m.name === kindName);
    if (kindName !== undefined && !kind)
      throw new StudioError({ code: 'EINVAL_INPUT', message: `protocol ${layout.protocol} has no message kind "${kindName}": its kinds are ${layout.messages.map((m) => m.name).join(', ')}` });
    const struct = (kind ?? layout.messages.find((m) => Object.entries(m.when).every(([k, v]) => header[k as keyof typeof header] === v)))?.struct;
    const fields = struct ? structFromJson(struct, input.body.fields) : {};
    const bytes = encodeMessage(layout, header, fields, kindName);
    return { bytes, decoded: decodeMessage(layout, bytes) };
  }

  async #send(input: CallParsed<'send'>): Promise<number> {
    const c = this.#open(input.target);
    if (c.agent) {
      const { sent } = await this.#agentApi(this.#remote(input.target)!.agent).send({ ...input, target: c.agent.inner });
      return sent;
    }
    const { bytes } = this.#encode(input);
    const header = { type: BigInt(input.header.type), id: BigInt(input.header.id), userValue: BigInt(input.header.userValue) };
    const data = bytes.subarray(HEADER_SIZE);
    if (input.count === 1) {
      c.endpoint!.send(header, data);
      return 1;
    }
    return c.endpoint!.sendBurst(input.count, header, data);
  }

  // ------------------------------------------------------------ agents

  #agentApi(agent: Agent): NonNullable<Agent['link']>['api'] {
    if (!agent.link || agent.view.state !== 'connected')
      throw new StudioError({ code: 'ENOTCONN', message: `agent ${agent.url} is not connected${agent.view.error ? `: ${agent.view.error}` : ''}` });
    return agent.link.api;
  }

  async #addAgent(input: CallParsed<'addAgent'>): Promise<AgentView> {
    const url = input.url.replace(/\/$/, '');
    if (this.#agents.has(url)) throw new StudioError({ code: 'EEXIST', message: `agent ${url} is already added` });
    const link = await connectAgent(url, input.token, input.fingerprint);
    const agent: Agent = { url, link, targets: [], view: { url, state: 'connected', ...(link.fingerprint ? { fingerprint: link.fingerprint } : {}) } };
    this.#agents.set(url, agent);
    link.api.on('messages', ({ target, messages }) => this.#onMessages(`${url}/${target}`, messages.map(messageFromJson)));
    void link.api.closed.then(({ reason }) => {
      if (!this.#agents.has(url)) return;
      agent.view = { ...agent.view, state: 'down', error: `the connection closed${reason ? `: ${reason}` : ''}` };
      for (const c of this.#connections.values()) if (c.agent?.url === url && c.state === 'open') Object.assign(c, { state: 'down', error: agent.view.error });
      this.emit('notice', { level: 'error', message: `agent ${url}: ${agent.view.error}` });
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

  // ------------------------------------------------------------ the table

  #makeHandlers(): StudioHandlers {
    const h: { [K in keyof StudioHandlers]: (input: CallParsed<K>) => Promise<CallResult<K>> } = {
      hello: async () => ({ mode: this.#options.mode, version: STUDIO_VERSION, ...(this.#options.defaultTarget ? { defaultTarget: this.#options.defaultTarget } : {}) }),
      listTargets: () => this.#listTargets(),
      connect: (i) => this.#connect(i.target, i.protocol),
      disconnect: (i) => this.#disconnect(i.target),
      setProtocol: async (i) => {
        if (i.protocol !== null) this.#protocols.get(i.protocol);
        const c = this.#connections.get(i.target) ?? { target: i.target, state: 'closed' as const };
        if (i.protocol === null) delete c.protocol;
        else c.protocol = i.protocol;
        this.#connections.set(i.target, c);
        return this.#view(c, (await this.#listTargets()).find((t) => t.target === i.target));
      },
      createDevice: async (i) => {
        await this.#targets.createDevice(i.name);
        return this.#listTargets();
      },
      removeDevice: async (i) => {
        await this.#targets.removeDevice(i.name);
        return this.#listTargets();
      },
      addAgent: (i) => this.#addAgent(i),
      removeAgent: (i) => this.#removeAgent(i.url),
      listAgents: async () => [...this.#agents.values()].map((a) => a.view),
      listProtocols: async () => this.#protocols.list(),
      encode: async (i) => {
        const { bytes, decoded } = this.#encode(i);
        return { bytes: bytesToBase64(bytes), decoded: decoded ? decodedJson(decoded) : { tree: [] } };
      },
      send: async (i) => ({ sent: await this.#send(i) }),
      startPeriodic: async (i) => {
        const first = await this.#send({ ...i, count: 1 });
        const id = `p${this.#nextPeriodic++}`;
        const entry = {
          sent: first,
          timer: setInterval(() => {
            this.#send({ ...i, count: 1 }).then(
              (n) => (entry.sent += n),
              (err: Error) => {
                clearInterval(entry.timer);
                this.#periodic.delete(id);
                this.emit('notice', { level: 'error', message: `periodic send to ${i.target} stopped after ${entry.sent}: ${err.message}` });
              },
            );
          }, i.periodMs),
        };
        this.#periodic.set(id, entry);
        return { periodic: id };
      },
      stopPeriodic: async (i) => {
        const p = this.#periodic.get(i.periodic);
        if (!p) throw new StudioError({ code: 'ENOENT', message: `no periodic send "${i.periodic}" is running` });
        clearInterval(p.timer);
        this.#periodic.delete(i.periodic);
        return { sent: p.sent };
      },
      listCollections: async () => this.#collections.list(),
      saveMessage: async (i) => this.#collections.save(i.collection, i.message),
      removeMessage: async (i) => this.#collections.remove(i.collection, i.name),
      window: async (i) => {
        const { rows, views } = this.#source(i.source);
        const layoutFor = (target: string): Layout | undefined => this.#layoutOf(target);
        return { view: i.view, total: views.total(i.view), start: i.start, rows: views.rows(i.view, i.start, i.count).map((r) => rowView(rows, layoutFor, r)) };
      },
      setFilter: async (i) => {
        const { views } = this.#source(i.source);
        const started = performance.now();
        const view = i.expression.trim() === '' ? ALL_VIEW : await views.create(i.expression);
        return { view, total: views.total(view), ms: performance.now() - started };
      },
      detail: async (i) => {
        const { rows } = this.#source(i.source);
        if (i.row >= rows.total)
          throw new StudioError({ code: 'ENOENT', message: `row ${i.row} is not stored (${i.source === undefined || i.source === LIVE_SOURCE ? 'the store holds' : `${i.source} has`} ${rows.total} rows)` });
        const layoutFor = (target: string): Layout | undefined => this.#layoutOf(target);
        const m = rows.get(i.row);
        const decoded = decodeRow(rows, layoutFor, i.row);
        return { row: rowView(rows, layoutFor, i.row), message: messageToJson(m), bytes: bytesToBase64(messageBytes(m)), ...(decoded ? { decoded: decodedJson(decoded) } : {}) };
      },
      pause: async () => {
        this.views.pause();
        this.#flush();
        return { total: this.store.total };
      },
      resume: async () => {
        this.views.resume();
        this.#flush();
        return { total: this.store.total };
      },
      clear: async () => {
        this.store.clear();
        this.views.reset();
        this.#flush();
        return { total: 0 };
      },
      rate: async (i) => this.rateSeries.points(i.seconds),
      ...this.workspaceArea.handlers,
      ...this.layoutsArea.handlers,
      ...this.capturesArea.handlers,
      ...this.replayArea.handlers,
      ...this.scriptsArea.handlers,
    };
    return h;
  }

  /** Closes every target, agent and periodic send. */
  async close(): Promise<void> {
    await Promise.all([this.scriptsArea, this.replayArea, this.capturesArea, this.layoutsArea, this.workspaceArea].map((a) => a.close()));
    clearInterval(this.#flushTimer);
    clearInterval(this.#targetsTimer);
    for (const p of this.#periodic.values()) clearInterval(p.timer);
    this.#periodic.clear();
    for (const agent of this.#agents.values()) agent.link?.api.close();
    this.#agents.clear();
    await Promise.all([...this.#connections.values()].map((c) => c.endpoint?.close()));
    this.#connections.clear();
  }
}
