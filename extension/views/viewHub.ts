// Feeds every open view (the Layer Sparsity sidebar, the dashboard) from the run in focus. It keeps a
// RunViewModel per run, so a view that loads, reloads or shows again gets the whole run in one
// snapshot; while it is visible it gets the deltas as the engine's messages arrive. A hidden view is
// sent nothing (VS Code drops messages to a hidden view that is not retained) and is marked stale.
// No vscode here: the views are plain channels and the commands a callback, so it is tested alone.
import * as path from 'node:path';
import type { EngineMessage } from '../../engine/protocol/engineProtocol';
import type {
  Comparison,
  ComparisonFormat,
  ControlCommand,
  FromViewMessage,
  MaskBitmap,
  RunRef,
  RunStatusView,
  ToViewMessage,
} from '../../webview/protocol/viewProtocol';
import type { ManagedRun, RunManager } from '../run/runManager';
import { loadRunHistory, type LoadedRunHistory } from './runHistoryFile';
import { RunViewModel, statusView } from './runViewModel';

export interface ViewChannel {
  readonly kind: 'sidebar' | 'dashboard';
  readonly visible: boolean;
  post(message: ToViewMessage): void;
}

export interface ViewHubEnvironment {
  folderName(folderKey: string): string;
  canStart(): boolean;
  runCommand(command: ControlCommand): void;
  /** Opens (or reveals) the dashboard; the hub then selects `layer` in it. */
  openDashboard(): void;
  readMask(file: string, layer: string, kind: string, step: number | null): Promise<MaskBitmap | null>;
  onError(message: string): void;
  /** Asks where, and writes the dashboard's export of the comparison there. */
  saveComparison(format: ComparisonFormat, content: string): void;
  /** Reads a past run from its folder; loadRunHistory unless a test replaces it. */
  loadRun?(ref: RunRef): Promise<LoadedRunHistory>;
}

/** A past run the dashboard shows instead of the focused one, read from its folder. */
interface PinnedRun {
  ref: RunRef;
  loaded: LoadedRunHistory | undefined;
}

interface ChannelState {
  ready: boolean;
  stale: boolean;
  selectedLayer: string | undefined;
  lastStatus: string;
}

export class ViewHub {
  private readonly models = new WeakMap<ManagedRun, RunViewModel>();
  /** Messages of a resumed run that came while its history before the resume was being read. */
  private readonly queued = new WeakMap<ManagedRun, EngineMessage[]>();
  private readonly latestSnapshot = new WeakMap<ManagedRun, string>();
  private readonly channels = new Map<ViewChannel, ChannelState>();
  private shown: ManagedRun | undefined;
  /** A layer the sidebar asked for before the dashboard was ready. */
  private pendingLayer: string | undefined;
  /** Set while the dashboard shows a past run; cleared when it follows the focused run again. */
  private pinned: PinnedRun | undefined;
  private readonly listeners: [string, (...args: never[]) => void][] = [];
  /** What the dashboard's comparison card shows; it spans runs, so it is kept apart from them. */
  private comparison: Comparison | null = null;

  constructor(
    private readonly manager: RunManager,
    private readonly env: ViewHubEnvironment,
  ) {
    const onMessage = (run: ManagedRun, message: EngineMessage) => this.onEngineMessage(run, message);
    const onChanged = () => this.onChanged();
    manager.on('message', onMessage);
    manager.on('changed', onChanged);
    this.listeners.push(['message', onMessage], ['changed', onChanged]);
  }

  modelOf(run: ManagedRun): RunViewModel {
    let model = this.models.get(run);
    if (!model) {
      model = new RunViewModel();
      this.models.set(run, model);
    }
    return model;
  }

  /** The run the dashboard shows now, if it has a folder (what its saved state remembers). */
  get dashboardRun(): RunRef | undefined {
    return this.pinned?.ref ?? this.focusRef();
  }

  /**
   * Shows a run in the dashboard: the live one follows the engine (and takes the focus), any other is
   * read from its folder's metrics.jsonl. Resolves once the dashboard was sent it (or it failed).
   */
  async showRun(ref: RunRef): Promise<void> {
    const live = this.manager.live().find((run) => run.status.runId === ref.runId);
    if (live) {
      this.pinned = undefined;
      if (this.manager.focus !== live) this.manager.focusOn(live.folder);
      this.resendDashboards();
      return;
    }
    const pinned: PinnedRun = { ref, loaded: undefined };
    this.pinned = pinned;
    try {
      pinned.loaded = await (this.env.loadRun
        ? this.env.loadRun(ref)
        : loadRunHistory(ref.runDir, ref.runId));
      if (pinned.loaded.skipped > 0)
        this.env.onError(`run ${ref.runId}: skipped ${pinned.loaded.skipped} unreadable metrics line(s)`);
    } catch (e) {
      this.env.onError(`could not read run ${ref.runId}: ${e instanceof Error ? e.message : String(e)}`);
      if (this.pinned === pinned) this.pinned = undefined;
    }
    if (this.pinned === pinned || this.pinned === undefined) this.resendDashboards();
  }

