// What to tell a user whose CS ticket came out degenerate: no weight kept, or every one. Both happen
// when maskInit is far from where the masks settle for the training budget (short runs especially):
// a ticket with nothing kept predicts one class, and one with everything kept is the dense network
// with the 1/sigmoid(s0) scale on every weight, which can fail to train. Said by the CLI and VS Code.

/** Kept fractions this close to 1 count as "everything": a handful of pruned weights prunes nothing. */
const ALL_KEPT = 0.999;

export function ticketAdvice(method: 'cs' | 'imp', keptFraction: number): string | null {
  // IMP's density is set by its rounds, never by chance.
  if (method !== 'cs') return null;
  if (keptFraction === 0) {
    return (
      'the ticket keeps no weights: every mask logit ended at or below 0. ' +
      'Raise maskInit (or lower lambda) or train longer, or sweep maskInit (sparsity-lab sweep).'
    );
  }
  if (keptFraction >= ALL_KEPT) {
    return (
      'the ticket keeps (almost) every weight: the search pruned nothing. ' +
      'Lower maskInit (or raise lambda) or train longer, or sweep maskInit (sparsity-lab sweep).'
    );
  }
  return null;
}
