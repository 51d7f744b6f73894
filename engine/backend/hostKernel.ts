// Kernels written as one loop over Float32Arrays, for the cpu backend, whose stock kernels are
// JavaScript loops too: a chain of them passes over the data once per kernel, one loop passes once.
// Not for wasm: there the stock kernels run SIMD, and measured on LeNet-300-100's masks a chain of them
// beat one scalar JavaScript loop over the heap (4.6 vs 5.4 ms for the CS mask gradient; 0.44 vs
// 1.3 ms for an optimiser step). Backends without the kernel compose the same step from stock kernels.
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * `loop(inputs, outputs, attrs)`: inputs in `inputNames` order, `outputCount` outputs, every one the
 * shape of the first input.
 */
export type HostLoop<A> = (inputs: Float32Array[], outputs: Float32Array[], attrs: A) => void;

export function registerHostKernel<A>(
  kernelName: string,
  inputNames: readonly string[],
  outputCount: number,
  loop: HostLoop<A>,
): void {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const b = backend as MathBackendCPU;
    const named = inputs as Record<string, TensorInfo>;
    const shape = named[inputNames[0]].shape;
    const values = inputNames.map((n) => b.data.get(named[n].dataId)?.values as Float32Array);
    const outputs = Array.from({ length: outputCount }, () => new Float32Array(values[0].length));
    loop(values, outputs, attrs as unknown as A);
    return outputs.map((o) => b.makeTensorInfo(shape, 'float32', o));
  };
  if (tf.getKernel(kernelName, 'cpu') === undefined) {
    tf.registerKernel({ kernelName, backendName: 'cpu', kernelFunc });
  }
}

/** Whether the active backend has `kernelName`; without it the caller composes stock kernels. */
export function activeBackendHas(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}
