// Per-layer mask statistics: the kept count, the mean soft mask and a histogram of the mask logits.
// Counted here from the logits on backends that keep tensors in this process's memory; reduced on the
// backend otherwise, so a GPU sends a few numbers per layer, never the logits (millions of them).
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

/** Backends whose tensors live in this process's memory: reading them back is a copy, not a transfer. */
const HOST_BACKENDS = ['wasm', 'cpu'];

/**
 * The statistics of every masked layer. On the wasm and cpu backends the logits are read back and
 * counted in one pass here: a bins-wide histogram on the backend costs a pass over the weights per bin
 * edge, which at the default 250 ms interval took about a sixth of LeNet's training time. On other
 * backends (a GPU's memory) only the few reduced numbers per layer are downloaded.
 */
export function computeLayerStats(mm: MaskedModel, temperature: number, bins: number): Promise<StatsSummary> {
  return HOST_BACKENDS.includes(tf.getBackend())
    ? layerStatsOnHost(mm, temperature, bins)
    : layerStatsOnDevice(mm, temperature, bins);
}

/** Where the histogram's bins start and how wide they are. */
function histogramSpan(mm: MaskedModel, bins: number): { lo: number; width: number } {
  return {
    lo: (mm.binary ? 0 : mm.maskInit) - HISTOGRAM_HALF_WIDTH,
    width: (2 * HISTOGRAM_HALF_WIDTH) / bins,
  };
}

/**
 * The bin of one logit, as the device path counts it: the number of edges it is not below. The width
 * gives the first guess; the float32 edges settle a logit that lies on one. NaN is below no edge.
 */
function binOf(v: number, lo: number, width: number, edges: Float32Array): number {
  const last = edges.length;
  if (Number.isNaN(v)) return last;
  let bin = Math.min(last, Math.max(0, Math.floor((v - lo) / width)));
  while (bin > 0 && v < edges[bin - 1]) bin--;
  while (bin < last && v >= edges[bin]) bin++;
  return bin;
}

/** One pass over each layer's logits, read back from the backend. */
export async function layerStatsOnHost(
  mm: MaskedModel,
  temperature: number,
  bins: number,
): Promise<StatsSummary> {
  const { lo, width } = histogramSpan(mm, bins);
  // The edges as the device path compares them (float32), so a logit on an edge lands in the same bin.
  const edges = Float32Array.from({ length: bins - 1 }, (_, i) => lo + (i + 1) * width);
  const rows = await Promise.all(
    mm.masked.map(async (k) => {
      const s = (await k.logits.data()) as Float32Array;
      const counts = new Array<number>(bins).fill(0);
      let kept = 0;
      let softSum = 0;
      for (let j = 0; j < s.length; j++) {
        const v = s[j];
        if (v > 0) kept++;
        if (!mm.binary) softSum += 1 / (1 + Math.exp(-temperature * v));
        counts[binOf(v, lo, width, edges)]++;
      }
      return { kept, meanMask: s.length ? softSum / s.length : 0, counts };
    }),
  );
  return summarise(mm, lo, rows);
}

export async function layerStatsOnDevice(
  mm: MaskedModel,
  temperature: number,
  bins: number,
): Promise<StatsSummary> {
  const { lo, width } = histogramSpan(mm, bins);
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
  const rows = mm.masked.map((k, i) => {
    const row = values.subarray(i * perLayer, (i + 1) * perLayer);
    const cumulative = Array.from(row.subarray(2), Math.round);
    const counts: number[] = [];
    let previous = 0;
    for (const c of [...cumulative, k.size]) {
      counts.push(c - previous);
      previous = c;
    }
    return { kept: Math.round(row[0]), meanMask: row[1], counts };
  });
  return summarise(mm, lo, rows);
}

function summarise(
  mm: MaskedModel,
  lo: number,
  rows: { kept: number; meanMask: number; counts: number[] }[],
): StatsSummary {
  let kept = 0;
  let total = 0;
  const layers = mm.masked.map((k, i) => {
    const { kept: layerKept, meanMask, counts } = rows[i];
    kept += layerKept;
    total += k.size;
    return {
      name: k.layerName,
      kind: k.kind,
      shape: k.shape,
      total: k.size,
      kept: layerKept,
      keptFraction: layerKept / k.size,
      meanMask: mm.binary ? layerKept / k.size : meanMask,
      histogram: { min: lo, max: lo + 2 * HISTOGRAM_HALF_WIDTH, counts },
    };
  });
  return { layers, kept, total, keptFraction: total ? kept / total : 1 };
}
