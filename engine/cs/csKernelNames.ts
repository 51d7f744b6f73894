// The engine's own kernels, by name and attributes. Backends that have a one-pass version register it
// under these names (cpu: maskedWeight.ts; wasm: backend/simd/wasmSimdKernels.ts); the ops check with
// tf.getKernel and fall back to stock kernels where none is registered (the GPU backends).

/** Inputs s (mask logits) and w; outputs [mc, w * mc, sum(mc)] with mc = scale * sigmoid(temperature * s). */
export const CS_MASK_FORWARD = 'SparsityLabCsMaskForward';

export interface MaskForwardAttrs {
  temperature: number;
  scale: number;
}

/**
 * Inputs dy, w, mc; outputs [dW, ds]: the masked weight's gradients with `lambda * sum(mc)`'s folded
 * into ds (maskedWeight.ts derives them).
 */
export const CS_MASK_GRAD = 'SparsityLabCsMaskGrad';

export interface MaskGradAttrs {
  temperature: number;
  scale: number;
  lambda: number;
}

/** Inputs p, grad, buf; outputs [p', buf']: one step of PyTorch's SGD with Nesterov momentum. */
export const NESTEROV_STEP = 'SparsityLabNesterovStep';

export interface NesterovStepAttrs {
  learningRate: number;
  momentum: number;
  weightDecay: number;
}

/**
 * Inputs dy (the gradient of the masked weight W * mc), w, mc, s, wBuf, sBuf (the two optimisers'
 * momentum buffers); outputs [w', wBuf', s', sBuf']: CS_MASK_GRAD's gradients, each then through
 * NESTEROV_STEP with its own optimiser's settings, in one pass.
 */
export const CS_MASKED_STEP = 'SparsityLabCsMaskedStep';

export interface MaskedStepAttrs extends MaskGradAttrs {
  weightLearningRate: number;
  weightMomentum: number;
  weightDecay: number;
  maskLearningRate: number;
  maskMomentum: number;
  maskWeightDecay: number;
}

/**
 * Inputs s (mask logits) and edges (float32, ascending); output int32 [1 + edges]: how many s > 0,
 * then for each edge how many s < edge (cumulative histogram counts). For the layer statistics.
 */
export const CS_COUNT_LOGITS = 'SparsityLabCountLogits';

/**
 * Inputs x (a ReLU's input) and dy; output dx = dy where x > 0, 0 where x <= 0 and NaN where x is
 * NaN: ReLU's gradient in one pass (tfjs-core's is dy * cast(step(x)), three).
 */
export const RELU_GRAD = 'SparsityLabReluGrad';
