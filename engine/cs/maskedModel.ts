// Continuous Sparsification on an unmodified TensorFlow.js Layers model.
//
// Layers read their kernels through `LayerVariable.read()`. Replacing that method on the chosen kernels
// with one that returns `W * mask(s)` puts the mask inside every forward pass, so gradients reach both
// W and the mask logits s, and any Layers model (the zoo's or the user's) gets CS without rewriting it.
import * as tf from '@tensorflow/tfjs-core';
import { maskForward, softMask } from './maskedWeight';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { MaskableLayer } from '../models/maskableLayers';

/** How masked kernels compute their effective weight. */
export type MaskMode =
  | { kind: 'soft'; temperature: number } // search: W * sigmoid(T*s) / sigmoid(s0)
  | { kind: 'hard' } // ticket: W * 1[s > 0] / sigmoid(s0)
  | { kind: 'dense' }; // dense baseline: W

export interface MaskedKernel {
  layerName: string;
  kind: MaskableLayer['kind'];
  shape: number[];
  size: number;
  /** The kernel's own variable (trained by the weight optimiser). */
  weight: tf.Variable;
  /** Mask logits s, same shape as the kernel (trained by the mask optimiser). */
  logits: tf.Variable;
}

/** One masked kernel's soft mask, computed once for a training step (MaskedModel.softMasks). */
export interface SoftMask {
  kernel: MaskedKernel;
  /** sigmoid(T*s) * scale. */
  mc: tf.Tensor;
  /** W * mc: what the layer reads as its kernel in the step's forward pass. */
  effective: tf.Tensor;
  /** sum(mc): the mask's share of the penalty. */
  sum: tf.Scalar;
  /** (W * mc)^T, where the backend's kernel writes it too: its matmul reads it (kept for the step). */
  transposed?: tf.Tensor;
}

/** A non-mask variable of the model: kernels, biases, batch-norm parameters and statistics. */
export interface ModelVariable {
  name: string;
  variable: tf.Variable;
  trainable: boolean;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * Binary masks (IMP) keep the same logits variables, so that everything reading masks as s > 0
 * (kept counts, statistics, snapshots, exports) works unchanged: kept entries hold +1, pruned -1.
 */
export const KEPT_LOGIT = 1;
export const PRUNED_LOGIT = -1;

export interface MaskOptions {
  /**
   * IMP: masks start all kept and are set by pruning, never trained, and carry no 1/sigmoid(s0)
   * scale, so the effective weight is exactly W where the mask is 1 and 0 where it is 0.
   */
  binary?: boolean;
}

/** The reference divides every mask by sigmoid(s0), so that a fresh mask (s = s0) multiplies W by 1. */
export function maskScale(maskInit: number): number {
  return 1 / sigmoid(maskInit);
}

/** LayerVariable keeps its tf.Variable in a protected field; CS must train that exact variable. */
function variableOf(layerVariable: tfl.LayerVariable): tf.Variable {
  return (layerVariable as unknown as { val: tf.Variable }).val;
}

export class MaskedModel {
  readonly masked: MaskedKernel[];
  readonly variables: ModelVariable[];
  readonly scale: number;
  readonly binary: boolean;
  private mode: MaskMode = { kind: 'soft', temperature: 1 };

  constructor(
    readonly model: tfl.LayersModel,
    layers: MaskableLayer[],
    readonly maskInit: number,
    options: MaskOptions = {},
  ) {
    this.binary = options.binary ?? false;
    this.scale = this.binary ? 1 : maskScale(maskInit);
    const initialLogit = this.binary ? KEPT_LOGIT : maskInit;
    if (this.binary) this.mode = { kind: 'hard' };
    this.variables = model.weights.map((w) => ({
      // originalName: the process-wide unique name gets suffixes (kernel_1) when models repeat layer names.
      name: w.originalName,
      variable: variableOf(w),
      trainable: w.trainable,
    }));
    this.masked = layers.map((layer) => {
      const weight = variableOf(layer.kernel);
      const shape = weight.shape.slice();
      const masked: MaskedKernel = {
        layerName: layer.layerName,
        kind: layer.kind,
        shape,
        size: weight.size,
        weight,
        // Unnamed: tf.Variable names are global, and two models may share layer names.
        logits: tf.tidy(() => tf.variable(tf.fill(shape, initialLogit), true)),
      };
      // Every read of this kernel (forward passes, getWeights, save) now sees the effective weight.
      layer.kernel.read = () => this.effectiveKernel(masked);
      return masked;
    });
  }

