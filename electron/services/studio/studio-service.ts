// The Studio API implemented on the services: one area per part of the API
// (electron/shared/api/), each a class in the folder of its feature, given
// what it may use of the others through a StudioContext. Transports call the
// handlers through dispatch(); the areas emit the API's events through this
// service (batched: a few per second at most).
import { EventEmitter } from 'node:events';
import type { Message } from '../../shared/message.ts';
import { StudioError, type StudioEvents, type StudioHandlers } from '../../shared/studio-api.ts';
import { StateStore } from '../workspace/state-store.ts';
import { readSettings } from '../workspace/settings.ts';
import { Workspace } from '../workspace/workspace.ts';
import { AnalysisArea, isLiveSource } from './analysis/analysis-area.ts';
import { CapturesArea } from './captures/captures-area.ts';
import { CollectionsArea } from './collections/collections-area.ts';
import { ComposerArea } from './composer/composer-area.ts';
import { LayoutsArea } from './layouts/layouts-area.ts';
import { ProtocolRegistry } from './protocols.ts';
import { ReplayArea } from './replay/replay-area.ts';
import { RulesArea } from './rules/rules-area.ts';
import { FuzzArea } from './fuzz/fuzz-area.ts';
import { ScriptsArea } from './scripts/scripts-area.ts';
import type { StudioContext } from './studio-context.ts';
import { TargetsArea } from './targets/targets-area.ts';
import { TargetsService } from './targets/targets.ts';
import { TrafficArea } from './traffic/traffic-area.ts';
import type { TrafficStore } from './traffic/traffic-store.ts';
import type { TrafficViews } from './traffic/traffic-views.ts';
import { WorkspaceArea } from './workspace/workspace-area.ts';
import { TestsArea } from './tests/tests-area.ts';
import { STUDIO_VERSION } from '../version.ts';

type Events = { [E in keyof StudioEvents]: [StudioEvents[E]] };

export interface StudioServiceOptions {
  mode: 'electron' | 'serve' | 'agent';
  /** The target offered first (serve and electron: demo:echo). */
  defaultTarget?: string;
  targets?: TargetsService;
  /** An agent offers monitor targets (other programs' links) only when this is set (its --monitor-targets); serve and electron always do. */
  monitorTargets?: boolean;
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

export class StudioService extends EventEmitter<Events> {
  readonly handlers: StudioHandlers;
  readonly #options: StudioServiceOptions;
  readonly #protocols: ProtocolRegistry;
  #workspace: Workspace | undefined;
  readonly #messageListeners = new Set<(target: string, messages: readonly Message[]) => void>();
  readonly trafficArea: TrafficArea;
  readonly analysisArea: AnalysisArea;
  readonly targetsArea: TargetsArea;
  readonly composerArea: ComposerArea;
  readonly collectionsArea: CollectionsArea;
  readonly workspaceArea: WorkspaceArea;
  readonly layoutsArea: LayoutsArea;
  readonly capturesArea: CapturesArea;
  readonly replayArea: ReplayArea;
  readonly scriptsArea: ScriptsArea;
  readonly testsArea: TestsArea;
  readonly rulesArea: RulesArea;
  readonly fuzzArea: FuzzArea;

