// Folds one run's engine messages into the views' history and the deltas that keep open views in step.
// The host holds one per run, so a view that opens (or shows again) late is sent the whole run so far.
// No vscode here: the browser tests drive it with recorded engine messages.
import type { EngineMessage, Phase } from '../../engine/protocol/engineProtocol';
import {
  addMark,
  addProgress,
  addStats,
  emptyHistory,
  setLayers,
  setTicket,
} from '../../webview/protocol/runHistory';
import type {
  LayerMeta,
  RunHistoryData,
  RunStatusView,
  StatsPoint,
  TicketView,
  ToViewMessage,
} from '../../webview/protocol/viewProtocol';
import {
  canExport,
  canPause,
  canResume,
  canRewind,
  canStop,
  isLive,
  type LiveStatus,
} from '../run/liveStatus';
import { describePosition, statusBarText } from '../run/statusText';

const PHASE_LABELS: Record<Phase, string> = {
  search: 'search',
  ticket: 'ticket training',
  dense: 'dense baseline',
};

export class RunViewModel {
  readonly history: RunHistoryData = emptyHistory();
  private lastStep = 0;
  private phase: Phase | null = null;
  private temperature: number | null = null;

  /** Folds one engine message in; returns what views that are open now must be told. */
  apply(message: EngineMessage): ToViewMessage[] {
    const out: ToViewMessage[] = [];
    switch (message.type) {
      case 'layerStats': {
        if (this.history.layers.length !== message.layers.length) {
          const layers: LayerMeta[] = message.layers.map(({ name, kind, shape, total }) => ({
            name,
            kind,
            shape,
            total,
          }));
          setLayers(this.history, layers);
          out.push({ type: 'layers', layers });
        }
        out.push(...this.enterPhase(message.phase, message.step));
        const point: StatsPoint = {
          step: message.step,
          phase: message.phase,
          round: message.round,
          epoch: message.epoch,
          epochEnd: message.epochEnd,
          temperature: message.temperature,
          keptFraction: message.keptFraction,
          validationAccuracy: message.validationAccuracy,
          kept: message.layers.map((l) => l.kept),
          histograms: message.layers.map((l) => l.histogram),
        };
        this.lastStep = message.step;
        this.temperature = message.temperature;
        addStats(this.history, point);
        out.push({ type: 'stats', point });
        break;
      }
      case 'progress': {
        out.push(...this.enterPhase(message.phase, message.step));
        const point = {
          step: message.step,
          phase: message.phase,
          keptFraction: message.keptFraction,
          temperature: message.temperature,
          crossEntropy: message.crossEntropy,
          penalty: message.penalty,
          trainAccuracy: message.trainAccuracy,
        };
        this.lastStep = message.step;
        this.temperature = message.temperature;
        addProgress(this.history, point);
        out.push({ type: 'progress', point });
        break;
      }
      case 'roundEnd': {
        const mark = { step: this.lastStep, kind: 'round' as const, label: `round ${message.round} end` };
        addMark(this.history, mark);
        out.push({ type: 'mark', mark });
        break;
      }
      case 'ticket': {
        const ticket: TicketView = {
          kept: message.kept,
          total: message.total,
          keptFraction: message.keptFraction,
          testAccuracy: message.testAccuracy,
          denseTestAccuracy: message.denseTestAccuracy,
          layerKept: this.history.latest?.kept ?? [],
          dir: message.ticketDir,
        };
        setTicket(this.history, ticket);
        out.push({ type: 'ticket', ticket });
        break;
      }
      case 'exported': {
        const current = this.history.ticket;
        if (!current) break;
        const ticket = { ...current, dir: message.dir };
        setTicket(this.history, ticket);
        out.push({ type: 'ticket', ticket });
        break;
      }
      default:
        break;
    }
    return out;
  }

  /** A phase change is a mark on the time axes (the search's rounds get theirs from roundEnd). */
  private enterPhase(phase: Phase, step: number): ToViewMessage[] {
    if (this.phase === phase) return [];
    const first = this.phase === null;
    this.phase = phase;
    if (first && phase === 'search') return [];
    const mark = { step, kind: 'phase' as const, label: PHASE_LABELS[phase] };
    addMark(this.history, mark);
    return [{ type: 'mark', mark }];
  }

  /** The mask temperature of the newest statistics or progress, if any came. */
  get temperatureNow(): number | null {
    return this.temperature;
  }

  /** The status line and the controls the views show, from the host's LiveStatus. */
  statusView(status: LiveStatus, folder: string): RunStatusView {
    return statusView(status, folder, this.temperature);
  }
}

export function statusView(status: LiveStatus, folder: string, temperature: number | null): RunStatusView {
  return {
    state: status.state,
    summary: statusBarText(status).replace(/\$\([\w~-]+\)\s*/g, ''),
    folder,
    runId: status.runId ?? null,
    model: status.model ?? null,
    data: status.data ?? null,
    phase: status.position?.phase ?? null,
    position: status.position ? describePosition(status.position) : null,
    keptFraction: status.keptFraction ?? null,
    temperature,
    failure: status.failure ?? null,
    backend: status.backend ?? null,
    can: {
      start: !isLive(status),
      pause: canPause(status),
      resume: canResume(status),
      stop: canStop(status),
      rewind: canRewind(status),
      exportTicket: canExport(status),
    },
  };
}
