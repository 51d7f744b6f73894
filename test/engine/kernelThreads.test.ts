// Our kernels split across threads on the threaded wasm backend (engine/backend/simd/kernelThreads.ts):
// tensors large enough to split give at two threads exactly what one thread gives (the element-wise
// kernels and the convolutions bit for bit; the mask forward's sum, added from one partial sum per
// thread, to a float32 ulp), and a helper thread's trap surfaces as an error on the calling thread.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../engine/backend/selectBackend';
import { KernelThreads, splitRange } from '../../engine/backend/simd/kernelThreads';
import { CS_KERNELS_WASM_PLAIN, CS_KERNELS_WASM_SHARED } from '../../engine/backend/simd/csKernelsWasm';
import { kernelThreadsFor } from '../../engine/backend/simd/wasmSimdKernels';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { CS_MASK_FORWARD, CS_MASKED_STEP, RELU_GRAD } from '../../engine/cs/csKernelNames';
import { makeRng } from '../support/seededRandom';

function seeded(n: number, seed: number, spread: number): Float32Array {
  const rand = makeRng(seed);
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * spread);
}

/**
 * Past engine/backend/simd/wasmSimdKernels.ts MIN_SPLIT_ELEMENTS (2^20), so these are split; the
 * matrix's columns are not a multiple of 8, so its mask forward writes the transpose too (in bands
 * of rows, one a thread) and not a multiple of 4 either (transpose2d's leftover columns).
 */
const MATRIX: [number, number] = [1024, 1030];
const VECTOR = [1_100_003];

type Outputs = Float32Array[];

