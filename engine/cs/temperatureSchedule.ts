// The temperature of a round, as the reference computes it: T = 1 in the first epoch, and before every
// later epoch T *= finalT^(1/(epochs-1)), so T reaches finalT in the last epoch. The repeated product
// (not a closed-form power) keeps the same floating-point values as the reference.

export function temperatureIncrease(finalTemperature: number, epochsPerRound: number): number {
  // One epoch per round never raises T (the reference would divide by zero here).
  if (epochsPerRound <= 1) return 1;
  return finalTemperature ** (1 / (epochsPerRound - 1));
}

/** T during epoch `epoch` (0-based) of a round. */
export function temperatureAt(epoch: number, finalTemperature: number, epochsPerRound: number): number {
  const increase = temperatureIncrease(finalTemperature, epochsPerRound);
  let t = 1;
  for (let e = 1; e <= epoch; e++) t *= increase;
  return t;
}
