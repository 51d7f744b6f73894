// The two ways of counting the layer statistics agree exactly: the one-pass count here (wasm and cpu,
// whose tensors are in this process) and the reduction on the backend (GPU backends). Logits are
// random, plus values that sit exactly on bin edges, beyond both ends, and NaN.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../../engine/backend/selectBackend';
import {
  HISTOGRAM_HALF_WIDTH,
  layerStatsOnDevice,
  layerStatsOnHost,
  computeLayerStats,
} from '../../../engine/cs/layerStats';
import { MaskedModel } from '../../../engine/cs/maskedModel';
import { listMaskableLayers } from '../../../engine/models/maskableLayers';

const BINS = 20;

function model(maskInit: number, binary = false): MaskedModel {
  const m = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [30], units: 40 }), tfl.layers.dense({ units: 10 })],
  });
  return new MaskedModel(m, listMaskableLayers(m, []), maskInit, { binary });
}

/** Random logits around s0, with every bin edge, both ends overshot, and (in the first layer) a NaN. */
function fillLogits(mm: MaskedModel, withNaN: boolean): void {
  const width = (2 * HISTOGRAM_HALF_WIDTH) / BINS;
  const lo = mm.maskInit - HISTOGRAM_HALF_WIDTH;
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 3 - 1.5;
  mm.masked.forEach((k, layer) => {
    const values = Float32Array.from({ length: k.size }, () => mm.maskInit + random());
    for (let i = 0; i <= BINS; i++) values[i] = lo + i * width; // on the edges (as float32)
    values[BINS + 1] = lo - 5;
    values[BINS + 2] = lo + 2 * HISTOGRAM_HALF_WIDTH + 5;
    values[BINS + 3] = 0;
    if (withNaN && layer === 0) values[BINS + 4] = NaN;
    k.logits.assign(tf.tensor(values, k.shape));
  });
}

describe('layer statistics: counted here and reduced on the backend', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`agree exactly on kept counts and histograms, and closely on the mean soft mask (${backend})`, async () => {
      await selectBackend(backend);
      for (const maskInit of [0, -0.1, 0.3]) {
        const mm = model(maskInit);
        fillLogits(mm, true);
        const host = await layerStatsOnHost(mm, 3.7, BINS);
        const device = await layerStatsOnDevice(mm, 3.7, BINS);
        assert.equal(host.kept, device.kept);
        assert.equal(host.total, device.total);
        host.layers.forEach((h, i) => {
          const d = device.layers[i];
          assert.deepEqual(h.histogram, d.histogram, `${h.name} at s0 = ${maskInit}`);
          assert.equal(h.kept, d.kept);
          assert.equal(
            h.histogram.counts.reduce((a, b) => a + b, 0),
            h.total,
          );
          // float32 on the backend, float64 here (NaN makes both NaN in the first layer).
          if (i > 0) assert.ok(Math.abs(h.meanMask - d.meanMask) < 1e-5, `${h.meanMask} vs ${d.meanMask}`);
        });
        mm.dispose();
      }
    });
  }

  it('counts binary (IMP) masks as pruned in the first bin and kept in the last', async () => {
    await selectBackend('wasm');
    const mm = model(0, true);
    const size = mm.masked[0].size;
    const pattern = Float32Array.from({ length: size }, (_, i) => (i % 3 === 0 ? -1 : 1));
    mm.masked[0].logits.assign(tf.tensor(pattern, mm.masked[0].shape));
    const stats = await computeLayerStats(mm, 1, BINS);
    const counts = stats.layers[0].histogram.counts;
    const pruned = Math.ceil(size / 3);
    assert.equal(counts[0], pruned);
    assert.equal(counts[BINS - 1], size - pruned);
    assert.equal(stats.layers[0].meanMask, (size - pruned) / size);
    assert.deepEqual(stats, await layerStatsOnDevice(mm, 1, BINS));
    mm.dispose();
  });
});
