// Per-layer mask statistics: the kept count, the mean soft mask and a histogram of the mask logits.
// Counted here from the logits on backends that keep tensors in this process's memory; reduced on the
// backend otherwise, so a GPU sends a few numbers per layer, never the logits (millions of them).
import * as tf from '@tensorflow/tfjs-core';
import type { LayerStat } from '../protocol/engineProtocol';
import { CS_COUNT_LOGITS, CS_MASK_FORWARD } from './csKernelNames';
import { countLogitsOffThread } from './logitCountWorker';
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
 * One pass over each layer's logits. On wasm it runs here, in SIMD (about a millisecond for
 * LeNet-300-100): a worker thread's JavaScript count, on a core the training shares on small machines,
 * cost 2-5% of the throughput at the default interval. Elsewhere (cpu) the logits are copied out of
 * the backend before this returns and counted in a worker, so the training steps that run meanwhile
 * do not change what is counted.
 */
export function layerStatsOnHost(mm: MaskedModel, temperature: number, bins: number): Promise<StatsSummary> {
  const { lo, width } = histogramSpan(mm, bins);
  // The edges as the device path compares them (float32), so a logit on an edge lands in the same bin.
  const edges = Float32Array.from({ length: bins - 1 }, (_, i) => lo + (i + 1) * width);
  if (HERE_KERNELS.every((name) => tf.getKernel(name, tf.getBackend()) !== undefined)) {
    return Promise.resolve(summarise(mm, lo, countedHere(mm, temperature, edges)));
  }
  // A synchronous read is a copy on these backends: this is the moment the statistics describe.
  // A copy of our own: the cpu backend's dataSync hands out its storage, and the copy is moved (not
  // copied again) to the worker.
  const logits = mm.masked.map((k) => (k.logits.dataSync() as Float32Array).slice());
  const params = { temperature, withSoftSum: !mm.binary, lo, width, edges };
  return countLogitsOffThread(logits, params).then((rows) =>
    summarise(
      mm,
      lo,
      rows.map(({ kept, softSum, counts }, i) => ({
        kept,
        // The size from the model: the copies were moved to the worker and are empty here now.
        meanMask: meanOf(softSum, mm.masked[i].size),
        counts,
      })),
    ),
  );
}

const meanOf = (sum: number, size: number) => (size ? sum / size : 0);

/** The kernels that count on this thread; wasm has them (backend/simd). */
const HERE_KERNELS = [CS_COUNT_LOGITS, CS_MASK_FORWARD];

/**
 * Kept counts, histograms and mean soft masks from the backend's own kernels: the counting one, and
 * the mask kernel for the sums of sigmoid(T*s) (not needed for binary masks, whose mean summarise
 * sets from the kept count).
 */
function countedHere(
  mm: MaskedModel,
  temperature: number,
  edges: Float32Array,
): { kept: number; meanMask: number; counts: number[] }[] {
  const packed = tf.tidy(() => {
    const e = tf.tensor1d(edges);
    const rows = mm.masked.map(
      (k) => tf.engine().runKernel(CS_COUNT_LOGITS, { s: k.logits, edges: e }) as tf.Tensor,
    );
    return rows.length ? tf.concat(rows) : tf.zeros([0], 'int32');
  });
  const values = packed.dataSync();
  packed.dispose();
  const sums = mm.binary ? null : softMaskSums(mm, temperature);
  const perLayer = edges.length + 1;
  return mm.masked.map((k, i) => {
    const row = values.subarray(i * perLayer, (i + 1) * perLayer);
    return {
      kept: row[0],
      meanMask: meanOf(sums?.[i] ?? 0, k.size),
      counts: binsFromCumulative(Array.from(row.subarray(1)), k.size),
    };
  });
}

/** Bin counts from cumulative ones (how many below each interior edge); the last bin takes the rest. */
function binsFromCumulative(cumulative: number[], size: number): number[] {
  const counts: number[] = [];
  let previous = 0;
  for (const c of [...cumulative, size]) {
    counts.push(c - previous);
    previous = c;
  }
  return counts;
}

/**
 * Each layer's sum of sigmoid(T*s), from the backend's one-pass mask kernel (wasm: well under a
 * millisecond for LeNet-300-100). A worker's Math.exp per logit, on a core the training shares on
 * small machines, had cost LeNet about a tenth of its throughput at the default interval.
 */
function softMaskSums(mm: MaskedModel, temperature: number): number[] {
  if (mm.masked.length === 0) return [];
  const sums = tf.tidy(() =>
    tf.stack(
      mm.masked.map((k) => {
        // scale 1: the plain sigmoid; the masked weight output (W = s here) is not used. Flat, so
        // that a dense kernel's logits do not get the transpose a forward pass would read.
        const s = tf.reshape(k.logits, [-1]);
        const [, , sum] = tf
          .engine()
          .runKernel(CS_MASK_FORWARD, { s, w: s }, { temperature, scale: 1 }) as tf.Tensor[];
        return sum;
      }),
    ),
  );
  const values = Array.from(sums.dataSync());
  sums.dispose();
  return values;
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
    const counts = binsFromCumulative(Array.from(row.subarray(2), Math.round), k.size);
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
