// Where a run stands (phase, round, epoch), and what follows from it: the round and epoch messages
// report, a sentence for logs, and the time left at the speed so far.
import type { SearchConfig } from '../config/configSchema';
import type { Phase } from '../protocol/engineProtocol';

/** Rounds and epochs counted from 0 (messages count from 1). */
export type Position =
  | { phase: 'search'; round: number; epoch: number }
  | { phase: 'ticket' | 'dense'; epoch: number }
  | { phase: 'done' };

/** The 1-based round messages report; later phases belong to the last round. */
export function roundOf(pos: Position, rounds: number): number {
  return pos.phase === 'search' ? pos.round + 1 : rounds;
}

export function epochOf(pos: Position): number {
  return pos.phase === 'done' ? 0 : pos.epoch + 1;
}

export function describePosition(pos: Position): string {
  if (pos.phase === 'done') return 'the end of the run';
  if (pos.phase === 'search') return `round ${pos.round + 1}, epoch ${pos.epoch + 1}`;
  return `${pos.phase === 'ticket' ? 'ticket training' : 'dense baseline'}, epoch ${pos.epoch + 1}`;
}

export interface TrainingSpeed {
  samples: number;
  seconds: number;
}

/** Seconds left for the whole run at the speed so far; null before the first step. */
export function etaSeconds(
  c: SearchConfig,
  stepsPerEpoch: number,
  speed: TrainingSpeed,
  at: { phase: Phase; round: number; epoch: number; stepInEpoch: number },
): number | null {
  if (speed.samples === 0) return null;
  const spe = stepsPerEpoch;
  const searchSteps = c.rounds * c.epochsPerRound * spe;
  const phaseEpochs = c.ticketEpochs * (c.denseBaseline ? 2 : 1);
  const total = searchSteps + phaseEpochs * spe;
  const done =
    at.phase === 'search'
      ? (at.round * c.epochsPerRound + at.epoch) * spe + at.stepInEpoch
      : searchSteps + ((at.phase === 'dense' ? c.ticketEpochs : 0) + at.epoch) * spe + at.stepInEpoch;
  const secondsPerStep = speed.seconds / (speed.samples / c.batchSize);
  return Math.max(0, (total - done) * secondsPerStep);
}
