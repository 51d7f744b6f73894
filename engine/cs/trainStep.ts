// One optimisation step and the evaluation pass, shared by the search, the ticket and the dense baseline.
import * as tf from '@tensorflow/tfjs-core';
import type { LabeledSplit } from '../data/dataTypes';
import type { MaskedModel } from './maskedModel';
import { maskedStep } from './maskedStep';
import type { NesterovSgd } from './nesterovSgd';

export interface Batch {
  x: tf.Tensor;
  labels: tf.Tensor1D;
  size: number;
}

export interface StepResult {
  crossEntropy: number;
  penalty: number;
  correct: number;
}

/** Mean softmax cross-entropy of logits against integer labels (PyTorch's F.cross_entropy). */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor1D, numClasses: number): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels, numClasses);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1))) as tf.Scalar;
  });
}

function countCorrect(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), tf.cast(labels, 'int32')), 'float32')));
}

function forward(mm: MaskedModel, x: tf.Tensor, training: boolean): tf.Tensor {
  return mm.model.apply(x, { training }) as tf.Tensor;
}

/**
 * loss = cross_entropy + penalty; the weight optimiser steps on the weights, the mask optimiser (if
 * any: none while a ticket or the dense net trains) on the mask logits.
 */
export async function trainStep(
  mm: MaskedModel,
  batch: Batch,
  numClasses: number,
  lambda: number,
  weightOpt: NesterovSgd,
  maskOpt: NesterovSgd | null,
  learningRate: number,
  maskLearningRate: number,
): Promise<StepResult> {
  const step: StepInputs = { mm, batch, numClasses, lambda, weightOpt, learningRate, maskLearningRate };
  // A masked kernel the weight optimiser does not train (a frozen layer of a user's model) has no
  // weight update for maskedStep to fuse: such models take the plain route.
  const fusable =
    maskOpt !== null &&
    mm.getMode().kind === 'soft' &&
    mm.masked.length > 0 &&
    mm.masked.every((k) => weightOpt.params.includes(k.weight));
  if (fusable && maskOpt) {
    const summary = tf.tidy(() => searchStep(step, maskOpt));
    const [crossEntropyValue, correct, ...sums] = await summary.data();
    summary.dispose();
    return { crossEntropy: crossEntropyValue, penalty: lambda * sums.reduce((a, b) => a + b, 0), correct };
  }
  const summary = tf.tidy(() => autodiffStep(step, maskOpt));
  const [crossEntropyValue, penalty, correct] = await summary.data();
  summary.dispose();
  return { crossEntropy: crossEntropyValue, penalty, correct };
}

/** What either kind of step takes, but the mask optimiser. */
interface StepInputs {
  mm: MaskedModel;
  batch: Batch;
  numClasses: number;
  lambda: number;
  weightOpt: NesterovSgd;
  learningRate: number;
  maskLearningRate: number;
}

/**
 * The search's step. The masks are computed once, before the forward pass (one kernel each where the
 * backend has it); autodiff then only goes as far as the masked weights W * mc, and maskedStep turns
 * their gradients into both updates, with the penalty's gradient in s added there. Returns
 * [cross-entropy, correct, sum(mc) of each mask] stacked: the penalty, lambda times the sums' total,
 * is added up on the host, which spares two kernels a step.
 */
function searchStep(step: StepInputs, maskOpt: NesterovSgd): tf.Tensor {
  const { mm, batch, numClasses, lambda, weightOpt, learningRate, maskLearningRate } = step;
  const masks = mm.softMasks();
  const maskedWeights = new Set(masks.map((m) => m.kernel.weight));
  const others = weightOpt.params.filter((p) => !maskedWeights.has(p));
  let correct: tf.Scalar | undefined;
  const { value: ce, grads } = mm.readingMasks(masks, () =>
    tf.engine().gradients(
      () => {
        const logits = forward(mm, batch.x, true);
        correct = tf.keep(countCorrect(logits, batch.labels));
        return crossEntropy(logits, batch.labels, numClasses);
      },
      [...others, ...masks.map((m) => m.effective)],
      undefined,
      true, // a variable the loss does not reach gets zeros, as in autodiffStep
    ),
  );
  const gradOr = (i: number, like: tf.Tensor) => grads[i] ?? tf.zerosLike(like);
  weightOpt.stepSome(
    others.map((p, i) => [p, gradOr(i, p)] as const),
    learningRate,
  );
  const { temperature } = mm.getMode() as { kind: 'soft'; temperature: number };
  masks.forEach((m, i) =>
    maskedStep(m.kernel.weight, m.kernel.logits, gradOr(others.length + i, m.effective), m.mc, {
      weightOpt,
      maskOpt,
      temperature,
      scale: mm.scale,
      lambda,
      learningRate,
      maskLearningRate,
    }),
  );
  const stacked = tf.stack([ce, correct as tf.Scalar, ...masks.map((m) => m.sum)]);
  // Kept past gradients()'s own tidy, so past this one's too unless disposed here.
  tf.dispose(correct);
  return stacked;
}

/** Every other step (the ticket's, the dense net's), by autodiff through the whole loss. */
function autodiffStep(step: StepInputs, maskOpt: NesterovSgd | null): tf.Tensor {
  const { mm, batch, numClasses, lambda, weightOpt, learningRate, maskLearningRate } = step;
  const varList = maskOpt ? [...weightOpt.params, ...maskOpt.params] : weightOpt.params;
  let ce: tf.Scalar | undefined;
  let pen: tf.Scalar | undefined;
  let correct: tf.Scalar | undefined;
  const { grads } = tf.variableGrads(() => {
    const logits = forward(mm, batch.x, true);
    // gradients() runs f in its own tidy: keep what we read after it.
    ce = tf.keep(crossEntropy(logits, batch.labels, numClasses));
    pen = tf.keep(mm.penalty(lambda));
    correct = tf.keep(countCorrect(logits, batch.labels));
    return tf.add(ce, pen) as tf.Scalar;
  }, varList);
  weightOpt.step(
    weightOpt.params.map((p) => grads[p.name] ?? tf.zerosLike(p)),
    learningRate,
  );
  maskOpt?.step(
    maskOpt.params.map((p) => grads[p.name] ?? tf.zerosLike(p)),
    maskLearningRate,
  );
  const kept = [ce as tf.Scalar, pen as tf.Scalar, correct as tf.Scalar];
  const stacked = tf.stack(kept);
  // Kept past gradients()'s own tidy, so past this one's too unless disposed here.
  tf.dispose(kept);
  return stacked;
}

/** Accuracy in [0, 1] on a whole split, in inference mode (batch norm uses its moving statistics). */
export async function evaluate(
  mm: MaskedModel,
  split: LabeledSplit,
  inputShape: number[],
  batchSize = 500,
): Promise<number> {
  if (split.count === 0) return NaN;
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  let correct = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const n = Math.min(batchSize, split.count - start);
    const c = tf.tidy(() => {
      const x = tf.tensor(split.x.subarray(start * inputSize, (start + n) * inputSize), [n, ...inputShape]);
      const y = tf.tensor1d(split.y.subarray(start, start + n), 'int32');
      return countCorrect(forward(mm, x, false), y);
    });
    correct += (await c.data())[0];
    c.dispose();
    // Let IPC messages in between evaluation batches too.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return correct / split.count;
}
