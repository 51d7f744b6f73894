// Records the names of the kernels TensorFlow.js runs, so a test can ask whether another backend has
// them all. Every op, and every gradient of one, reaches its kernel through Engine.runKernel; wrapping
// that one method of the live engine sees them all, whatever backend runs them.
import * as tf from '@tensorflow/tfjs-core';

type RunKernel = ReturnType<typeof tf.engine>['runKernel'];

export class KernelRecorder {
  readonly names = new Set<string>();
  private readonly original: RunKernel;

  constructor() {
    const engine = tf.engine();
    this.original = engine.runKernel;
    const names = this.names;
    const original = this.original;
    engine.runKernel = function (this: typeof engine, kernelName, inputs, attrs) {
      names.add(kernelName);
      return original.call(this, kernelName, inputs, attrs);
    } as RunKernel;
  }

  stop(): void {
    tf.engine().runKernel = this.original;
  }
}