  /** The dashboard follows the focused (live) run again. */
  followFocus(): void {
    if (!this.pinned) return;
    this.pinned = undefined;
    this.resendDashboards();
  }

  private resendDashboards(): void {
    for (const [channel, state] of this.channels) {
      if (channel.kind === 'dashboard' && state.ready && this.canPost(channel, state))
        this.sendSnapshot(channel, state);
    }
  }

  private focusRef(): RunRef | undefined {
    const status = this.manager.focus?.status;
    return status?.runId && status.runDir && path.isAbsolute(status.runDir)
      ? { runDir: status.runDir, runId: status.runId }
      : undefined;
  }

  private isPinned(channel: ViewChannel): boolean {
    return channel.kind === 'dashboard' && this.pinned !== undefined;
  }

  attach(channel: ViewChannel): void {
    this.channels.set(channel, { ready: false, stale: true, selectedLayer: undefined, lastStatus: '' });
  }

  detach(channel: ViewChannel): void {
    this.channels.delete(channel);
  }

  /** A message from a view, already validated. */
  received(channel: ViewChannel, message: FromViewMessage): void {
    const state = this.channels.get(channel);
    if (!state) return;
    switch (message.type) {
      case 'ready':
        state.ready = true;
        this.sendSnapshot(channel, state);
        if (channel.kind === 'dashboard' && this.pendingLayer) {
          channel.post({ type: 'selectLayer', layer: this.pendingLayer });
          this.pendingLayer = undefined;
        }
        return;
      case 'command':
        this.env.runCommand(message.command);
        return;
      case 'saveComparison':
        this.env.saveComparison(message.format, message.content);
        return;
      case 'selectLayer':
        if (channel.kind === 'sidebar') return this.showLayerInDashboard(message.layer);
        state.selectedLayer = message.layer;
        void this.sendMask(channel, state);
        return;
    }
  }

  /** The tickets to compare changed (a sweep member finished, say): every dashboard is told. */
  setComparison(comparison: Comparison | null): void {
    this.comparison = comparison;
    for (const [channel, state] of this.channels) {
      if (channel.kind === 'dashboard' && this.canPost(channel, state))
        channel.post({ type: 'comparison', comparison });
    }
  }

  /** The view was shown or hidden: one that shows again catches up with a snapshot. */
  visibilityChanged(channel: ViewChannel): void {
    const state = this.channels.get(channel);
    if (state && channel.visible && state.ready && state.stale) this.sendSnapshot(channel, state);
  }

  private showLayerInDashboard(layer: string): void {
    const dashboards = [...this.channels].filter(([c, s]) => c.kind === 'dashboard' && s.ready);
    if (dashboards.length === 0) this.pendingLayer = layer;
    for (const [channel] of dashboards) channel.post({ type: 'selectLayer', layer });
    this.env.openDashboard();
  }

  private onEngineMessage(run: ManagedRun, message: EngineMessage): void {
    const queue = this.queued.get(run);
    if (queue) {
      queue.push(message);
      return;
    }
    if (message.type === 'started' && message.resumed && path.isAbsolute(message.runDir)) {
      void this.seedResumedRun(run, message.runDir, message.runId);
      return;
    }
    this.fold(run, message);
  }

  /**
   * A resumed run's new engine knows only what it does from now on; its views should still show the
   * whole run. Its history up to this engine's start is read from metrics.jsonl, then the messages
   * that came meanwhile are folded on top, and the views are sent the result.
   */
  private async seedResumedRun(run: ManagedRun, runDir: string, runId: string): Promise<void> {
    const queue: EngineMessage[] = [];
    this.queued.set(run, queue);
    try {
      const loaded = await loadRunHistory(runDir, runId, { beforeLastStart: true });
      this.models.set(run, loaded.model);
    } catch (e) {
      this.env.onError(
        `could not read the history of run ${runId} before its resume: ${e instanceof Error ? e.message : String(e)}`,
      );
    } finally {
      this.queued.delete(run);
    }
    const model = this.modelOf(run);
    for (const message of queue) {
      model.apply(message);
      if (message.type === 'checkpoint' && message.kind === 'latest')
        this.latestSnapshot.set(run, message.path);
    }
    if (run !== this.manager.focus) return;
    for (const [channel, state] of this.channels) {
      if (this.isPinned(channel)) continue;
      if (state.ready && this.canPost(channel, state)) this.sendSnapshot(channel, state);
    }
  }

  private fold(run: ManagedRun, message: EngineMessage): void {
    const deltas = this.modelOf(run).apply(message);
    if (message.type === 'checkpoint' && message.kind === 'latest')
      this.latestSnapshot.set(run, message.path);
    if (run !== this.manager.focus || run !== this.shown) return;
    for (const [channel, state] of this.channels) {
      if (this.isPinned(channel) || !this.canPost(channel, state)) continue;
      for (const delta of deltas) channel.post(delta);
      if (message.type === 'checkpoint' && message.kind === 'latest' && channel.kind === 'dashboard') {
        void this.sendMask(channel, state);
      }
    }
  }

