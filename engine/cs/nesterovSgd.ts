// SGD with momentum and Nesterov, with PyTorch's semantics (the reference trains with torch.optim.SGD):
//   g = grad + weightDecay * p;  buf = momentum * buf + g;  p -= lr * (g + momentum * buf)
// Written out rather than using tf.train.momentum because that one has no weight decay, fixes its
// learning rate at construction and hides its buffers, which runs must checkpoint and restore.
import * as tf from '@tensorflow/tfjs-core';
import { NESTEROV_STEP, type NesterovStepAttrs } from './csKernelNames';

export interface SgdOptions {
  momentum: number;
  weightDecay: number;
}

export class NesterovSgd {
  private readonly buffers: tf.Variable[];
  private readonly bufferOf: Map<tf.Variable, tf.Variable>;

  constructor(
    readonly params: tf.Variable[],
    readonly options: Readonly<SgdOptions>,
  ) {
    this.buffers = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    this.bufferOf = new Map(params.map((p, i) => [p, this.buffers[i]]));
  }

  /** Applies one update; `grads[i]` belongs to `params[i]`. */
  step(grads: tf.Tensor[], learningRate: number): void {
    this.stepSome(
      this.params.map((p, i) => [p, grads[i]] as const),
      learningRate,
    );
  }

  /**
   * Applies one update to the listed params only: the CS step updates the masked kernels itself, in
   * one pass with their logits (maskedStep.ts), from this optimiser's settings and buffers.
   */
  stepSome(updates: ReadonlyArray<readonly [tf.Variable, tf.Tensor]>, learningRate: number): void {
    const { momentum, weightDecay } = this.options;
    // One pass per tensor where the backend has the kernel (wasm), five stock kernels elsewhere.
    const fused = tf.getKernel(NESTEROV_STEP, tf.getBackend()) !== undefined;
    tf.tidy(() => {
      for (const [p, grad] of updates) {
        const buffer = this.momentumBuffer(p);
        if (fused) {
          const attrs: NesterovStepAttrs = { learningRate, momentum, weightDecay };
          const [pNext, bufNext] = tf
            .engine()
            .runKernel(NESTEROV_STEP, { p, grad, buf: buffer }, { ...attrs }) as tf.Tensor[];
          buffer.assign(bufNext);
          p.assign(pNext);
          continue;
        }
        let g = grad;
        if (weightDecay !== 0) g = tf.add(g, tf.mul(p, weightDecay));
        const buf = tf.add(tf.mul(buffer, momentum), g);
        buffer.assign(buf);
        p.assign(tf.sub(p, tf.mul(tf.add(g, tf.mul(buf, momentum)), learningRate)));
      }
    });
  }

  /** The momentum buffer of one of `params`. */
  momentumBuffer(p: tf.Variable): tf.Variable {
    const buffer = this.bufferOf.get(p);
    if (buffer === undefined) throw new Error(`NesterovSgd: variable ${p.name} is not one it trains`);
    return buffer;
  }

  /** Momentum buffers, for snapshots (restored by assigning to them). */
  state(): tf.Variable[] {
    return this.buffers;
  }

  dispose(): void {
    for (const b of this.buffers) b.dispose();
  }
}
