// The wasm matmul's two routes (engine/backend/wasmMatMul.ts): which one each product of a training
// step takes, that both give cpu's products, and that a weight XNNPACK has packed is never updated in
// place behind its cached copy.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../engine/backend/selectBackend';
import { chooseMatMulRoute, mayHoldPackedCopy, type MatMulShape } from '../../engine/backend/wasmMatMul';
import { CS_MASK_FORWARD } from '../../engine/cs/csKernelNames';
import { maskedStep } from '../../engine/cs/maskedStep';
import { NesterovSgd } from '../../engine/cs/nesterovSgd';
import { makeRng } from '../support/seededRandom';
import { allowFusedMultiplyAdd } from '../../engine/backend/simd/relaxedSimd';
import { kernelThreadsFor } from '../../engine/backend/simd/wasmSimdKernels';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const product = (m: number, k: number, n: number, transposeA = false, transposeB = false): MatMulShape => ({
  m,
  k,
  n,
  transposeA,
  transposeB,
});

function randomValues(rand: () => number, size: number): Float32Array {
  return Float32Array.from({ length: size }, () => rand() * 2 - 1);
}

/** op(a)·op(b) in float64 from row-major a and b, for products too large to compare by eye. */
function reference(a: Float32Array, b: Float32Array, s: MatMulShape): Float64Array {
  const out = new Float64Array(s.m * s.n);
  const at = (i: number, p: number) => (s.transposeA ? a[p * s.m + i] : a[i * s.k + p]);
  const bt = (p: number, j: number) => (s.transposeB ? b[j * s.k + p] : b[p * s.n + j]);
  for (let i = 0; i < s.m; i++)
    for (let j = 0; j < s.n; j++) {
      let sum = 0;
      for (let p = 0; p < s.k; p++) sum += at(i, p) * bt(p, j);
      out[i * s.n + j] = sum;
    }
  return out;
}

