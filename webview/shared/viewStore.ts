// What a page knows: the last snapshot with the deltas since applied (by the same history code as the
// host's), the run's status and the selected layer's mask. It records what changed since the last
// draw, so a frame redraws only those parts.
import { applyToHistory, emptyHistory } from '../protocol/runHistory';
import type {
  Comparison,
  MaskBitmap,
  RunHistoryData,
  RunStatusView,
  ToViewMessage,
} from '../protocol/viewProtocol';

/** 'resize': the page's width changed, so every chart is drawn again. */
export type Part =
  | 'status'
  | 'layers'
  | 'stats'
  | 'progress'
  | 'marks'
  | 'ticket'
  | 'mask'
  | 'selection'
  | 'resize'
  | 'comparison';

export class ViewStore {
  status: RunStatusView | null = null;
  history: RunHistoryData = emptyHistory();
  /** Whether the snapshot has come: before it the page says it is waiting, not that nothing runs. */
  loaded = false;
  canStart = false;
  mask: MaskBitmap | null = null;
  /** Not part of a run's history: it spans several runs, and stays when the focused run changes. */
  comparison: Comparison | null = null;
  /** The run the snapshot was of: a mask belongs to one run and must not be drawn for the next. */
  private runId: string | null = null;
  readonly dirty = new Set<Part>();

  apply(message: ToViewMessage): void {
    switch (message.type) {
      case 'snapshot':
        this.loaded = true;
        this.status = message.status;
        this.history = message.history ?? emptyHistory();
        this.canStart = message.canStart;
        if ((message.run?.runId ?? null) !== this.runId) {
          this.runId = message.run?.runId ?? null;
          this.mask = null;
          this.dirty.add('mask');
        }
        for (const part of ['status', 'layers', 'stats', 'progress', 'marks', 'ticket'] as const)
          this.dirty.add(part);
        return;
      case 'status':
        this.status = message.status;
        this.dirty.add('status');
        return;
      case 'mask':
        this.mask = message.mask;
        this.dirty.add('mask');
        return;
      case 'comparison':
        this.comparison = message.comparison;
        this.dirty.add('comparison');
        return;
      case 'selectLayer':
        // The page decides what selecting means; see the dashboard's main.
        this.dirty.add('selection');
        return;
      default:
        applyToHistory(this.history, message);
        this.dirty.add(message.type === 'mark' ? 'marks' : message.type);
    }
  }

  /** The parts changed since the last call, and forgets them. */
  takeDirty(): Set<Part> {
    const parts = new Set(this.dirty);
    this.dirty.clear();
    return parts;
  }
}