  /** Set only inside readingMasks(): the effective kernels the layers read instead of computing them. */
  private pinned: Map<MaskedKernel, tf.Tensor> | null = null;

  setMode(mode: MaskMode): void {
    // A soft mask of +-1 logits would silently train IMP with 0.73/0.27 masks.
    if (this.binary && mode.kind === 'soft') throw new Error('binary masks have no soft mode');
    this.mode = mode;
  }

  getMode(): MaskMode {
    return this.mode;
  }

  /** The mask multiplying W under the current mode, scale included. */
  mask(kernel: MaskedKernel): tf.Tensor {
    return tf.tidy(() => {
      switch (this.mode.kind) {
        case 'soft':
          return softMask(kernel.logits, { temperature: this.mode.temperature, scale: this.scale });
        case 'hard':
          return tf.mul(tf.cast(tf.greater(kernel.logits, 0), 'float32'), this.scale);
        case 'dense':
          return tf.onesLike(kernel.weight);
      }
    });
  }

  private effectiveKernel(kernel: MaskedKernel): tf.Tensor {
    const pinned = this.pinned?.get(kernel);
    if (pinned !== undefined) return pinned;
    if (this.mode.kind === 'dense') return kernel.weight;
    return tf.tidy(() => tf.mul(kernel.weight, this.mask(kernel)));
  }

  /**
   * Every masked kernel's soft mask under the current (soft) mode, by one kernel per mask where the
   * backend has it (maskedWeight.ts). Not differentiable: the CS step takes the loss's gradient in the
   * effective weights (readingMasks) and turns it into the gradients of W and s itself (maskedStep.ts).
   */
  softMasks(): SoftMask[] {
    if (this.mode.kind !== 'soft') throw new Error(`softMasks() in ${this.mode.kind} mode`);
    const attrs = { temperature: this.mode.temperature, scale: this.scale };
    return this.masked.map((kernel) => {
      const [mc, effective, sum, transposed] = maskForward(kernel.logits, kernel.weight, attrs);
      return { kernel, mc, effective, sum, transposed };
    });
  }

  /** Runs `f` with the layers reading `masks`' effective weights as their kernels. */
  readingMasks<T>(masks: SoftMask[], f: () => T): T {
    this.pinned = new Map(masks.map((m) => [m.kernel, m.effective]));
    try {
      return f();
    } finally {
      this.pinned = null;
    }
  }

  /** lambda * sum over all masks of sigmoid(T*s)/sigmoid(s0); zero outside the search. */
  penalty(lambda: number): tf.Scalar {
    return tf.tidy(() => {
      if (this.mode.kind !== 'soft' || lambda === 0 || this.masked.length === 0) return tf.scalar(0);
      const sums = this.masked.map((k) => tf.sum(this.mask(k)));
      return tf.mul(tf.addN(sums), lambda) as tf.Scalar;
    });
  }

  /** Between rounds: s = min(T*s, s0). */
  resetLogits(temperature: number): void {
    for (const k of this.masked) {
      tf.tidy(() => k.logits.assign(tf.minimum(tf.mul(k.logits, temperature), this.maskInit)));
    }
  }

  /** Variables the weight optimiser trains (everything trainable but the mask logits). */
  trainableWeights(): tf.Variable[] {
    return this.variables.filter((v) => v.trainable).map((v) => v.variable);
  }

  maskLogits(): tf.Variable[] {
    return this.masked.map((k) => k.logits);
  }

  /** Kept (s > 0) counts per masked layer, in layer order, computed on the backend. */
  async keptCounts(): Promise<number[]> {
    if (this.masked.length === 0) return [];
    const counts = tf.tidy(() =>
      tf.stack(this.masked.map((k) => tf.sum(tf.cast(tf.greater(k.logits, 0), 'int32')))),
    );
    const values = await counts.data();
    counts.dispose();
    return Array.from(values);
  }

  /** Kept and total counts over all masked layers; a model without masks counts as dense. */
  async keptSummary(): Promise<{ kept: number; total: number; keptFraction: number }> {
    const kept = (await this.keptCounts()).reduce((a, b) => a + b, 0);
    const total = this.masked.reduce((a, k) => a + k.size, 0);
    return { kept, total, keptFraction: total ? kept / total : 1 };
  }

  dispose(): void {
    for (const k of this.masked) k.logits.dispose();
  }
}
