// What differs between the ways a run finds its masks (Continuous Sparsification, or the iterative
// magnitude pruning baseline). The session runs everything else the same way for both: the epochs and
// their batches, evaluation, the rewind point, snapshots, pause/stop/rewind/export, the ticket's
// retraining and the dense baseline, and the messages every view reads.
import type { SearchConfig, SearchMethodName } from '../config/configSchema';
import type { MaskedModel } from '../cs/maskedModel';
import type { NesterovSgd } from '../cs/nesterovSgd';
import type { EngineMessage } from '../protocol/engineProtocol';
import type { PreparedData } from './prepareRun';

/** What a method may use of the session. */
export interface SearchMethodHost {
  readonly config: SearchConfig;
  readonly mm: MaskedModel;
  readonly data: PreparedData;
  /** Sends (and records, for metric types) an engine message. */
  emit(message: EngineMessage): void;
  log(message: string): void;
  /** Puts every weight (kernels, biases, batch norm) back at the rewind point. */
  rewindWeights(): void;
  /** Replaces the search's weight optimiser with a fresh one (zero momentum). */
  resetWeightOptimizer(): void;
}

export interface SearchMethod {
  readonly name: SearchMethodName;
  /** Trained with the weights during the search; null when the masks do not train. */
  readonly maskOptimizer: NesterovSgd | null;
  /** Weight of the mask penalty in the search loss. */
  readonly lambda: number;
  /** `round` of the ticketResult of the ticket trained once the whole search has run. */
  readonly finalTicketRound: number;
  /** Sets the mask mode for epoch `epoch` (0-based) of a search round; returns its temperature. */
  beginEpoch(epoch: number): number;
  /**
   * Round `round` (0-based) has trained its epochs: whatever the method does between rounds (CS:
   * resets the logits; IMP: tests, prunes and rewinds). Resolves with the kept fraction of the mask
   * the round produced, for `roundEnd`. After the last round the session rewinds for the ticket.
   */
  endRound(round: number, last: boolean, temperature: number): Promise<number>;
  dispose(): void;
}
