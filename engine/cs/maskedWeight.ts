// The soft-masked weight of CS, W * sigmoid(T*s) * c with c = 1/sigmoid(s0), forward and gradient
// written out rather than left to autodiff: stock kernels in place of autodiff's chain of about a
// dozen (the products, the sigmoid's derivative, the penalty's broadcast sum), one loop for the
// gradient on the cpu backend, and on wasm one SIMD pass each way (backend/simd). On wasm that chain
// was most of what CS added to a LeNet-300-100 step once its matmuls got fast (engine/bench/PROFILE.md).
// The training step (trainStep.ts) computes the masked weights before the forward pass, takes the
// loss's gradient in them, and hands it to maskedStep.ts, which turns it into both updates.
//
// With m = sigmoid(T*s) and mc = m*c, for the loss L(W*mc) + lambda * sum(mc) and dy = dL/d(W*mc):
//   dW = dy * mc
//   ds = (dy * W + lambda) * T * mc * (1 - m)        (d mc/ds = T * mc * (1 - m))
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { CS_MASK_FORWARD, CS_MASK_GRAD, type MaskForwardAttrs, type MaskGradAttrs } from './csKernelNames';

/**
 * The backward pass as one loop, for the cpu backend, whose stock kernels are JavaScript loops too:
 * the composition below passes over the weights once per kernel, this once. wasm has its own, in
 * SIMD (backend/simd/wasmSimdKernels.ts): on LeNet-300-100's masks a scalar JavaScript loop over the
 * wasm heap lost even to wasm's stock kernels (5.4 vs 4.6 ms).
 */
const cpuMaskGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as MathBackendCPU;
  const { dy, w, mc } = inputs as Record<'dy' | 'w' | 'mc', TensorInfo>;
  const values = (t: TensorInfo) => b.data.get(t.dataId)?.values as Float32Array;
  const [dyv, wv, mcv] = [values(dy), values(w), values(mc)];
  const { temperature, scale, lambda } = attrs as unknown as MaskGradAttrs;
  const inverseScale = 1 / scale;
  const dW = new Float32Array(mcv.length);
  const ds = new Float32Array(mcv.length);
  for (let i = 0; i < mcv.length; i++) {
    const g = dyv[i];
    const m = mcv[i];
    dW[i] = g * m;
    ds[i] = (g * wv[i] + lambda) * temperature * m * (1 - m * inverseScale);
  }
  return [b.makeTensorInfo(w.shape, 'float32', dW), b.makeTensorInfo(w.shape, 'float32', ds)];
};

if (tf.getKernel(CS_MASK_GRAD, 'cpu') === undefined) {
  tf.registerKernel({ kernelName: CS_MASK_GRAD, backendName: 'cpu', kernelFunc: cpuMaskGrad });
}

/** The same gradients from stock kernels, for backends without the fused one (GPUs). */
function maskGradComposite(
  dy: tf.Tensor,
  w: tf.Tensor,
  mc: tf.Tensor,
  a: MaskGradAttrs,
): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const oneMinusM = tf.sub(1, tf.mul(mc, 1 / a.scale));
    const ds = tf.mul(tf.add(tf.mul(dy, w), a.lambda), tf.mul(tf.mul(mc, oneMinusM), a.temperature));
    return [tf.mul(dy, mc), ds];
  });
}

/** [dW, ds] from dy, the loss's gradient in W * mc: one kernel where the backend has it, else stock ones. */
export function maskGrad(
  dy: tf.Tensor,
  w: tf.Tensor,
  mc: tf.Tensor,
  a: MaskGradAttrs,
): [tf.Tensor, tf.Tensor] {
  if (tf.getKernel(CS_MASK_GRAD, tf.getBackend()) === undefined) return maskGradComposite(dy, w, mc, a);
  return tf.engine().runKernel(CS_MASK_GRAD, { dy, w, mc }, { ...a }) as unknown as [tf.Tensor, tf.Tensor];
}

/**
 * [mc, W * mc, sum(mc)] and, where the kernel writes it in the same pass, (W * mc)^T, which the
 * backend's matmul then uses for the forward product (wasmMatMul.ts): it must live as long as W * mc.
 * One kernel where the backend has it, else stock ones. Not differentiable.
 */
export function maskForward(
  s: tf.Tensor,
  w: tf.Tensor,
  a: MaskForwardAttrs,
): [tf.Tensor, tf.Tensor, tf.Scalar, tf.Tensor?] {
  const { temperature, scale } = a;
  if (tf.getKernel(CS_MASK_FORWARD, tf.getBackend()) !== undefined) {
    return tf.engine().runKernel(CS_MASK_FORWARD, { s, w }, { temperature, scale }) as unknown as [
      tf.Tensor,
      tf.Tensor,
      tf.Scalar,
      tf.Tensor?,
    ];
  }
  return tf.tidy(() => {
    const mc = softMask(s, a);
    return [mc, tf.mul(w, mc), tf.sum(mc)];
  });
}

/** mc = sigmoid(T*s) * scale from stock kernels: the soft mask wherever no fused kernel computes it. */
export function softMask(s: tf.Tensor, { temperature, scale }: MaskForwardAttrs): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sigmoid(tf.mul(s, temperature)), scale));
}
