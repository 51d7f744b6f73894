import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { temperatureAt, temperatureIncrease } from '../../../engine/cs/temperatureSchedule';
import { defaultDropEpochs, learningRateAt } from '../../../engine/cs/learningRateSchedule';
import { NesterovSgd } from '../../../engine/cs/nesterovSgd';

const close = (a: number, b: number, tol = 1e-9) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

describe('temperature schedule', () => {
  it('starts at 1, grows geometrically and reaches finalT in the last epoch', () => {
    close(temperatureAt(0, 200, 85), 1);
    close(temperatureAt(84, 200, 85), 200, 1e-9);
    close(temperatureAt(1, 200, 85), 200 ** (1 / 84));
    close(temperatureAt(2, 200, 3), 200);
    close(temperatureAt(1, 200, 3), Math.sqrt(200));
    for (let e = 1; e < 10; e++)
      close(temperatureAt(e, 50, 10) / temperatureAt(e - 1, 50, 10), temperatureIncrease(50, 10));
  });

  it('stays at 1 with a single epoch per round', () => {
    assert.equal(temperatureAt(0, 200, 1), 1);
  });
});

describe('learning-rate schedule', () => {
  it('matches the reference: x0.1 from epochs 56 and 71 of 85', () => {
    assert.deepEqual(defaultDropEpochs(85), [56, 71]);
    close(learningRateAt(0.1, 55, [56, 71], 0.1), 0.1);
    close(learningRateAt(0.1, 56, [56, 71], 0.1), 0.01);
    close(learningRateAt(0.1, 70, [56, 71], 0.1), 0.01);
    close(learningRateAt(0.1, 71, [56, 71], 0.1), 0.001);
  });
});

describe('NesterovSgd (PyTorch semantics)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('follows g = grad + wd*p; buf = m*buf + g; p -= lr*(g + m*buf) step by step', async () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new NesterovSgd([p], { momentum: 0.9, weightDecay: 0.01 });
    const grads = [
      [0.5, 0.25],
      [-1, 2],
      [0.1, 0],
    ];
    // The same updates by hand.
    let ref = [1, -2];
    let buf = [0, 0];
    for (const [step, g] of grads.entries()) {
      const lr = step === 2 ? 0.01 : 0.1;
      opt.step([tf.tensor1d(g)], lr);
      const gg = g.map((v, i) => v + 0.01 * ref[i]);
      buf = buf.map((b, i) => 0.9 * b + gg[i]);
      ref = ref.map((v, i) => v - lr * (gg[i] + 0.9 * buf[i]));
      const got = Array.from(await p.data());
      got.forEach((v, i) => close(v, ref[i], 1e-6));
    }
    const state = Array.from(await opt.state()[0].data());
    state.forEach((v, i) => close(v, buf[i], 1e-6));
  });
});
