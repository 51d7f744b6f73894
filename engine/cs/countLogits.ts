// The one pass over a layer's mask logits that the host-side statistics make: kept count, soft-mask
// sum and histogram.
/**
 * Kept count, soft-mask sum and histogram of one layer's logits, in one pass. Self-contained (no
 * imports, no module constants): logitCountWorker.ts runs its source text in a worker thread.
 */
export function countLogits(
  s: Float32Array,
  temperature: number,
  withSoftSum: boolean,
  lo: number,
  width: number,
  edges: Float32Array,
): LogitCounts {
  // Sigmoid saturates: beyond |T*s| = 36, 1/(1+e^-x) is 0 or 1 to within 1e-15 of the float64 sum,
  // so those logits skip Math.exp. Late in a round, when T is large, that is most of them.
  const saturated = 36;
  const last = edges.length;
  const counts = new Int32Array(last + 1);
  const inverseWidth = 1 / width;
  let kept = 0;
  let softSum = 0;
  for (let j = 0; j < s.length; j++) {
    const v = s[j];
    if (v !== v) {
      // NaN: below no edge, so the last bin, as the device path counts it.
      counts[last]++;
      continue;
    }
    if (v > 0) kept++;
    if (withSoftSum) {
      const x = temperature * v;
      if (x > saturated) softSum += 1;
      else if (x >= -saturated) softSum += 1 / (1 + Math.exp(-x));
    }
    // The width gives the first guess; the float32 edges settle a logit that lies on one, so it lands
    // where the device path's comparisons put it.
    let bin = Math.floor((v - lo) * inverseWidth);
    bin = bin < 0 ? 0 : bin > last ? last : bin;
    while (bin > 0 && v < edges[bin - 1]) bin--;
    while (bin < last && v >= edges[bin]) bin++;
    counts[bin]++;
  }
  return { kept, softSum, counts: Array.from(counts) };
}

export interface LogitCounts {
  kept: number;
  softSum: number;
  counts: number[];
}
