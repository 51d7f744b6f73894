// Kernels written as one loop over Float32Arrays, for the backends whose tensors live in this
// process's memory: wasm (read and written in place, in the module's heap) and cpu. A chain of stock
// elementwise kernels passes over the data once per kernel and uploads a scalar for each constant;
// one loop passes once. Backends without the kernel (GPUs) compose the same step from stock kernels.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
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
  const shapeOf = (inputs: Record<string, TensorInfo>) => inputs[inputNames[0]].shape;
  const wasm: KernelFunc = ({ inputs, backend, attrs }) => {
    const b = backend as BackendWasm;
    const named = inputs as Record<string, TensorInfo>;
    const outputs = Array.from({ length: outputCount }, () => b.makeOutput(shapeOf(named), 'float32'));
    // Views taken after every allocation: growing the heap replaces its buffer.
    const view = (t: TensorInfo) => b.typedArrayFromHeap(t) as Float32Array;
    loop(
      inputNames.map((n) => view(named[n])),
      outputs.map(view),
      attrs as unknown as A,
    );
    return outputs;
  };
  const cpu: KernelFunc = ({ inputs, backend, attrs }) => {
    const b = backend as MathBackendCPU;
    const named = inputs as Record<string, TensorInfo>;
    const values = inputNames.map((n) => b.data.get(named[n].dataId)?.values as Float32Array);
    const outputs = Array.from({ length: outputCount }, () => new Float32Array(values[0].length));
    loop(values, outputs, attrs as unknown as A);
    return outputs.map((o) => b.makeTensorInfo(shapeOf(named), 'float32', o));
  };
  for (const [backendName, kernelFunc] of [
    ['wasm', wasm],
    ['cpu', cpu],
  ] as const) {
    if (tf.getKernel(kernelName, backendName) === undefined) {
      tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
  }
}

/** Whether the active backend has `kernelName`; without it the caller composes stock kernels. */
export function activeBackendHas(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}