  /** Status after every change; the whole run again when the focus moved to another run. */
  private onChanged(): void {
    const focus = this.manager.focus;
    const switched = focus !== this.shown;
    // Another run took the focus (a search started): the dashboard follows it live again.
    if (switched) this.pinned = undefined;
    for (const [channel, state] of this.channels) {
      if (!switched && this.isPinned(channel)) continue;
      if (!this.canPost(channel, state)) continue;
      if (switched) this.sendSnapshot(channel, state);
      else if (focus) this.sendStatus(channel, state, focus);
    }
    if (switched) this.shown = focus;
  }

  /** Ready and visible; a view that misses a delta now is caught up with a snapshot later. */
  private canPost(channel: ViewChannel, state: ChannelState): boolean {
    if (state.ready && channel.visible) return true;
    state.stale = true;
    return false;
  }

  private sendStatus(channel: ViewChannel, state: ChannelState, run: ManagedRun): void {
    const status = this.modelOf(run).statusView(run.status, this.env.folderName(run.folder));
    // The engine's messages change the status far less often than they arrive.
    const text = JSON.stringify(status);
    if (text === state.lastStatus) return;
    state.lastStatus = text;
    channel.post({ type: 'status', status });
  }

  /** The whole state a view draws: its run, then (dashboards) the comparison, which spans runs. */
  private sendSnapshot(channel: ViewChannel, state: ChannelState): void {
    this.sendRunSnapshot(channel, state);
    if (channel.kind === 'dashboard') channel.post({ type: 'comparison', comparison: this.comparison });
  }

  private sendRunSnapshot(channel: ViewChannel, state: ChannelState): void {
    const pinned = this.isPinned(channel) ? this.pinned : undefined;
    if (pinned) {
      state.stale = false;
      const { loaded, ref } = pinned;
      const status = loaded ? this.pastStatus(loaded) : null;
      state.lastStatus = status ? JSON.stringify(status) : '';
      channel.post({
        type: 'snapshot',
        status,
        // Still loading: an empty history, the full one follows.
        history: loaded?.history ?? null,
        canStart: this.env.canStart(),
        run: ref,
      });
      void this.sendMask(channel, state);
      return;
    }
    const run = this.manager.focus;
    this.shown = run;
    state.stale = false;
    const model = run ? this.modelOf(run) : undefined;
    const status = run && model ? model.statusView(run.status, this.env.folderName(run.folder)) : null;
    state.lastStatus = status ? JSON.stringify(status) : '';
    channel.post({
      type: 'snapshot',
      status,
      history: model?.history ?? null,
      canStart: this.env.canStart(),
      run: this.focusRef() ?? null,
    });
    if (channel.kind === 'dashboard') void this.sendMask(channel, state);
  }

  /** The selected layer's mask from the run's latest snapshot, if there is one yet. */
  private async sendMask(channel: ViewChannel, state: ChannelState): Promise<void> {
    const layer = state.selectedLayer;
    if (!layer) return;
    let model: RunViewModel;
    let file: string | undefined;
    const pinned = this.isPinned(channel) ? this.pinned : undefined;
    if (pinned) {
      if (!pinned.loaded) return;
      model = pinned.loaded.model;
      file = path.join(pinned.ref.runDir, 'latest.safetensors');
    } else {
      const run = this.manager.focus;
      if (!run) return;
      model = this.modelOf(run);
      file =
        this.latestSnapshot.get(run) ??
        (run.status.runDir && path.isAbsolute(run.status.runDir)
          ? path.join(run.status.runDir, 'latest.safetensors')
          : undefined);
    }
    const meta = model.history.layers.find((l) => l.name === layer);
    if (!meta || !file) return;
    try {
      const mask = await this.env.readMask(file, layer, meta.kind, model.history.latest?.step ?? null);
      if (mask && state.selectedLayer === layer && this.channels.has(channel) && channel.visible) {
        channel.post({ type: 'mask', mask });
      }
    } catch (e) {
      this.env.onError(`could not read the mask of ${layer}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** A past run's status: what it reached, with no control but Start (its engine is gone). */
  private pastStatus(loaded: LoadedRunHistory): RunStatusView {
    const view = statusView(loaded.status, workspaceFolderName(loaded.runDir), loaded.model.temperatureNow);
    const canStart = this.env.canStart();
    return {
      ...view,
      can: { start: canStart, pause: false, resume: false, stop: false, rewind: false, exportTicket: false },
    };
  }

  dispose(): void {
    for (const [event, listener] of this.listeners)
      this.manager.off(event as 'changed', listener as () => void);
    this.channels.clear();
  }
}

/** The workspace folder's name of .../<folder>/.sparsity/runs/<run-id>. */
function workspaceFolderName(runDir: string): string {
  return path.basename(path.resolve(runDir, '..', '..', '..'));
}
