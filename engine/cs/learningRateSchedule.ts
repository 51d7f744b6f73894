// Step schedule within a round, as the reference's adjust_learning_rate: from each milestone epoch
// (0-based) on, the rate is multiplied by the drop factor once more.

/** The reference drops at epochs 56 and 71 of 85; other lengths keep those proportions. */
export function defaultDropEpochs(epochsPerRound: number): number[] {
  return [Math.round((epochsPerRound * 56) / 85), Math.round((epochsPerRound * 71) / 85)];
}

export function learningRateAt(base: number, epoch: number, dropEpochs: number[], factor: number): number {
  let lr = base;
  for (const milestone of dropEpochs) if (epoch >= milestone) lr *= factor;
  return lr;
}
