import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { MaskedModel, maskScale, sigmoid } from '../../../engine/cs/maskedModel';
import { listMaskableLayers } from '../../../engine/models/maskableLayers';

/** A 2-in, 2-out Dense layer with known weights and no bias. */
function tinyModel(kernel: number[][]): tfl.LayersModel {
  const input = tfl.input({ shape: [2] });
  const dense = tfl.layers.dense({ units: 2, useBias: false, name: 'd' });
  const model = tfl.model({ inputs: input, outputs: dense.apply(input) as tfl.SymbolicTensor });
  dense.setWeights([tf.tensor2d(kernel)]);
  return model;
}

function masked(kernel: number[][], s0: number): MaskedModel {
  const model = tinyModel(kernel);
  return new MaskedModel(model, listMaskableLayers(model, []), s0);
}

const close = (a: number, b: number, tol = 1e-6) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

describe('MaskedModel: the CS mask formula', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('computes W * sigmoid(T*s) / sigmoid(s0) in the forward pass', async () => {
    const W = [
      [1, -2],
      [3, 0.5],
    ];
    const s0 = 0.3;
    const mm = masked(W, s0);
    const s = [
      [0.2, -0.4],
      [1.0, 0.0],
    ];
    mm.masked[0].logits.assign(tf.tensor2d(s));
    const T = 4;
    mm.setMode({ kind: 'soft', temperature: T });
    const x = [1, 2];
    const y = (await (mm.model.predict(tf.tensor2d([x])) as tf.Tensor).data()) as Float32Array;
    for (let j = 0; j < 2; j++) {
      let expected = 0;
      for (let i = 0; i < 2; i++) expected += x[i] * W[i][j] * (sigmoid(T * s[i][j]) / sigmoid(s0));
      close(y[j], expected);
    }
  });

  it('penalty = lambda * sum sigmoid(T*s)/sigmoid(s0), and zero for the ticket', async () => {
    const mm = masked(
      [
        [1, 1],
        [1, 1],
      ],
      0,
    );
    const s = [0.5, -1, 2, 0];
    mm.masked[0].logits.assign(tf.tensor2d(s, [2, 2]));
    mm.setMode({ kind: 'soft', temperature: 3 });
    const lambda = 1e-2;
    const expected = lambda * s.reduce((a, v) => a + sigmoid(3 * v) / sigmoid(0), 0);
    close((await mm.penalty(lambda).data())[0], expected);
    mm.setMode({ kind: 'hard' });
    assert.equal((await mm.penalty(lambda).data())[0], 0);
  });

  it('the ticket uses 1[s > 0] / sigmoid(s0): with s0 = 0 kept weights are doubled', async () => {
    const mm = masked(
      [
        [1, 2],
        [3, 4],
      ],
      0,
    );
    mm.masked[0].logits.assign(
      tf.tensor2d([
        [0.1, -0.1],
        [0, 5],
      ]),
    );
    mm.setMode({ kind: 'hard' });
    const kernel = mm.model.getLayer('d').getWeights()[0];
    assert.deepEqual(Array.from(await kernel.data()), [2, 0, 0, 8]);
    assert.equal(maskScale(0), 2);
    assert.deepEqual(await mm.keptCounts(), [2]);
  });

  it('gradients reach both the weights and the mask logits', () => {
    const mm = masked(
      [
        [1, 2],
        [3, 4],
      ],
      0,
    );
    mm.setMode({ kind: 'soft', temperature: 2 });
    const { grads } = tf.variableGrads(
      () => tf.sum(mm.model.apply(tf.tensor2d([[1, 1]]), { training: true }) as tf.Tensor) as tf.Scalar,
      [...mm.trainableWeights(), ...mm.maskLogits()],
    );
    const gW = grads[mm.trainableWeights()[0].name].arraySync() as number[][];
    const gS = grads[mm.maskLogits()[0].name].arraySync() as number[][];
    // d/dW = x_i * m = 1 * sigmoid(0)/sigmoid(0) = 1; d/ds = x_i * W * T * sig'(0) / sig(0) = W * 2 * 0.25 / 0.5 = W
    close(gW[0][0], 1);
    close(gS[1][1], 4);
    close(gS[0][1], 2);
  });

  it('between rounds s = min(T*s, s0)', async () => {
    const mm = masked(
      [
        [1, 1],
        [1, 1],
      ],
      0.1,
    );
    mm.masked[0].logits.assign(
      tf.tensor2d([
        [0.01, -0.02],
        [0.5, 0.1],
      ]),
    );
    mm.resetLogits(200);
    const s = Array.from(await mm.masked[0].logits.data());
    [0.1, -4, 0.1, 0.1].forEach((v, i) => close(s[i], v));
  });
});
