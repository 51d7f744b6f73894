// Iterative magnitude pruning with rewinding (Frankle & Carbin 2019; Frankle et al. 2020), as a
// search method of the session: each round trains the masked network (binary masks, no scale) from the
// rewind point, tests it (that is the ticket at the round's density), prunes a fraction of the
// remaining weights by magnitude, and rewinds the survivors with a fresh optimiser. Masks never train.
import { evaluate } from '../cs/trainStep';
import type { SearchMethod, SearchMethodHost } from '../session/searchMethod';
import { pruneModel } from './impMasks';

export class ImpMethod implements SearchMethod {
  readonly name = 'imp';
  readonly maskOptimizer = null;
  readonly lambda = 0;

  constructor(private readonly host: SearchMethodHost) {
    if (!host.mm.binary) throw new Error('IMP needs a masked model with binary masks');
  }

  /** The ticket retrained after the last pruning has been pruned `rounds` times. */
  get finalTicketRound(): number {
    return this.host.config.rounds + 1;
  }

  beginEpoch(): number {
    this.host.mm.setMode({ kind: 'hard' });
    // No temperature in IMP; 1 keeps every view that plots it flat.
    return 1;
  }

  async endRound(round: number, last: boolean): Promise<number> {
    const { mm, data, config } = this.host;
    const testAccuracy = await evaluate(mm, data.test, data.inputShape);
    const before = await mm.keptSummary();
    this.host.emit({
      type: 'ticketResult',
      method: 'imp',
      round: round + 1,
      ...before,
      testAccuracy,
      trainEpochs: config.epochsPerRound,
    });
    await pruneModel(mm, config.imp.pruneFraction, config.imp.scope);
    const after = await mm.keptSummary();
    this.host.log(
      `IMP round ${round + 1}: test accuracy ${pct(testAccuracy)} with ${pct(before.keptFraction)} kept; ` +
        `pruned to ${pct(after.keptFraction)} (${config.imp.scope}-wise)`,
    );
    // After the last round the session rewinds for the ticket, with its own optimiser.
    if (!last) {
      this.host.rewindWeights();
      this.host.resetWeightOptimizer();
    }
    return after.keptFraction;
  }

  dispose(): void {}
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
