// Per-layer mask statistics, reduced on the backend: only a few numbers per layer are downloaded,
// never the mask tensors themselves (they can hold millions of entries).
import * as tf from '@tensorflow/tfjs-core';
import type { LayerStat } from '../protocol/engineProtocol';
import type { MaskedModel } from './maskedModel';

export interface StatsSummary {
  layers: LayerStat[];
  kept: number;
  total: number;
  keptFraction: number;
}

/**
 * Histogram bins span s0 +- HISTOGRAM_HALF_WIDTH; values outside fall in the end bins. Binary (IMP)
 * masks have logits -1 (pruned) and +1 (kept) and span 0 +- HISTOGRAM_HALF_WIDTH: the first bin counts
 * the pruned weights, the last the kept ones, and meanMask is the kept fraction.
 */
export const HISTOGRAM_HALF_WIDTH = 1;

export async function computeLayerStats(
  mm: MaskedModel,
  temperature: number,
  bins: number,
): Promise<StatsSummary> {
  const lo = (mm.binary ? 0 : mm.maskInit) - HISTOGRAM_HALF_WIDTH;
  const width = (2 * HISTOGRAM_HALF_WIDTH) / bins;
  // Interior edges only: counting s < edge at each edge gives cumulative counts; their differences
  // are the bins. This costs a few reductions per layer instead of a bins x weights one-hot tensor.
  const edges = Array.from({ length: bins - 1 }, (_, i) => lo + (i + 1) * width);
  const perLayer = edges.length + 2; // kept, mean soft mask, cumulative counts
  const packed = tf.tidy(() => {
    const rows = mm.masked.map((k) => {
      const s = k.logits;
      const kept = tf.sum(tf.cast(tf.greater(s, 0), 'float32'));
      // Binary masks: the mean is the kept fraction, set exactly from the count below.
      const meanMask = mm.binary ? tf.scalar(0) : tf.mean(tf.sigmoid(tf.mul(s, temperature)));
      const below = edges.map((e) => tf.sum(tf.cast(tf.less(s, e), 'float32')));
      return tf.stack([kept, meanMask, ...below]);
    });
    return rows.length ? tf.concat(rows) : tf.zeros([0]);
  });
  const values = await packed.data();
  packed.dispose();

  let kept = 0;
  let total = 0;
  const layers = mm.masked.map((k, i) => {
    const row = values.subarray(i * perLayer, (i + 1) * perLayer);
    const layerKept = Math.round(row[0]);
    const cumulative = Array.from(row.subarray(2), Math.round);
    const counts: number[] = [];
    let previous = 0;
    for (const c of [...cumulative, k.size]) {
      counts.push(c - previous);
      previous = c;
    }
    kept += layerKept;
    total += k.size;
    return {
      name: k.layerName,
      kind: k.kind,
      shape: k.shape,
      total: k.size,
      kept: layerKept,
      keptFraction: layerKept / k.size,
      meanMask: mm.binary ? layerKept / k.size : row[1],
      histogram: { min: lo, max: lo + 2 * HISTOGRAM_HALF_WIDTH, counts },
    };
  });
  return { layers, kept, total, keptFraction: total ? kept / total : 1 };
}
