// Continuous Sparsification's part of a search: soft masks under a rising temperature, trained by
// their own optimiser against the penalty, and s = min(T*s, s0) between rounds.
import type { SearchMethod, SearchMethodHost } from '../session/searchMethod';
import { NesterovSgd } from './nesterovSgd';
import { temperatureAt } from './temperatureSchedule';

export class CsMethod implements SearchMethod {
  readonly name = 'cs';
  /** Created once and kept across rounds, as in the reference. */
  readonly maskOptimizer: NesterovSgd;

  constructor(private readonly host: SearchMethodHost) {
    this.maskOptimizer = new NesterovSgd(host.mm.maskLogits(), {
      momentum: host.config.momentum,
      weightDecay: 0,
    });
  }

  get lambda(): number {
    return this.host.config.lambda;
  }

  get finalTicketRound(): number {
    return this.host.config.rounds;
  }

  beginEpoch(epoch: number): number {
    const c = this.host.config;
    const temperature = temperatureAt(epoch, c.finalTemperature, c.epochsPerRound);
    this.host.mm.setMode({ kind: 'soft', temperature });
    return temperature;
  }

  async endRound(_round: number, last: boolean, temperature: number): Promise<number> {
    const c = this.host.config;
    const { keptFraction } = await this.host.mm.keptSummary();
    if (!last) this.host.mm.resetLogits(c.roundResetTemperature === 'final' ? temperature : 1);
    return keptFraction;
  }

  dispose(): void {
    this.maskOptimizer.dispose();
  }
}
