// A run's history as the views draw it, folded from the protocol's deltas. The host keeps one per run
// (and sends it whole in a snapshot); the webview starts from that snapshot and applies the same deltas
// with the same code, so both hold the same thinned series without the host resending them.
//
// Long runs are thinned by stride doubling: a series keeps every `stride`-th point, and when it holds
// more than its capacity every other point is dropped and the stride doubles. Memory and drawing cost
// stay bounded (100,000 steps fit in a few hundred points) and old points are spread evenly.
import type {
  LayerMeta,
  Mark,
  ProgressPoint,
  RunHistoryData,
  StatsPoint,
  ThinnedState,
  TicketView,
  ToViewMessage,
} from './viewProtocol';

/** Curve points: a line of ~1,000 points is as smooth as the charts' pixel width allows. */
export const PROGRESS_CAPACITY = 1024;
/** Heatmap columns: 500 layers x 256 columns is still one cheap canvas draw. */
export const COLUMN_CAPACITY = 256;

export function emptyThinned<T>(): ThinnedState<T> {
  return { stride: 1, seen: 0, points: [], tail: null };
}

export function addThinned<T>(series: ThinnedState<T>, point: T, capacity: number): void {
  if (series.seen % series.stride === 0) series.points.push(point);
  series.seen++;
  series.tail = point;
  if (series.points.length > capacity) {
    series.points = series.points.filter((_, i) => i % 2 === 0);
    series.stride *= 2;
  }
}

/** The points to draw: the kept ones, then the newest if thinning skipped it. */
export function thinnedPoints<T>(series: ThinnedState<T>): T[] {
  const last = series.points[series.points.length - 1];
  return series.tail !== null && series.tail !== last ? [...series.points, series.tail] : series.points;
}

export function emptyHistory(): RunHistoryData {
  return {
    layers: [],
    latest: null,
    progress: emptyThinned(),
    columns: emptyThinned(),
    epochs: [],
    marks: [],
    ticket: null,
  };
}

export function setLayers(history: RunHistoryData, layers: LayerMeta[]): void {
  history.layers = layers;
}

/** Drops the points at `step` or later from a thinned series. */
function dropFrom<T extends { step: number }>(series: ThinnedState<T>, step: number): void {
  series.points = series.points.filter((p) => p.step < step);
  series.seen = series.points.length * series.stride;
  series.tail = series.points[series.points.length - 1] ?? null;
}

/**
 * A point earlier than the newest one means the run went back in time: a search resumed from its last
 * snapshot redoes the steps after it. What was drawn from those steps is dropped, so the curves show
 * the run as it now stands rather than two overlapping versions of the same steps.
 */
function rewindTo(history: RunHistoryData, step: number): void {
  const newest = Math.max(history.progress.tail?.step ?? -1, history.columns.tail?.step ?? -1);
  if (step >= newest) return;
  dropFrom(history.progress, step);
  dropFrom(history.columns, step);
  history.epochs = history.epochs.filter((e) => e.step < step);
  // A mark at the step itself was just made for the point that comes now (a phase begins there).
  history.marks = history.marks.filter((m) => m.step <= step);
}

export function addStats(history: RunHistoryData, point: StatsPoint): void {
  rewindTo(history, point.step);
  history.latest = point;
  const fractions = point.kept.map((kept, i) => {
    const total = history.layers[i]?.total ?? 0;
    return total > 0 ? kept / total : 0;
  });
  addThinned(history.columns, { step: point.step, fractions }, COLUMN_CAPACITY);
  if (point.epochEnd) {
    history.epochs.push({
      step: point.step,
      phase: point.phase,
      validationAccuracy: point.validationAccuracy,
    });
  }
}

export function addProgress(history: RunHistoryData, point: ProgressPoint): void {
  rewindTo(history, point.step);
  addThinned(history.progress, point, PROGRESS_CAPACITY);
}

export function addMark(history: RunHistoryData, mark: Mark): void {
  history.marks.push(mark);
}

export function setTicket(history: RunHistoryData, ticket: TicketView): void {
  history.ticket = ticket;
}

/** Applies one delta; messages that are not about the history leave it as it is. */
export function applyToHistory(history: RunHistoryData, message: ToViewMessage): void {
  switch (message.type) {
    case 'layers':
      return setLayers(history, message.layers);
    case 'stats':
      return addStats(history, message.point);
    case 'progress':
      return addProgress(history, message.point);
    case 'mark':
      return addMark(history, message.mark);
    case 'ticket':
      return setTicket(history, message.ticket);
    default:
      return;
  }
}
