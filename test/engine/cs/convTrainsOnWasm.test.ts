// A conv net trains under CS on the wasm backend (which needed our gradient kernels to do so at all).
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../engine/backend/selectBackend';
import { MaskedModel } from '../../../engine/cs/maskedModel';
import { NesterovSgd } from '../../../engine/cs/nesterovSgd';
import { trainStep } from '../../../engine/cs/trainStep';
import { loadData } from '../../../engine/data/loadData';
import { listMaskableLayers } from '../../../engine/models/maskableLayers';
import { buildZooModel } from '../../../engine/models/zoo';

describe('conv2 on the wasm backend', function () {
  this.timeout(180_000);

  it('trains with CS masks on real digits, with decreasing loss', async () => {
    const report = await selectBackend('wasm');
    assert.equal(report.name, 'wasm');
    const data = await loadData({ format: 'mnist-bundled', limit: 400, testSize: 80 }, '.', 1);
    const { model, denseByDefault } = buildZooModel('conv2', {
      inputShape: data.inputShape,
      numClasses: 10,
      seed: 3,
    });
    const mm = new MaskedModel(model, listMaskableLayers(model, denseByDefault), 0);
    mm.setMode({ kind: 'soft', temperature: 2 });
    const weightOpt = new NesterovSgd(mm.trainableWeights(), { momentum: 0.9, weightDecay: 1e-4 });
    const maskOpt = new NesterovSgd(mm.maskLogits(), { momentum: 0.9, weightDecay: 0 });
    const batch = 32;
    const size = 28 * 28;
    const losses: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      for (let start = 0; start + batch <= data.train.count; start += batch) {
        const x = tf.tensor4d(data.train.x.subarray(start * size, (start + batch) * size), [
          batch,
          28,
          28,
          1,
        ]);
        const labels = tf.tensor1d(data.train.y.subarray(start, start + batch), 'int32');
        const r = await trainStep(mm, { x, labels, size: batch }, 10, 1e-8, weightOpt, maskOpt, 0.01, 0.01);
        tf.dispose([x, labels]);
        losses.push(r.crossEntropy);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(losses.slice(0, 5));
    const last = mean(losses.slice(-5));
    assert.ok(losses.every(Number.isFinite));
    assert.ok(last < first * 0.75, `loss went from ${first.toFixed(3)} to ${last.toFixed(3)}`);
    // The masks trained too: some logits left s0 = 0 in both directions.
    const kept = await mm.keptCounts();
    assert.ok(kept[0] > 0 && kept[0] < mm.masked[0].size);
    weightOpt.dispose();
    maskOpt.dispose();
    mm.dispose();
    model.dispose();
  });
});
