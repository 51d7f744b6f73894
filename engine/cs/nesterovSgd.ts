// SGD with momentum and Nesterov, with PyTorch's semantics (the reference trains with torch.optim.SGD):
//   g = grad + weightDecay * p;  buf = momentum * buf + g;  p -= lr * (g + momentum * buf)
// Written out rather than using tf.train.momentum because that one has no weight decay, fixes its
// learning rate at construction and hides its buffers, which runs must checkpoint and restore.
import * as tf from '@tensorflow/tfjs-core';
import { hasNesterovKernel, NESTEROV_STEP } from './nesterovKernel';

export interface SgdOptions {
  momentum: number;
  weightDecay: number;
}

export class NesterovSgd {
  private readonly buffers: tf.Variable[];

  constructor(
    readonly params: tf.Variable[],
    private readonly options: SgdOptions,
  ) {
    this.buffers = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }

  /** Applies one update; `grads[i]` belongs to `params[i]`. */
  step(grads: tf.Tensor[], learningRate: number): void {
    const fused = hasNesterovKernel();
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        // The one-pass kernel (nesterovKernel.ts) reads and writes float32 on wasm and cpu.
        if (fused && p.dtype === 'float32') this.fusedStep(p, this.buffers[i], grads[i], learningRate);
        else this.composedStep(p, this.buffers[i], grads[i], learningRate);
      });
    });
  }

  private fusedStep(p: tf.Variable, buffer: tf.Variable, grad: tf.Tensor, learningRate: number): void {
    const attrs = { learningRate, momentum: this.options.momentum, weightDecay: this.options.weightDecay };
    const [next, buf] = tf
      .engine()
      .runKernel(NESTEROV_STEP, { p, buf: buffer, grad }, { ...attrs }) as tf.Tensor[];
    buffer.assign(buf);
    p.assign(next);
  }

  private composedStep(p: tf.Variable, buffer: tf.Variable, grad: tf.Tensor, learningRate: number): void {
    const { momentum, weightDecay } = this.options;
    const g = weightDecay !== 0 ? tf.add(grad, tf.mul(p, weightDecay)) : grad;
    const buf = tf.add(tf.mul(buffer, momentum), g);
    buffer.assign(buf);
    p.assign(tf.sub(p, tf.mul(tf.add(g, tf.mul(buf, momentum)), learningRate)));
  }

  /** Momentum buffers, for snapshots (restored by assigning to them). */
  state(): tf.Variable[] {
    return this.buffers;
  }

  dispose(): void {
    for (const b of this.buffers) b.dispose();
  }
}
