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

  constructor(
    readonly params: tf.Variable[],
    private readonly options: SgdOptions,
  ) {
    this.buffers = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }

  /** Applies one update; `grads[i]` belongs to `params[i]`. */
  step(grads: tf.Tensor[], learningRate: number): void {
    const { momentum, weightDecay } = this.options;
    // One pass per tensor where the backend has the kernel (wasm), five stock kernels elsewhere.
    const fused = tf.getKernel(NESTEROV_STEP, tf.getBackend()) !== undefined;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        if (fused) {
          const attrs: NesterovStepAttrs = { learningRate, momentum, weightDecay };
          const [pNext, bufNext] = tf
            .engine()
            .runKernel(
              NESTEROV_STEP,
              { p, grad: grads[i], buf: this.buffers[i] },
              { ...attrs },
            ) as tf.Tensor[];
          this.buffers[i].assign(bufNext);
          p.assign(pNext);
          return;
        }
        let g = grads[i];
        if (weightDecay !== 0) g = tf.add(g, tf.mul(p, weightDecay));
        const buf = tf.add(tf.mul(this.buffers[i], momentum), g);
        this.buffers[i].assign(buf);
        p.assign(tf.sub(p, tf.mul(tf.add(g, tf.mul(buf, momentum)), learningRate)));
      });
    });
  }

  /** Momentum buffers, for snapshots (restored by assigning to them). */
  state(): tf.Variable[] {
    return this.buffers;
  }

  dispose(): void {
    for (const b of this.buffers) b.dispose();
  }
}
