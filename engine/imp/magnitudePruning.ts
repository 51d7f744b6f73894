// Iterative magnitude pruning's one decision, on plain arrays: which of the remaining weights go.
// Each round removes round(fraction * remaining) of the remaining weights with the smallest |W|, per
// layer or across all layers at once (Frankle & Carbin 2019). Ties go by position (layer order, then
// flat index), so the counts and the choice are exact and the same on every backend.

export type PruneScope = 'layer' | 'global';

export interface PrunableLayer {
  /** The trained kernel, flat. */
  weights: Float32Array;
  /** 1 = kept, 0 = pruned; same length as `weights`. */
  mask: Uint8Array;
}

/** How many of `remaining` weights a round removes: Math.round, i.e. halves round up. */
export function pruneCount(remaining: number, fraction: number): number {
  return Math.round(fraction * remaining);
}

/** New masks (the inputs are not changed). */
export function pruneByMagnitude(layers: PrunableLayer[], fraction: number, scope: PruneScope): Uint8Array[] {
  if (!(fraction > 0 && fraction < 1))
    throw new RangeError(`prune fraction must be in (0, 1), got ${fraction}`);
  for (const [i, l] of layers.entries()) {
    if (l.weights.length !== l.mask.length) {
      throw new RangeError(`layer ${i}: ${l.weights.length} weights but ${l.mask.length} mask entries`);
    }
  }
  const masks = layers.map((l) => Uint8Array.from(l.mask));
  if (scope === 'layer') {
    layers.forEach((l, i) => removeSmallest([{ layer: i, ...l }], masks, fraction));
  } else {
    removeSmallest(
      layers.map((l, i) => ({ layer: i, ...l })),
      masks,
      fraction,
    );
  }
  return masks;
}

/** Prunes round(fraction * remaining) of the kept entries of `group` (one layer, or all), in `masks`. */
function removeSmallest(
  group: (PrunableLayer & { layer: number })[],
  masks: Uint8Array[],
  fraction: number,
): void {
  // Kept entries as (layer, index) pairs in position order; sorting by |W| then by that order breaks
  // ties by position. Typed arrays: VGG-16 has 15M masked weights.
  let kept = 0;
  for (const { mask } of group) kept += countKept(mask);
  const layerOf = new Uint32Array(kept);
  const indexOf = new Uint32Array(kept);
  const magnitude = new Float32Array(kept);
  let n = 0;
  for (const { layer, weights, mask } of group) {
    for (let i = 0; i < mask.length; i++) {
      if (mask[i] === 0) continue;
      layerOf[n] = layer;
      indexOf[n] = i;
      magnitude[n] = Math.abs(weights[i]);
      n++;
    }
  }
  const count = pruneCount(magnitude.length, fraction);
  if (count === 0) return;
  const order = Uint32Array.from({ length: kept }, (_, i) => i).sort(
    (a, b) => magnitude[a] - magnitude[b] || a - b,
  );
  for (let r = 0; r < count; r++) masks[layerOf[order[r]]][indexOf[order[r]]] = 0;
}

/** Kept entries (mask 1) of a mask. */
export function countKept(mask: Uint8Array): number {
  let n = 0;
  for (const bit of mask) n += bit;
  return n;
}
