// Both updates of a masked kernel in a CS step: from dy, the loss's gradient in the masked weight
// W * mc, the gradients of W and of its logits s (maskedWeight.ts), each then through its own
// optimiser's Nesterov step. Where the backend has CS_MASKED_STEP (wasm) that is one pass over the
// kernel: on LeNet-300-100 the three kernels it replaces, two more tensors per layer and the
// bookkeeping of autodiff for the logits were a fifth of what CS added to a step
// (engine/bench/PROFILE.md). The kernel may update the four tensors in place.
import * as tf from '@tensorflow/tfjs-core';
import { CS_MASKED_STEP, type MaskGradAttrs, type MaskedStepAttrs } from './csKernelNames';
import { maskGrad } from './maskedWeight';
import type { NesterovSgd } from './nesterovSgd';

export interface MaskedStepSettings extends MaskGradAttrs {
  weightOpt: NesterovSgd;
  maskOpt: NesterovSgd;
  learningRate: number;
  maskLearningRate: number;
}

/**
 * Updates `weight` (a param of weightOpt) and `logits` (one of maskOpt) as weightOpt.step and
 * maskOpt.step would from maskGrad(dy, weight, mc)'s gradients.
 */
export function maskedStep(
  weight: tf.Variable,
  logits: tf.Variable,
  dy: tf.Tensor,
  mc: tf.Tensor,
  settings: MaskedStepSettings,
): void {
  const { weightOpt, maskOpt, temperature, scale, lambda } = settings;
  const gradAttrs: MaskGradAttrs = { temperature, scale, lambda };
  if (tf.getKernel(CS_MASKED_STEP, tf.getBackend()) === undefined) {
    tf.tidy(() => {
      const [dW, ds] = maskGrad(dy, weight, mc, gradAttrs);
      weightOpt.stepSome([[weight, dW]], settings.learningRate);
      maskOpt.stepSome([[logits, ds]], settings.maskLearningRate);
    });
    return;
  }
  const wBuf = weightOpt.momentumBuffer(weight);
  const sBuf = maskOpt.momentumBuffer(logits);
  const attrs: MaskedStepAttrs = {
    ...gradAttrs,
    weightLearningRate: settings.learningRate,
    weightMomentum: weightOpt.options.momentum,
    weightDecay: weightOpt.options.weightDecay,
    maskLearningRate: settings.maskLearningRate,
    maskMomentum: maskOpt.options.momentum,
    maskWeightDecay: maskOpt.options.weightDecay,
  };
  tf.tidy(() => {
    const [w, wBufNext, s, sBufNext] = tf
      .engine()
      .runKernel(CS_MASKED_STEP, { dy, w: weight, mc, s: logits, wBuf, sBuf }, { ...attrs }) as tf.Tensor[];
    // An output with its variable's dataId was updated in place (the kernel does so where nothing else
    // shares the data). The others the variables take over; the tidy disposes only the handles.
    const pairs = [
      [weight, w],
      [wBuf, wBufNext],
      [logits, s],
      [sBuf, sBufNext],
    ] as const;
    for (const [variable, next] of pairs) if (next.dataId !== variable.dataId) variable.assign(next);
  });
}
