// The soft-masked weight of CS, W * sigmoid(T*s) * c with c = 1/sigmoid(s0), as one differentiable
// op whose backward pass is one loop over the weights instead of autodiff's chain of about a dozen
// elementwise kernels (the products, the sigmoid's derivative, the penalty's broadcast sum). On the
// wasm backend that chain was most of what CS added to a LeNet-300-100 step once its matmuls got
// fast (engine/bench/PROFILE.md).
//
// With m = sigmoid(T*s) and mc = m*c, for the loss L(W*mc) + lambda * sum(mc):
//   dW = dy * mc
//   ds = (dy * W + lambda) * T * mc * (1 - m)        (d mc/ds = T * mc * (1 - m))
// The penalty's share of ds is folded in here, so the caller's penalty (made of the sums this op
// notes) carries no gradient of its own: maskedModel.ts pairs them.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** The fused backward kernel; registered for the backends whose memory this process can address. */
export const CS_MASK_GRAD = 'SparsityLabCsMaskGrad';

interface MaskGradAttrs {
  temperature: number;
  scale: number;
  lambda: number;
}

/** One pass: dW and ds from dy, W and mc (all the same size). */
function maskGradLoop(
  dy: Float32Array,
  w: Float32Array,
  mc: Float32Array,
  dW: Float32Array,
  ds: Float32Array,
  { temperature, scale, lambda }: MaskGradAttrs,
): void {
  const inverseScale = 1 / scale;
  for (let i = 0; i < mc.length; i++) {
    const g = dy[i];
    const m = mc[i];
    dW[i] = g * m;
    ds[i] = (g * w[i] + lambda) * temperature * m * (1 - m * inverseScale);
  }
}

function attrsOf(attrs: Record<string, unknown> | undefined): MaskGradAttrs {
  return attrs as unknown as MaskGradAttrs;
}

/** wasm: the loop reads and writes the tensors in place, in the module's heap. */
const wasmKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as BackendWasm;
  const { dy, w, mc } = inputs as { dy: TensorInfo; w: TensorInfo; mc: TensorInfo };
  const dW = b.makeOutput(w.shape, 'float32');
  const ds = b.makeOutput(w.shape, 'float32');
  // Views taken after both allocations: growing the heap replaces its buffer.
  const view = (t: TensorInfo) => b.typedArrayFromHeap(t) as Float32Array;
  maskGradLoop(view(dy), view(w), view(mc), view(dW), view(ds), attrsOf(attrs));
  return [dW, ds];
};

const cpuKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as MathBackendCPU;
  const { dy, w, mc } = inputs as { dy: TensorInfo; w: TensorInfo; mc: TensorInfo };
  const values = (t: TensorInfo) => b.data.get(t.dataId)?.values as Float32Array;
  const dW = new Float32Array(tf.util.sizeFromShape(w.shape));
  const ds = new Float32Array(dW.length);
  maskGradLoop(values(dy), values(w), values(mc), dW, ds, attrsOf(attrs));
  return [b.makeTensorInfo(w.shape, 'float32', dW), b.makeTensorInfo(w.shape, 'float32', ds)];
};

for (const [backendName, kernelFunc] of [
  ['wasm', wasmKernel],
  ['cpu', cpuKernel],
] as const) {
  if (tf.getKernel(CS_MASK_GRAD, backendName) === undefined) {
    tf.registerKernel({ kernelName: CS_MASK_GRAD, backendName, kernelFunc });
  }
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

export interface MaskedWeightOptions extends MaskGradAttrs {
  /** Called with mc inside the forward pass (untaped): where the penalty's sum is noted. */
  onMask?: (mc: tf.Tensor) => void;
}

/**
 * W * sigmoid(T*s) * scale, differentiable in W and s, with `lambda * sum(mc)`'s gradient added to s's.
 * Pass lambda 0 when the penalty is differentiated elsewhere.
 */
export function maskedWeight(w: tf.Tensor, s: tf.Tensor, options: MaskedWeightOptions): tf.Tensor {
  const attrs: MaskGradAttrs = {
    temperature: options.temperature,
    scale: options.scale,
    lambda: options.lambda,
  };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [wIn, sIn, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const mc = tf.mul(tf.sigmoid(tf.mul(sIn, attrs.temperature)), attrs.scale);
    options.onMask?.(mc);
    save([wIn, mc]);
    return {
      value: tf.mul(wIn, mc),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [wSaved, mcSaved] = saved;
        if (tf.getKernel(CS_MASK_GRAD, tf.getBackend()) === undefined) {
          return maskGradComposite(dy, wSaved, mcSaved, attrs);
        }
        const out = tf.engine().runKernel(CS_MASK_GRAD, { dy, w: wSaved, mc: mcSaved }, { ...attrs });
        return out as tf.Tensor[];
      },
    };
  });
  return op(w, s);
}
