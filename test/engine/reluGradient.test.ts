// ReLU's gradient (engine/backend/reluGradient.ts): one kernel on wasm, tfjs-core's composition on
// other backends, the same values on both.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
// What tfjs-layers registers in the engine; selectBackend then puts the engine's ReLU gradient over it.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../engine/backend/selectBackend';
import { RELU_GRAD } from '../../engine/cs/csKernelNames';

/** d/dx sum(relu(x) * c) on the current backend, and the kernels its run used. */
async function reluGradient(
  x: Float32Array,
  c: Float32Array,
): Promise<{ dx: Float32Array; kernels: string[] }> {
  const xt = tf.tensor(x, [x.length]);
  const ct = tf.tensor(c, [c.length]);
  let dx: tf.Tensor | undefined;
  const profile = await tf.profile(() => {
    dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), ct)))(xt);
  });
  const values = (await (dx as tf.Tensor).data()) as Float32Array;
  tf.dispose([xt, ct, dx as tf.Tensor]);
  return { dx: values, kernels: profile.kernels.map((k) => k.name) };
}

describe('ReLU gradient', function () {
  this.timeout(60_000);
  const n = 1001;
  const x = Float32Array.from({ length: n }, (_, i) => (i % 9 === 4 ? 0 : Math.sin(i * 1.7) * 3));
  x[17] = NaN;
  const c = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.3) + 0.5);

  it('runs as one kernel on wasm and gives what tfjs-core composes on cpu', async () => {
    await selectBackend('cpu');
    const onCpu = await reluGradient(x, c);
    assert.ok(!onCpu.kernels.includes(RELU_GRAD), 'cpu composes the gradient from stock kernels');
    assert.ok(onCpu.kernels.includes('Step'));
    await selectBackend('wasm', undefined, { wasmThreads: 1 });
    const onWasm = await reluGradient(x, c);
    assert.ok(onWasm.kernels.includes(RELU_GRAD), `wasm ran ${onWasm.kernels.join(', ')}`);
    assert.ok(!onWasm.kernels.includes('Step'));
    for (let i = 0; i < n; i++) {
      // Equal values; a zero's sign may differ (dy * 0 is -0 for a negative dy, the kernel gives +0).
      const same = Number.isNaN(onCpu.dx[i]) ? Number.isNaN(onWasm.dx[i]) : onWasm.dx[i] === onCpu.dx[i];
      assert.ok(same, `dx[${i}]: wasm ${onWasm.dx[i]}, cpu ${onCpu.dx[i]} (x = ${x[i]})`);
    }
  });
});
