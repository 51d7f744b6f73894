// The words the status bar, the progress notification and the rewind picker use for a search. Kept
// apart from vscode so the wording is tested.
import type { RewindTarget } from '../../engine/protocol/engineProtocol';
import type { LiveStatus, Position, SearchState } from './liveStatus';

export const percent = (fraction: number, digits = 1) => `${(fraction * 100).toFixed(digits)}%`;

const STATE_ICONS: Record<SearchState, string> = {
  idle: '$(beaker)',
  starting: '$(loading~spin)',
  running: '$(sync~spin)',
  paused: '$(debug-pause)',
  stopping: '$(loading~spin)',
  finished: '$(pass)',
  failed: '$(error)',
};

/** "round 1/2 · epoch 3/4", "ticket epoch 2/4", "dense epoch 1/4". */
export function describePosition(position: Position): string {
  const epoch = `epoch ${position.epoch}/${position.epochs}`;
  if (position.phase === 'search') return `round ${position.round}/${position.rounds} · ${epoch}`;
  return `${position.phase} ${epoch}`;
}

/** "12,345 samples/s" with a thousands separator that does not depend on the user's locale. */
export function describeSpeed(samplesPerSecond: number): string {
  return `${Math.round(samplesPerSecond).toLocaleString('en-US')} samples/s`;
}

export function describeEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The status bar: state, where it stands, overall kept %, speed. */
export function statusBarText(status: LiveStatus): string {
  const parts = [`${STATE_ICONS[status.state]} Sparsity: ${status.state}`];
  const live = status.state === 'running' || status.state === 'paused' || status.state === 'stopping';
  if (live && status.position) parts.push(describePosition(status.position));
  if (status.state === 'finished' && status.ticket) {
    parts.push(
      `ticket kept ${percent(status.ticket.keptFraction)}`,
      `test ${percent(status.ticket.testAccuracy)}`,
    );
  } else if (status.keptFraction !== undefined && status.state !== 'idle') {
    parts.push(`kept ${percent(status.keptFraction)}`);
  }
  if (status.state === 'running' && status.samplesPerSecond !== undefined) {
    // The speed says little without what it was reached on.
    const on = status.backend ? ` on ${status.backend.name}` : '';
    parts.push(describeSpeed(status.samplesPerSecond) + on);
  }
  return parts.join(' · ');
}

/** The line under the progress notification's title. */
export function progressMessage(status: LiveStatus): string {
  if (status.state === 'starting') return 'starting the engine, loading data and model…';
  if (status.state === 'stopping') return 'stopping after the step in flight…';
  const parts: string[] = [];
  if (status.state === 'paused') parts.push('paused');
  if (status.position) parts.push(describePosition(status.position));
  if (status.keptFraction !== undefined) parts.push(`kept ${percent(status.keptFraction)}`);
  if (status.state === 'running' && status.etaSeconds !== undefined && status.etaSeconds !== null) {
    parts.push(`ETA ${describeEta(status.etaSeconds)}`);
  }
  return parts.join(' · ');
}

export interface TargetDescription {
  label: string;
  detail: string;
}

/** What a rewind target means, for the picker. */
export function describeRewindTarget(target: RewindTarget): TargetDescription {
  if (target.kind === 'rewindPoint') {
    return {
      label: 'Rewind point',
      detail: 'Binarise the current masks, rewind the weights and train the ticket',
    };
  }
  return {
    label: `End of round ${target.round}`,
    detail: "Restore that round's masks and weights and continue the search",
  };
}