  constructor(options: StudioServiceOptions) {
    super();
    this.#options = options;
    this.#protocols = options.protocols ?? new ProtocolRegistry({ workspaceDir: () => this.#workspace?.dir });
    if (options.workspaceDir !== undefined) this.#workspace = new Workspace(options.workspaceDir);
    this.collectionsArea = new CollectionsArea(this.#workspace?.collectionsFile ?? options.collectionsFile);
    // Traffic and targets need each other (rows decode with their target's layout; messages land in the store):
    // each reaches the other through a function called only once both exist.
    this.trafficArea = new TrafficArea({
      mode: options.mode,
      emit: this.#emit,
      layoutOf: (target) => this.targetsArea.layoutOf(target),
      layouts: () => this.#protocols.entries().flatMap((e) => (e.layout ? [e.layout] : [])),
      sentBy: (m) => this.rulesArea.sentBy(m),
      capture: (name) => {
        const capture = this.capturesArea.source(name);
        return { rows: capture, views: capture.views };
      },
    });
    this.analysisArea = new AnalysisArea({
      source: (name) => {
        if (isLiveSource(name)) return { rows: this.trafficArea.store, views: this.trafficArea.views };
        const capture = this.capturesArea.source(name!);
        return { rows: capture, views: capture.views };
      },
      layoutOf: (target) => this.targetsArea.layoutOf(target),
    });
    const ctx = this.#context();
    this.targetsArea = new TargetsArea(ctx, {
      targets:
        options.targets ??
        new TargetsService({ monitors: options.mode !== 'agent' || options.monitorTargets === true }),
      ...(options.defaultProtocols ? { defaultProtocols: options.defaultProtocols } : {}),
      settingsLayout: (target) => this.#settingsLayout(target),
      deliver: (target, messages) => {
        for (const listener of this.#messageListeners) listener(target, messages);
        this.trafficArea.ingest(target, messages);
      },
    });
    this.composerArea = new ComposerArea(ctx, (target) => this.targetsArea.sendRoute(target));
    this.workspaceArea = new WorkspaceArea(ctx);
    this.layoutsArea = new LayoutsArea(ctx);
    this.capturesArea = new CapturesArea(ctx);
    this.replayArea = new ReplayArea(ctx);
    this.scriptsArea = new ScriptsArea(ctx);
    this.testsArea = new TestsArea(ctx);
    this.rulesArea = new RulesArea(ctx);
    this.fuzzArea = new FuzzArea(ctx);
    this.handlers = {
      hello: async () => ({
        mode: options.mode,
        version: STUDIO_VERSION,
        ...(options.defaultTarget ? { defaultTarget: options.defaultTarget } : {}),
      }),
      ...this.targetsArea.handlers,
      ...this.composerArea.handlers,
      ...this.collectionsArea.handlers,
      ...this.trafficArea.handlers,
      ...this.analysisArea.handlers,
      ...this.workspaceArea.handlers,
      ...this.layoutsArea.handlers,
      ...this.capturesArea.handlers,
      ...this.replayArea.handlers,
      ...this.scriptsArea.handlers,
      ...this.testsArea.handlers,
      ...this.rulesArea.handlers,
      ...this.fuzzArea.handlers,
    };
  }

  /** The live traffic store: every message of every open target. */
  get store(): TrafficStore {
    return this.trafficArea.store;
  }

  /** The filtered views over the live store. */
  get views(): TrafficViews {
    return this.trafficArea.views;
  }

  readonly #emit: StudioContext['emit'] = (event, payload) => {
    (this.emit as (e: string, p: unknown) => boolean)(event, payload);
  };

  /** What the areas may use of this service. */
  #context(): StudioContext {
    const collections = this.collectionsArea.collections;
    return {
      mode: this.#options.mode,
      emit: this.#emit,
      protocols: this.#protocols,
      workspace: () => {
        if (!this.#workspace)
          throw new StudioError({
            code: 'ENOENT',
            message: 'no workspace is open: open a folder as the workspace first',
          });
        return this.#workspace;
      },
      setWorkspace: (workspace) => {
        this.#workspace = workspace;
        collections.switchTo(workspace.collectionsFile);
      },
      reloadCollections: () => {
        collections.reload();
        return collections.error;
      },
      state: this.#options.state ?? new StateStore(),
      store: this.trafficArea.store,
      views: this.trafficArea.views,
      endpointOf: (target) => this.targetsArea.endpointOf(target),
      layoutOf: (target) => this.targetsArea.layoutOf(target),
      onMessages: (listener) => {
        this.#messageListeners.add(listener);
        return () => this.#messageListeners.delete(listener);
      },
    };
  }

  /** The layout settings.json names for @target (a settings file with errors is reported when it changes, and not taken). */
  #settingsLayout(target: string): string | undefined {
    if (!this.#workspace) return undefined;
    const { settings, errors } = readSettings(this.#workspace.settingsFile);
    return errors.length === 0 ? settings.defaultLayouts?.[target] : undefined;
  }

  /** Closes every area: scripts, replays and captures first, then periodic sends, targets and agents. */
  async close(): Promise<void> {
    await Promise.all(
      [
        this.fuzzArea,
        this.rulesArea,
        this.scriptsArea,
        this.replayArea,
        this.capturesArea,
        this.layoutsArea,
        this.workspaceArea,
      ].map((a) => a.close()),
    );
    await Promise.all(
      [this.composerArea, this.collectionsArea, this.trafficArea, this.analysisArea, this.targetsArea].map((a) =>
        a.close(),
      ),
    );
  }
}