function assertClose(actual: Float32Array, expected: Float64Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: size`);
  for (let i = 0; i < actual.length; i++) {
    const tolerance = 1e-4 * (1 + Math.abs(expected[i]));
    if (Math.abs(actual[i] - expected[i]) > tolerance) {
      assert.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/**
 * op(a)·op(b) of random a and b with every pair of transpose flags against the float64 product, each
 * freeing every tensor and heap block it made.
 */
function checkEveryTransposeFlag(rand: () => number, m: number, k: number, n: number, route = ''): void {
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      const s = product(m, k, n, transposeA, transposeB);
      const a = randomValues(rand, m * k);
      const b = randomValues(rand, k * n);
      const before = tf.memory().numTensors;
      const heap = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
      const out = tf.tidy(() =>
        tf.matMul(
          tf.tensor(a, transposeA ? [k, m] : [m, k]),
          tf.tensor(b, transposeB ? [n, k] : [k, n]),
          transposeA,
          transposeB,
        ),
      );
      const label = `[${m}, ${k}, ${n}] transposeA=${transposeA} transposeB=${transposeB}${route}`;
      assert.deepEqual(out.shape, [m, n], label);
      assertClose(out.dataSync() as Float32Array, reference(a, b, s), label);
      out.dispose();
      assert.equal(tf.memory().numTensors, before, `${label}: tensors`);
      assert.equal(
        (tf.backend() as unknown as { numDataIds(): number }).numDataIds(),
        heap,
        `${label}: heap`,
      );
    }
  }
}

describe('wasm matmul routes', () => {
  describe('the route each product takes', () => {
    it('packs the batch, not the weights, in a dense layer forward pass at a training batch size', () => {
      // LeNet-300-100's first layer at batch 64: x [64, 784] · W [784, 300].
      assert.equal(chooseMatMulRoute(product(64, 784, 300), false), 'pack-a');
      // Its input gradient dy · W^T, W as given ([n, k] already).
      assert.equal(chooseMatMulRoute(product(64, 100, 300, false, true), false), 'pack-a');
    });

    it('packs B where B is the smaller operand to pack', () => {
      // The weight gradient x^T · dy: dy [64, 300] is the small one.
      assert.equal(chooseMatMulRoute(product(784, 64, 300, true, false), false), 'pack-b');
      // Evaluation at batch 500: the batch is larger than the layer.
      assert.equal(chooseMatMulRoute(product(500, 784, 300), false), 'pack-b');
      // A layer of 10 outputs.
      assert.equal(chooseMatMulRoute(product(64, 100, 10), false), 'pack-b');
    });

    it('packs B when XNNPACK already holds its packed copy, whatever the shapes', () => {
      assert.equal(chooseMatMulRoute(product(64, 784, 300), true), 'pack-b');
      // Transposed, B is a fresh transpose that was never packed.
      assert.equal(chooseMatMulRoute(product(64, 100, 300, false, true), true), 'pack-a');
    });
  });

  describe('on the wasm backend', function () {
    this.timeout(60_000);
    before(async () => {
      await selectBackend('wasm', undefined, { wasmThreads: 1 });
    });

    it('gives the product by either route, with every transpose flag, and frees its intermediates', () => {
      const rand = makeRng(31);
      // [m, k, n]: pack-a for the first two (a small batch against a wide layer), pack-b for the last.
      const shapes: [number, number, number][] = [
        [4, 50, 60],
        [5, 33, 17],
        [40, 20, 6],
      ];
      for (const [m, k, n] of shapes) {
        checkEveryTransposeFlag(rand, m, k, n, ` (${chooseMatMulRoute(product(m, k, n), false)})`);
      }
    });

    it('keeps a rank-3 product of one batch rank 3', () => {
      const out = tf.tidy(() => tf.matMul(tf.ones([1, 4, 50]), tf.ones([1, 50, 60])));
      assert.deepEqual(out.shape, [1, 4, 60]);
      assert.ok((out.dataSync() as Float32Array).every((v) => v === 50));
      out.dispose();
    });

    it("takes the mask forward's transpose of W * mc for the product, and only while it lives", () => {
      const rand = makeRng(5);
      const [m, k, n] = [3, 8, 12];
      const x = tf.tensor(randomValues(rand, m * k), [m, k]);
      const s = tf.tensor(randomValues(rand, k * n), [k, n]);
      const w = tf.tensor(randomValues(rand, k * n), [k, n]);
      for (const keepTranspose of [true, false]) {
        const [mc, effective, sum, transposed] = tf
          .engine()
          .runKernel(CS_MASK_FORWARD, { s, w }, { temperature: 1.5, scale: 1.2 }) as tf.Tensor[];
        assert.ok(transposed, 'a [8, 12] kernel gets its transpose');
        // The product reads the transpose where it is alive; disposed, it transposes W * mc itself.
        // Its freed block, likely the next one of its size the heap gives out, is overwritten.
        const clobber = keepTranspose ? null : (transposed.dispose(), tf.fill([n, k], 1e6));
        const out = tf.matMul(x, effective);
        clobber?.dispose();
        const label = keepTranspose ? 'with the transpose' : 'after it was disposed';
        assertClose(
          out.dataSync() as Float32Array,
          reference(x.dataSync() as Float32Array, effective.dataSync() as Float32Array, product(m, k, n)),
          label,
        );
        tf.dispose([mc, effective, sum, transposed, out]);
      }
      tf.dispose([x, s, w]);
    });

    it('packs a weight used again (evaluation batches), and then never updates it in place', () => {
      const rand = makeRng(77);
      const [m, k, n] = [4, 64, 48];
      // Made in a tidy, so that each variable's data is its own (a reference count of 1).
      const variable = (values: Float32Array) => tf.tidy(() => tf.variable(tf.tensor(values, [k, n])));
      const w = variable(randomValues(rand, k * n));
      const x = tf.tensor(randomValues(rand, m * k), [m, k]);
      const times = () => tf.tidy(() => tf.matMul(x, w)).dataSync() as Float32Array;
      const expected = () =>
        reference(x.dataSync() as Float32Array, w.dataSync() as Float32Array, product(m, k, n));
      /** One CS step of `weight` (with fresh logits); true if its data was updated in place. */
      const csStep = (weight: tf.Variable): boolean => {
        const logits = variable(new Float32Array(k * n));
        const weightOpt = new NesterovSgd([weight], { momentum: 0.9, weightDecay: 0 });
        const maskOpt = new NesterovSgd([logits], { momentum: 0.9, weightDecay: 0 });
        const before = weight.dataId;
        tf.tidy(() =>
          maskedStep(weight, logits, tf.onesLike(weight), tf.onesLike(weight), {
            weightOpt,
            maskOpt,
            temperature: 1,
            scale: 1,
            lambda: 0,
            learningRate: 0.5,
            maskLearningRate: 0.1,
          }),
        );
        weightOpt.dispose();
        maskOpt.dispose();
        logits.dispose();
        return weight.dataId === before;
      };

      // A weight never packed is updated in place (so the check below can tell the two apart).
      const unpacked = variable(randomValues(rand, k * n));
      assert.equal(csStep(unpacked), true, 'an unpacked weight is updated in place');
      unpacked.dispose();

      // The first product packs the batch; the second one, seeing the same weight again, packs it.
      assertClose(times(), expected(), 'first product');
      assert.equal(mayHoldPackedCopy(w.dataId), false);
      assertClose(times(), expected(), 'second product');
      assert.equal(mayHoldPackedCopy(w.dataId), true);

      // A CS step on the packed weight must not write over it, or the next product would multiply by
      // XNNPACK's stale copy.
      assert.equal(csStep(w), false, 'the packed weight was updated in place');
      assertClose(times(), expected(), 'product after the update');
      tf.dispose([w, x]);
    });
  });
});

describe('wasm matmul through our gemm (csKernels.wat gemm)', function () {
  this.timeout(120_000);
  after(async () => {
    allowFusedMultiplyAdd(true);
    await selectBackend('wasm', undefined, { wasmThreads: 1 });
  });

  // [m, k, n, threads]: rows past the last whole tile of four, a reduction in two chunks of 1,024 and
  // columns in two panels (256 and 8) at one thread; at two, enough work for the rows to be split.
  for (const [m, k, n, threads] of [
    [5, 2048, 264, 1],
    [64, 2048, 264, 2],
  ] as const) {
    it(`gives the product with every transpose flag: [${m}, ${k}] x [${k}, ${n}] at ${threads} thread${threads === 1 ? '' : 's'}`, async () => {
      await selectBackend('wasm', undefined, { wasmThreads: threads });
      const helpers = kernelThreadsFor(tf.backend() as BackendWasm);
      helpers?.waitUntilReady();
      const helperCallsBefore = helpers?.helperCalls ?? 0;
      checkEveryTransposeFlag(makeRng(77), m, k, n);
      // At two threads each product's rows are split with a helper of ours.
      assert.equal((helpers?.helperCalls ?? 0) - helperCallsBefore, threads === 1 ? 0 : 4);
    });
  }

  /**
   * Row 0 of a [64, 128] x [128, 128] product (a million multiply-adds) is a[0,0]*b[0,j] + a[0,1]*b[1,j]
   * = -(1 + 2^-11) + (1 + 2^-12)^2: 0 when each product is rounded first (XNNPACK), 2^-24 with fused
   * multiply-adds (ours).
   */
  for (const [fused, ours] of [
    [true, true],
    [false, false],
  ] as const) {
    it(`runs on ${ours ? 'our fused gemm' : "XNNPACK's"} ${fused ? 'where the fused build runs' : 'on the plain build'}`, async () => {
      allowFusedMultiplyAdd(fused);
      await selectBackend('wasm', undefined, { wasmThreads: 1 });
      const [m, k, n] = [64, 128, 128];
      const a = new Float32Array(m * k);
      const b = new Float32Array(k * n);
      a[0] = -(1 + 2 ** -11);
      a[1] = 1 + 2 ** -12;
      for (let j = 0; j < n; j++) {
        b[j] = 1;
        b[n + j] = 1 + 2 ** -12;
      }
      const row = tf.tidy(() =>
        Array.from(
          tf
            .matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n]))
            .dataSync()
            .subarray(0, n),
        ),
      );
      assert.deepEqual(row, new Array(n).fill(ours ? 2 ** -24 : 0));
      allowFusedMultiplyAdd(true);
    });
  }

  // A [1024, 1024] kernel: every product with it as B goes to our gemm on the fused build, so its
  // mask forward writes no transpose there; XNNPACK's route (plain build) reads one.
  for (const fused of [true, false]) {
    it(`${fused ? 'skips' : 'writes'} the mask forward's transpose of a kernel our gemm ${fused ? 'takes every product with' : 'does not run for (plain build)'}`, async () => {
      allowFusedMultiplyAdd(fused);
      await selectBackend('wasm', undefined, { wasmThreads: 1 });
      const shape = [1024, 1024];
      const outputs = tf.tidy(
        () =>
          (
            tf
              .engine()
              .runKernel(
                CS_MASK_FORWARD,
                { s: tf.zeros(shape), w: tf.ones(shape) },
                { temperature: 1, scale: 2 },
              ) as tf.Tensor[]
          ).length,
      );
      assert.equal(outputs, fused ? 3 : 4);
      allowFusedMultiplyAdd(true);
    });
  }
});