/** Runs `kernel` on fresh tensors of `inputs` and returns every output's values. */
function runKernel(kernel: string, inputs: Record<string, [Float32Array, number[]]>, attrs: object): Outputs {
  return tf.tidy(() => {
    const tensors = Object.fromEntries(
      Object.entries(inputs).map(([k, [v, shape]]) => [k, tf.tensor(v, shape)]),
    );
    const out = tf.engine().runKernel(kernel, tensors, { ...attrs }) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

const MASKED_STEP_ATTRS = {
  temperature: 3,
  scale: 1 / 0.525,
  lambda: 1e-8,
  weightLearningRate: 0.1,
  weightMomentum: 0.9,
  weightDecay: 1e-4,
  maskLearningRate: 0.1,
  maskMomentum: 0.9,
  maskWeightDecay: 0,
};

/** Every split kernel's outputs for the same inputs, on the backend selected now. */
function allOutputs(): Record<string, Outputs> {
  const results: Record<string, Outputs> = {};
  for (const shape of [MATRIX, VECTOR]) {
    const n = tf.util.sizeFromShape(shape);
    const s = seeded(n, 1, 4);
    const w = seeded(n, 2, 1);
    results[`mask forward [${shape}]`] = runKernel(
      CS_MASK_FORWARD,
      { s: [s, shape], w: [w, shape] },
      { temperature: 2.5, scale: 1.9 },
    );
    const step: Record<string, [Float32Array, number[]]> = {};
    ['dy', 'w', 'mc', 's', 'wBuf', 'sBuf'].forEach((name, i) => (step[name] = [seeded(n, 10 + i, 1), shape]));
    results[`masked step [${shape}]`] = runKernel(CS_MASKED_STEP, step, MASKED_STEP_ATTRS);
    results[`ReLU gradient [${shape}]`] = runKernel(RELU_GRAD, { x: [s, shape], dy: [w, shape] }, {});
  }
  // Conv-2's 64 -> 64 layer at batch 16: 1M outputs, and both its gradients.
  const xShape: [number, number, number, number] = [16, 32, 32, 64];
  const x = tf.tensor4d(seeded(tf.util.sizeFromShape(xShape), 20, 1), xShape);
  const f = tf.tensor4d(seeded(3 * 3 * 64 * 64, 21, 0.1), [3, 3, 64, 64]);
  const dy = tf.tensor4d(seeded(tf.util.sizeFromShape(xShape), 22, 1), xShape);
  results['Conv2D'] = [tf.tidy(() => tf.conv2d(x, f, 1, 'same').dataSync() as Float32Array)];
  results['Conv2D input gradient'] = [
    tf.tidy(() => tf.conv2dTranspose(dy, f, xShape, 1, 'same').dataSync() as Float32Array),
  ];
  const dw = tf
    .engine()
    .runKernel(
      tf.Conv2DBackpropFilter,
      { x, dy },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 64, 64] },
    ) as tf.Tensor;
  results['Conv2D filter gradient'] = [dw.dataSync() as Float32Array];
  tf.dispose([x, f, dy, dw]);
  return results;
}

describe('our kernels on two threads (simd/kernelThreads.ts)', function () {
  this.timeout(120_000);
  let one: Record<string, Outputs>;
  let two: Record<string, Outputs>;
  let helperCalls = 0;

  before(async () => {
    await selectBackend('wasm', undefined, { wasmThreads: 1 });
    one = allOutputs();
    await selectBackend('wasm', undefined, { wasmThreads: 2 });
    const before = tf.memory().numTensors;
    const threads = kernelThreadsFor(tf.backend() as BackendWasm);
    threads?.waitUntilReady();
    const callsBefore = threads?.helperCalls ?? 0;
    two = allOutputs();
    helperCalls = (threads?.helperCalls ?? 0) - callsBefore;
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    await selectBackend('wasm', undefined, { wasmThreads: 1 });
  });

  it('splits ranges into parts of whole multiples, the last taking the rest', () => {
    assert.deepEqual(splitRange(10, 2, 4), [
      [0, 8],
      [8, 10],
    ]);
    assert.deepEqual(splitRange(16, 2, 4), [
      [0, 8],
      [8, 16],
    ]);
    assert.deepEqual(splitRange(3, 2, 1), [
      [0, 2],
      [2, 3],
    ]);
    assert.deepEqual(splitRange(1, 4, 1), [[0, 1]]);
    assert.deepEqual(splitRange(5, 1, 4), [[0, 5]]);
  });

  it('hands a part of each of these kernels to a helper thread', () => {
    // Two mask forwards and the matrix's transpose, two masked steps, two ReLU gradients, the
    // convolution and both gradients.
    assert.equal(helperCalls, 10);
  });

  it('gives what one thread gives: element-wise kernels and the convolutions bit for bit', () => {
    for (const [label, outputs] of Object.entries(one)) {
      outputs.forEach((expected, i) => {
        const actual = two[label][i];
        assert.equal(actual.length, expected.length, `${label} output ${i}: length`);
        const isSum = label.startsWith('mask forward') && i === 2;
        if (isSum) {
          // One partial sum per thread, added in float64 and rounded once: within an ulp.
          const ulp = 2 ** (Math.floor(Math.log2(Math.abs(expected[0]))) - 23);
          assert.ok(Math.abs(actual[0] - expected[0]) <= ulp, `${label} sum: ${actual[0]} vs ${expected[0]}`);
          return;
        }
        // The filter gradient adds the threads' partial sums over the images: not the same order.
        if (label === 'Conv2D filter gradient') {
          for (let j = 0; j < expected.length; j++) {
            assert.ok(
              Math.abs(actual[j] - expected[j]) <= 1e-4 * (1 + Math.abs(expected[j])),
              `${label}[${j}]`,
            );
          }
          return;
        }
        for (let j = 0; j < expected.length; j++) {
          if (!Object.is(actual[j], expected[j])) {
            assert.fail(`${label} output ${i}[${j}]: ${actual[j]} at two threads, ${expected[j]} at one`);
          }
        }
      });
    }
  });

  it("runs the first call on the calling thread, and a helper's trap surfaces there as an error", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const module = new WebAssembly.Module(Buffer.from(CS_KERNELS_WASM_SHARED, 'base64'));
    const threads = new KernelThreads(memory, module, 1);
    threads.waitUntilReady();
    try {
      assert.equal(threads.count, 2);
      const ran: string[] = [];
      // reluGrad over 16 elements at offset 0 is fine; at 2 GiB it reads outside the 64 KiB memory.
      const call = (at: number) => ({ name: 'reluGrad', args: [at, at, at, 16] });
      threads.run([call(0), call(0)], (c) => ran.push(c.name));
      assert.deepEqual(ran, ['reluGrad']);
      assert.throws(
        () => threads.run([call(0), call(2 ** 31)], () => undefined),
        /a kernel thread's reluGrad call failed/,
      );
      assert.throws(() => threads.run([call(0), call(0), call(0)], () => undefined), /3 calls for 2 threads/);
    } finally {
      threads.terminate();
    }
  });
  it('runs every call on the calling thread where a helper cannot start or cannot link the module', () => {
    const module = (base64: string) => new WebAssembly.Module(Buffer.from(base64, 'base64'));
    // A memory that is not shared cannot be handed to a worker at all.
    const unshared = new KernelThreads(
      new WebAssembly.Memory({ initial: 1 }),
      module(CS_KERNELS_WASM_PLAIN),
      1,
    );
    assert.equal(unshared.count, 1);
    // The plain build imports an unshared memory: a helper given a shared one fails to link it.
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const unlinked = new KernelThreads(memory, module(CS_KERNELS_WASM_PLAIN), 1);
    try {
      unlinked.waitUntilReady();
      const ran: number[] = [];
      const call = (at: number) => ({ name: 'reluGrad', args: [at, at, at, 16] });
      unlinked.run([call(0), call(64)], (c) => ran.push(c.args[0]));
      assert.deepEqual(ran, [0, 64], 'both calls, here, in order');
      assert.equal(unlinked.helperCalls, 0);
    } finally {
      unlinked.terminate();
    }
  });
});
