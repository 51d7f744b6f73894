// ReLU's gradient as one kernel where the backend has RELU_GRAD (wasm: csKernels.wat reluGrad).
// tfjs-core writes it as dy * cast(step(x)), three passes and two tensors the size of the activation:
// on Conv-2 at batch 128 that was 18 ms per convolution layer against 5 for the one pass. Elsewhere,
// and for non-float inputs, the gradient is tfjs-core's own composition. RELU_GRAD has no gradient of
// its own: the engine never differentiates a gradient.
import * as tf from '@tensorflow/tfjs-core';
import { RELU_GRAD } from '../cs/csKernelNames';

/**
 * Replaces tfjs-core's ReLU gradient (a global registry, for every backend). Registered again on every
 * call, since importing tfjs-core's register_all_gradients (tfjs-layers does) puts its own back.
 */
export function registerReluGradient(): void {
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const grad = dy as tf.Tensor;
      const fused = x.dtype === 'float32' && tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined;
      return {
        x: () =>
          fused
            ? (tf.engine().runKernel(RELU_GRAD, { x, dy: grad }, {}) as tf.Tensor)
            : tf.mul(grad, tf.cast(tf.step(x), 'float32')),
      };
    },
  });
}
