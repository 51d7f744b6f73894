// Feeds every open view (the Layer Sparsity sidebar, the dashboard) from the run in focus. It keeps a
// RunViewModel per run, so a view that loads, reloads or shows again gets the whole run in one
// snapshot; while it is visible it gets the deltas as the engine's messages arrive. A hidden view is
// sent nothing (VS Code drops messages to a hidden view that is not retained) and is marked stale.
// No vscode here: the views are plain channels and the commands a callback, so it is tested alone.
import * as path from 'node:path';
import type { EngineMessage } from '../../engine/protocol/engineProtocol';
import type {
  ControlCommand,
  FromViewMessage,
  MaskBitmap,
  ToViewMessage,
} from '../../webview/protocol/viewProtocol';
import type { ManagedRun, RunManager } from '../run/runManager';
import { RunViewModel } from './runViewModel';

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
}

interface ChannelState {
  ready: boolean;
  stale: boolean;
  selectedLayer: string | undefined;
  lastStatus: string;
}

export class ViewHub {
  private readonly models = new WeakMap<ManagedRun, RunViewModel>();
  private readonly latestSnapshot = new WeakMap<ManagedRun, string>();
  private readonly channels = new Map<ViewChannel, ChannelState>();
  private shown: ManagedRun | undefined;
  /** A layer the sidebar asked for before the dashboard was ready. */
  private pendingLayer: string | undefined;
  private readonly listeners: [string, (...args: never[]) => void][] = [];

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
      case 'selectLayer':
        if (channel.kind === 'sidebar') return this.showLayerInDashboard(message.layer);
        state.selectedLayer = message.layer;
        void this.sendMask(channel, state);
        return;
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
    const deltas = this.modelOf(run).apply(message);
    if (message.type === 'checkpoint' && message.kind === 'latest')
      this.latestSnapshot.set(run, message.path);
    if (run !== this.manager.focus || run !== this.shown) return;
    for (const [channel, state] of this.channels) {
      if (!this.canPost(channel, state)) continue;
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
    for (const [channel, state] of this.channels) {
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

  private sendSnapshot(channel: ViewChannel, state: ChannelState): void {
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
    });
    if (channel.kind === 'dashboard') void this.sendMask(channel, state);
  }

  /** The selected layer's mask from the run's latest snapshot, if there is one yet. */
  private async sendMask(channel: ViewChannel, state: ChannelState): Promise<void> {
    const run = this.manager.focus;
    const layer = state.selectedLayer;
    if (!run || !layer) return;
    const model = this.modelOf(run);
    const meta = model.history.layers.find((l) => l.name === layer);
    const file =
      this.latestSnapshot.get(run) ??
      (run.status.runDir && path.isAbsolute(run.status.runDir)
        ? path.join(run.status.runDir, 'latest.safetensors')
        : undefined);
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

  dispose(): void {
    for (const [event, listener] of this.listeners)
      this.manager.off(event as 'changed', listener as () => void);
    this.channels.clear();
  }
}
