// The CS masked weight's forward and gradient, written out, against autodiff of the paper's formula,
// on each backend's one-pass kernels and on the stock-kernel composition the GPU backends use.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../../engine/backend/selectBackend';
import { CS_MASK_FORWARD, CS_MASK_GRAD } from '../../../engine/cs/csKernelNames';
import { maskForward, maskGrad } from '../../../engine/cs/maskedWeight';

const T = 3.5;
const S0 = -0.2;
const SCALE = 1 / (1 / (1 + Math.exp(-S0)));
const LAMBDA = 0.07;

function seeded(n: number, seed: number, spread: number): Float32Array {
  let a = seed;
  return Float32Array.from({ length: n }, () => {
    a = (a * 1103515245 + 12345) % 2 ** 31;
    return ((a / 2 ** 31) * 2 - 1) * spread;
  });
}

/**
 * Loss r . (W * mc) + lambda * sum(mc) and its gradients in W and s: by maskForward and maskGrad
 * (whose dy is r, the loss's gradient in W * mc), or by autodiff of the formula.
 */
function gradients(writtenOut: boolean): { loss: number; dW: Float32Array; ds: Float32Array } {
  const shape = [7, 5];
  const w = tf.tensor(seeded(35, 1, 1), shape);
  const s = tf.tensor(seeded(35, 2, 1.5), shape);
  const r = tf.tensor(seeded(35, 3, 2), shape);
  const [value, dW, ds] = tf.tidy(() => {
    if (writtenOut) {
      const [mc, effective, sum] = maskForward(s, w, { temperature: T, scale: SCALE });
      const loss = tf.add(tf.sum(tf.mul(r, effective)), tf.mul(sum, LAMBDA));
      return [loss, ...maskGrad(r, w, mc, { temperature: T, scale: SCALE, lambda: LAMBDA })];
    }
    const f = (wIn: tf.Tensor, sIn: tf.Tensor): tf.Scalar => {
      const mc = tf.mul(tf.sigmoid(tf.mul(sIn, T)), SCALE);
      return tf.add(tf.sum(tf.mul(r, tf.mul(wIn, mc))), tf.mul(tf.sum(mc), LAMBDA)) as tf.Scalar;
    };
    const { value: loss, grads } = tf.valueAndGrads(f)([w, s]);
    return [loss, ...grads];
  });
  const out = {
    loss: value.dataSync()[0],
    dW: dW.dataSync() as Float32Array,
    ds: ds.dataSync() as Float32Array,
  };
  tf.dispose([w, s, r, value, dW, ds]);
  return out;
}

function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  expected.forEach((e, i) =>
    assert.ok(
      Math.abs(actual[i] - e) <= 1e-5 * Math.max(1, Math.abs(e)),
      `${label}[${i}]: ${actual[i]} vs ${e}`,
    ),
  );
}

describe('maskedWeight: the CS mask written out', () => {
  const runs = [
    { backend: 'cpu', fusedKernel: true },
    { backend: 'cpu', fusedKernel: false },
    { backend: 'wasm', fusedKernel: true },
    { backend: 'wasm', fusedKernel: false },
  ] as const;
  for (const { backend, fusedKernel } of runs) {
    it(`gives autodiff's gradients, penalty included (${backend}, ${fusedKernel ? 'one-pass kernels' : 'stock kernels'})`, async () => {
      await selectBackend(backend);
      // cpu has the backward kernel (a JavaScript loop), wasm both (SIMD, backend/simd).
      const kernels = [CS_MASK_FORWARD, CS_MASK_GRAD].flatMap((name) => tf.getKernel(name, backend) ?? []);
      assert.deepEqual(
        kernels.map((k) => k.kernelName),
        backend === 'cpu' ? [CS_MASK_GRAD] : [CS_MASK_FORWARD, CS_MASK_GRAD],
      );
      if (!fusedKernel) for (const k of kernels) tf.unregisterKernel(k.kernelName, backend);
      try {
        const before = tf.memory().numTensors;
        const expected = gradients(false);
        const actual = gradients(true);
        assert.ok(Math.abs(actual.loss - expected.loss) <= 1e-5 * Math.abs(expected.loss));
        assertClose(actual.dW, expected.dW, 'dW');
        assertClose(actual.ds, expected.ds, 'ds');
        assert.ok(
          expected.ds.some((v) => Math.abs(v) > 1e-3),
          'the logits get a real gradient',
        );
        assert.equal(tf.memory().numTensors, before, 'no tensor is left behind');
      } finally {
        if (!fusedKernel) for (const k of kernels) tf.registerKernel(k);
      }
    });
  }
});
