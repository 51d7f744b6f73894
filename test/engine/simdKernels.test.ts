// The engine's SIMD kernels on wasm (engine/backend/simd) against the formulas they implement,
// computed here in JavaScript: the products and sums bit for bit (f32 arithmetic in the same order;
// the masked step, which may write over its inputs, both in place and into fresh outputs),
// the sigmoid to a few float32 ulps. Both builds of the module run: the single-threaded backend's
// plain memory and the threaded one's shared memory. Sizes cover the padded path (1-3 elements),
// whole groups of four, and the overlapping last group. The convolution filter gradient is checked
// against its definition summed in float64.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../engine/backend/selectBackend';
import { WASM_SIMD_KERNEL_NAMES } from '../../engine/backend/simd/wasmSimdKernels';
import { simplifyPermutation } from '../../engine/backend/kernelScope';
import { allowFusedMultiplyAdd, kernelsUseFusedMultiplyAdd } from '../../engine/backend/simd/relaxedSimd';
import {
  CS_COUNT_LOGITS,
  CS_MASK_FORWARD,
  CS_MASK_GRAD,
  CS_MASKED_STEP,
  NESTEROV_STEP,
  RELU_GRAD,
} from '../../engine/cs/csKernelNames';
import { countLogits } from '../../engine/cs/countLogits';
import { makeRng } from '../support/seededRandom';
import { forEachConvolutionTerm, sumsOfProducts } from '../support/convolutionTerms';

const SIZES = [1, 2, 3, 4, 5, 7, 8, 1001, 4099];
const f = Math.fround;

/** mulberry32 values in [-spread, spread). */
function seeded(n: number, seed: number, spread: number): Float32Array {
  const rand = makeRng(seed);
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * spread);
}

function run(
  kernel: string,
  inputs: Record<string, Float32Array>,
  attrs: object,
  shape?: number[],
): Float32Array[] {
  return tf.tidy(() => {
    const tensors = Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v, shape ?? [v.length])]),
    );
    const out = tf.engine().runKernel(kernel, tensors, { ...attrs }) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

function assertSame(actual: Float32Array, expected: ArrayLike<number>, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Object.is(actual[i], expected[i]), `${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

for (const threads of [1, 2]) {
  describe(`wasm SIMD kernels (${threads === 1 ? 'plain' : 'shared'} memory, ${threads} thread${threads === 1 ? '' : 's'})`, function () {
    this.timeout(60_000);

    before(async () => {
      const report = await selectBackend('wasm', undefined, { wasmThreads: threads });
      assert.equal(report.name, 'wasm');
      for (const name of WASM_SIMD_KERNEL_NAMES) assert.ok(tf.getKernel(name, 'wasm'), name);
    });

    // The fused build evaluates the sigmoid with fused multiply-adds, the plain one without.
    for (const fused of [true, false]) {
      it(`mask forward: mc = scale * sigmoid(T*s) to 4 ulps, W * mc and sum(mc) from those mc (${fused ? 'fused' : 'plain'} build)`, () => {
        allowFusedMultiplyAdd(fused);
        // Vectors of every size (whole groups of four vectors, and the rest one at a time), and
        // matrices, which get (W * mc)^T too.
        const shapes = [
          ...SIZES.map((n) => [n]),
          [4, 4],
          [8, 12],
          [12, 8],
          [784, 300],
          [6, 8],
          [8, 10],
          [5, 3],
        ];
        // T*s spans saturation on both sides (|T*s| up to 200) and the region around 0.
        for (const [temperature, spread] of [
          [1, 8],
          [37.5, 4],
          [200, 1],
        ]) {
          for (const shape of shapes) {
            const n = shape.reduce((a, b) => a * b, 1);
            const s = seeded(n, n + 1, spread);
            const w = seeded(n, n + 2, 1);
            const scale = 1 / (1 / (1 + Math.exp(0.3)));
            const matrix = shape.length === 2;
            const outputs = run(CS_MASK_FORWARD, { s, w }, { temperature, scale }, shape);
            const [mc, y, sum] = outputs;
            const label = `[${shape}], T ${temperature}`;
            assert.equal(outputs.length, matrix ? 4 : 3, `${label}: outputs`);
            for (let i = 0; i < n; i++) {
              const x = f(s[i] * f(temperature));
              const exact = scale / (1 + Math.exp(-x));
              // Where exp(-|T*s|) is below FLT_MIN the kernel gives FLT_MIN times scale (it clamps
              // |T*s|), where the exact mask is a denormal or 0 times scale.
              const tolerance = Math.max(4 * 2 ** -23 * exact, 2 ** -124);
              assert.ok(Math.abs(mc[i] - exact) <= tolerance, `${label}: mc[${i}] ${mc[i]} vs ${exact}`);
            }
            assertSame(
              y,
              Array.from(w, (wi, i) => f(wi * mc[i])),
              `${label}: y`,
            );
            if (matrix) {
              const [rows, cols] = shape;
              assertSame(
                outputs[3],
                Array.from({ length: n }, (_, k) => y[(k % rows) * cols + Math.floor(k / rows)]),
                `${label}: y transposed`,
              );
            }
            const exactSum = mc.reduce((a, b) => a + b, 0);
            // Added up in float64 and rounded once, each group of four vectors first added in float32:
            // three roundings of positive values.
            const sumTolerance = 4 * 2 ** -24 * exactSum;
            assert.ok(Math.abs(sum[0] - exactSum) <= sumTolerance, `${label}: sum ${sum[0]} vs ${exactSum}`);
          }
        }
        assert.equal(kernelsUseFusedMultiplyAdd(), fused, 'the build that ran');
        allowFusedMultiplyAdd(true);
      });
    }

    it('mask forward: NaN logits give NaN masks, as the stock kernels do', () => {
      const s = Float32Array.from([0.5, NaN, -3, 2, NaN]);
      const [mc, y] = run(
        CS_MASK_FORWARD,
        { s, w: new Float32Array(5).fill(1) },
        { temperature: 2, scale: 1 },
      );
      assert.deepEqual(Array.from(mc, Number.isNaN), [false, true, false, false, true]);
      assert.deepEqual(Array.from(y, Number.isNaN), [false, true, false, false, true]);
      // A matrix's transpose, a NaN in each row of a 4 x 4 matrix.
      const tile = Float32Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? NaN : i - 8));
      const [mcTile, , , yT] = run(
        CS_MASK_FORWARD,
        { s: tile, w: new Float32Array(16).fill(1) },
        { temperature: 2, scale: 1 },
        [4, 4],
      );
      assert.deepEqual(Array.from(mcTile, Number.isNaN), Array.from(tile, Number.isNaN));
      assert.deepEqual(
        Array.from(yT, Number.isNaN),
        Array.from(tile, (_, k) => Number.isNaN(tile[(k % 4) * 4 + Math.floor(k / 4)])),
      );
    });

    it('mask gradient: dW = dy*mc and ds = (dy*W + lambda) * (mc*(1 - mc/scale)*T), bit for bit', () => {
      for (const n of SIZES) {
        const dy = seeded(n, 3 * n, 2);
        const w = seeded(n, 3 * n + 1, 1);
        const scale = 1.75;
        const mc = seeded(n, 3 * n + 2, 0.5).map((v) => (v + 0.5) * scale);
        const [temperature, lambda] = [7.25, 0.03];
        const [dW, ds] = run(CS_MASK_GRAD, { dy, w, mc }, { temperature, scale, lambda });
        const inv = f(1 / scale);
        assertSame(
          dW,
          Array.from(dy, (g, i) => f(g * mc[i])),
          `n ${n}: dW`,
        );
        assertSame(
          ds,
          Array.from(dy, (g, i) =>
            f(f(f(g * w[i]) + f(lambda)) * f(f(mc[i] * f(1 - f(mc[i] * inv))) * f(temperature))),
          ),
          `n ${n}: ds`,
        );
      }
    });

    it("Nesterov step: PyTorch's SGD formula bit for bit, with and without weight decay", () => {
      for (const weightDecay of [0, 5e-4]) {
        for (const n of SIZES) {
          const p = seeded(n, 5 * n, 1);
          const grad = seeded(n, 5 * n + 1, 0.3);
          const buf = seeded(n, 5 * n + 2, 0.2);
          const [learningRate, momentum] = [0.1, 0.9];
          const [pNext, bufNext] = run(
            NESTEROV_STEP,
            { p, grad, buf },
            { learningRate, momentum, weightDecay },
          );
          const g = Array.from(grad, (gi, i) => (weightDecay === 0 ? gi : f(gi + f(p[i] * f(weightDecay)))));
          const b = g.map((gi, i) => f(f(buf[i] * f(momentum)) + gi));
          assertSame(bufNext, b, `n ${n}, wd ${weightDecay}: buf`);
          assertSame(
            pNext,
            g.map((gi, i) => f(p[i] - f(f(gi + f(b[i] * f(momentum))) * f(learningRate)))),
            `n ${n}, wd ${weightDecay}: p`,
          );
        }
      }
    });

    it('masked step: the mask gradient, then a Nesterov step for W and one for s, bit for bit', () => {
      /** PyTorch's SGD with Nesterov momentum in float32, as the Nesterov step test spells it. */
      const nesterov = (p: number, g0: number, buf: number, lr: number, momentum: number, decay: number) => {
        const g = decay === 0 ? g0 : f(g0 + f(p * f(decay)));
        const b = f(f(buf * f(momentum)) + g);
        return [f(p - f(f(g + f(b * f(momentum))) * f(lr))), b];
      };
      for (const [weightDecay, maskWeightDecay] of [
        [5e-4, 0],
        [0, 1e-3],
      ]) {
        // Sizes that are multiples of 4 are updated in place (run's fresh inputs share their data with
        // nothing), the others into fresh outputs.
        for (const n of SIZES) {
          const [dy, w, s, wBuf, sBuf] = [2, 1, 3, 0.2, 0.1].map((spread, k) => seeded(n, 7 * n + k, spread));
          const scale = 1.75;
          const mc = seeded(n, 7 * n + 5, 0.5).map((v) => (v + 0.5) * scale);
          const attrs = {
            temperature: 7.25,
            scale,
            lambda: 0.03,
            weightLearningRate: 0.1,
            weightMomentum: 0.9,
            weightDecay,
            maskLearningRate: 0.05,
            maskMomentum: 0.8,
            maskWeightDecay,
          };
          const inv = f(1 / scale);
          const expected = Array.from(dy, (g, i) => {
            const dW = f(g * mc[i]);
            const ds = f(
              f(f(g * w[i]) + f(attrs.lambda)) * f(f(mc[i] * f(1 - f(mc[i] * inv))) * f(attrs.temperature)),
            );
            const [wNext, wBufNext] = nesterov(w[i], dW, wBuf[i], 0.1, 0.9, weightDecay);
            const [sNext, sBufNext] = nesterov(s[i], ds, sBuf[i], 0.05, 0.8, maskWeightDecay);
            return [wNext, wBufNext, sNext, sBufNext];
          });
          const outputs = run(CS_MASKED_STEP, { dy, w, mc, s, wBuf, sBuf }, attrs);
          ['w', 'wBuf', 's', 'sBuf'].forEach((name, k) =>
            assertSame(
              outputs[k],
              expected.map((e) => e[k]),
              `n ${n}, decay ${weightDecay}/${maskWeightDecay}: ${name}`,
            ),
          );
        }
      }
    });

    it('ReLU gradient: dy where x > 0, +0 where x <= 0, NaN where x is NaN', () => {
      for (const n of SIZES) {
        const x = seeded(n, 11 * n, 1).map((v, i) => (i % 7 === 3 ? 0 : i % 11 === 5 ? NaN : v));
        const dy = seeded(n, 11 * n + 1, 2);
        const [dx] = run(RELU_GRAD, { x, dy }, {});
        const expected = Array.from(x, (xi, i) => (Number.isNaN(xi) ? NaN : xi > 0 ? dy[i] : 0));
        assertSame(dx, expected, `n ${n}: dx`);
      }
    });

    it('rejects inputs whose sizes differ, naming the kernel and the input', () => {
      assert.throws(
        () =>
          run(CS_MASK_GRAD, { dy: new Float32Array(4), w: new Float32Array(5), mc: new Float32Array(4) }, {}),
        /SparsityLabCsMaskGrad: input 'w' has shape \[5\], unlike the others/,
      );
    });

    it('leaves no tensor and no heap block behind', () => {
      const before = tf.memory().numTensors;
      const heap = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
      for (const n of [3, 4096, 4099]) {
        run(
          CS_MASK_FORWARD,
          { s: new Float32Array(n), w: new Float32Array(n) },
          { temperature: 1, scale: 1 },
        );
        // A matrix, with its fourth output.
        if (n === 4096) {
          run(
            CS_MASK_FORWARD,
            { s: new Float32Array(n), w: new Float32Array(n) },
            { temperature: 1, scale: 1 },
            [64, 64],
          );
        }
        // 4096 elements are updated in place: the outputs share the inputs' data.
        const zeros = () => new Float32Array(n);
        run(
          CS_MASKED_STEP,
          { dy: zeros(), w: zeros(), mc: zeros(), s: zeros(), wBuf: zeros(), sBuf: zeros() },
          {
            ...{ temperature: 1, scale: 1, lambda: 0 },
            ...{ weightLearningRate: 0.1, weightMomentum: 0.9, weightDecay: 0 },
            ...{ maskLearningRate: 0.1, maskMomentum: 0.9, maskWeightDecay: 0 },
          },
        );
      }
      assert.equal(tf.memory().numTensors, before);
      assert.equal((tf.backend() as unknown as { numDataIds(): number }).numDataIds(), heap);
    });
  });
}

describe('wasm Identity', () => {
  it('shares the data instead of copying it, and the copy outlives its source', async () => {
    await selectBackend('wasm', undefined, { wasmThreads: 1 });
    const x = tf.tensor1d([1, 2, 3]);
    const heap = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const y = tf.clone(x);
    assert.equal((tf.backend() as unknown as { numDataIds(): number }).numDataIds(), heap, 'no new data');
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
    y.dispose();
  });
});

describe('csKernelsWasm.ts', () => {
  it('is what scripts/compileSimdKernels.mjs makes of csKernels.wat', function () {
    this.timeout(60_000);
    const script = path.join(__dirname, '../../scripts/compileSimdKernels.mjs');
    // Exits 1, naming the file, when the .wat changed without recompiling.
    execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' });
  });
});

describe('wasm Transpose', () => {
  it('simplifies permutations: merged runs of axes, size-1 axes dropped', () => {
    assert.deepEqual(simplifyPermutation([128, 34, 34, 64], [3, 1, 2, 0]), {
      shape: [128, 1156, 64],
      perm: [2, 1, 0],
    });
    assert.deepEqual(simplifyPermutation([128, 32, 32, 64], [1, 2, 0, 3]), {
      shape: [128, 1024, 64],
      perm: [1, 0, 2],
    });
    assert.deepEqual(simplifyPermutation([5, 1, 7], [2, 1, 0]), { shape: [5, 7], perm: [1, 0] });
    assert.deepEqual(simplifyPermutation([2, 3, 4], [0, 1, 2]), { shape: [24], perm: [0] });
  });

  for (const threads of [1, 2]) {
    it(`gives tfjs-backend-cpu's result for random shapes and permutations (${threads} thread${threads === 1 ? '' : 's'})`, async () => {
      let seed = 7;
      const next = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      const cases: { shape: number[]; perm: number[]; dtype: 'float32' | 'int32' }[] = [
        { shape: [16384, 256], perm: [1, 0], dtype: 'float32' },
        { shape: [7, 34, 34, 5], perm: [3, 1, 2, 0], dtype: 'float32' },
        { shape: [6, 9, 11, 3], perm: [1, 2, 0, 3], dtype: 'int32' },
      ];
      for (let i = 0; i < 60; i++) {
        const rank = 2 + next(4);
        const shape = Array.from({ length: rank }, () => 1 + next(9));
        const perm = Array.from({ length: rank }, (_, j) => j);
        for (let j = rank - 1; j > 0; j--) {
          const k = next(j + 1);
          [perm[j], perm[k]] = [perm[k], perm[j]];
        }
        cases.push({ shape, perm, dtype: i % 3 === 0 ? 'int32' : 'float32' });
      }
      const expected = await Promise.all(
        cases.map(async (c) => {
          await selectBackend('cpu');
          const size = c.shape.reduce((a, b) => a * b, 1);
          const values =
            c.dtype === 'int32'
              ? Int32Array.from({ length: size }, (_, i) => i * 7 - 3)
              : seeded(size, size, 5);
          const out = tf.tidy(() => tf.transpose(tf.tensor(values, c.shape, c.dtype), c.perm).dataSync());
          return { values, out };
        }),
      );
      await selectBackend('wasm', undefined, { wasmThreads: threads });
      cases.forEach((c, i) => {
        const actual = tf.tidy(() =>
          tf.transpose(tf.tensor(expected[i].values, c.shape, c.dtype), c.perm).dataSync(),
        );
        assert.deepEqual(actual, expected[i].out, `[${c.shape}] by [${c.perm}] (${c.dtype})`);
      });
    });
  }
});

/**
 * dW of a Conv2D from its definition, in float64: the sum over images and output pixels of
 * x[b, oy*s + kh - pad, ox*s + kw - pad, ci] * dy[b, oy, ox, co], with the bound |x|*|dy| summed too.
 */
function filterGradReference(
  x: Float32Array,
  dy: Float32Array,
  [n, h, w, ci]: number[],
  [oh, ow, co]: number[],
  f: number,
  stride: number,
  pad: number,
): { dw: Float64Array; bound: Float64Array } {
  const geometry = {
    batch: n,
    h,
    w,
    ci,
    oh,
    ow,
    co,
    fh: f,
    fw: f,
    sh: stride,
    sw: stride,
    top: pad,
    left: pad,
  };
  const { sum, bound } = sumsOfProducts(f * f * ci * co, (add) =>
    forEachConvolutionTerm(geometry, (xAt, wAt, yAt) => add(wAt, x[xAt] * dy[yAt])),
  );
  return { dw: sum, bound };
}

describe('wasm Conv2D filter gradient (csKernels.wat convFilterGrad)', () => {
  after(() => allowFusedMultiplyAdd(true));
  // The fused build (relaxed SIMD's multiply-add) wherever the engine has it, as Node 20 and later do;
  // the plain one as engines without it run.
  for (const [threads, fused] of [
    [1, true],
    [2, true],
    [1, false],
    [2, false],
  ] as const) {
    it(`is the float64 sum of the products to float32 rounding, padded channels, strides and borders included (${threads} thread${threads === 1 ? '' : 's'}, ${fused ? 'fused' : 'plain'} multiply-adds)`, async () => {
      allowFusedMultiplyAdd(fused);
      await selectBackend('wasm', undefined, { wasmThreads: threads });
      // [x shape, filter size, out channels, stride, 'same' or 'valid']: Conv-2's two layers (small
      // images), whole 4 x 8 tiles, padded channel counts, a stride of 2, a 1x1 filter.
      const cases: [number[], number, number, number, 'same' | 'valid'][] = [
        [[3, 10, 9, 3], 3, 64, 1, 'same'],
        [[2, 8, 8, 64], 3, 64, 1, 'same'],
        [[2, 9, 7, 8], 3, 16, 2, 'same'],
        [[1, 7, 11, 5], 2, 9, 1, 'valid'],
        [[2, 6, 6, 12], 1, 24, 2, 'valid'],
      ];
      cases.forEach(([xShape, fSize, co, stride, pad], i) => {
        const [n, h, w, ci] = xShape;
        const info = tf.backend_util.computeConv2DInfo(
          xShape as [number, number, number, number],
          [fSize, fSize, ci, co],
          stride,
          1,
          pad,
        );
        const x = seeded(n * h * w * ci, 100 + i, 2);
        const dy = seeded(n * info.outHeight * info.outWidth * co, 200 + i, 1);
        const before = tf.memory().numTensors;
        const actual = tf.tidy(() => {
          const out = tf.engine().runKernel(
            tf.Conv2DBackpropFilter,
            {
              x: tf.tensor4d(x, xShape as [number, number, number, number]),
              dy: tf.tensor4d(dy, [n, info.outHeight, info.outWidth, co]),
            },
            { strides: stride, pad, dataFormat: 'NHWC', filterShape: [fSize, fSize, ci, co] },
          ) as tf.Tensor;
          return out.dataSync();
        });
        assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
        assert.equal(kernelsUseFusedMultiplyAdd(), fused, 'the build that ran');
        const ref = filterGradReference(
          x,
          dy,
          xShape,
          [info.outHeight, info.outWidth, co],
          fSize,
          stride,
          pad === 'same' ? info.padInfo.top : 0,
        );
        assert.equal(actual.length, ref.dw.length);
        for (let j = 0; j < actual.length; j++) {
          // Each float32 addition rounds by at most 2^-24 of the running sum, bounded by sum |x*dy|.
          const tolerance = ref.bound[j] * 2 ** -24 * (n * info.outHeight * info.outWidth + 1);
          assert.ok(
            Math.abs(actual[j] - ref.dw[j]) <= tolerance,
            `[${xShape}] f${fSize} -> ${co}, stride ${stride} ${pad}: dw[${j}] = ${actual[j]}, expected ${ref.dw[j]}`,
          );
        }
      });
    });
  }
});

describe('wasm Sum over leading axes (bias gradients)', () => {
  it('adds up in float64 as tfjs-backend-cpu does: the same float32 bits', async () => {
    const shapes: [number[], number[]][] = [
      [
        [32, 16, 16, 64],
        [0, 1, 2],
      ], // a conv bias gradient, 4 columns at a time
      [[300, 10], [0]], // a dense one: groups of four and a tail of two
      [[7, 3], [0]], // the tail alone
    ];
    for (const [shape, axes] of shapes) {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = seeded(size, size, 3);
      await selectBackend('cpu');
      const expected = tf.tidy(() => tf.sum(tf.tensor(values, shape), axes).dataSync());
      await selectBackend('wasm', undefined, { wasmThreads: 1 });
      const actual = tf.tidy(() => tf.sum(tf.tensor(values, shape), axes).dataSync());
      assertSame(actual as Float32Array, expected, `[${shape}] over [${axes}]`);
    }
  });
});

describe('wasm logit counting (layer statistics)', () => {
  it('counts kept logits and those below each edge as countLogits.ts bins them, NaN and edge values included', async () => {
    await selectBackend('wasm', undefined, { wasmThreads: 1 });
    const edges = Float32Array.from({ length: 9 }, (_, i) => -1 + (i + 1) * 0.2);
    for (const n of [0, 1, 3, 4, 7, 1001]) {
      const s = seeded(n, n + 11, 1.5);
      // Values exactly on edges, NaN and zero, where off-by-one binning would show.
      for (let i = 0; i < n; i += 5) s[i] = edges[i % edges.length];
      if (n > 2) [s[1], s[2]] = [NaN, 0];
      const expected = countLogits(s, 1, false, -1, 0.2, edges);
      const counts = tf.tidy(() =>
        Array.from(
          (
            tf
              .engine()
              .runKernel(CS_COUNT_LOGITS, { s: tf.tensor1d(s), edges: tf.tensor1d(edges) }) as tf.Tensor
          ).dataSync(),
        ),
      );
      assert.equal(counts[0], expected.kept, `n ${n}: kept`);
      const bins = [...counts.slice(1), n].map((c, i, all) => c - (i === 0 ? 0 : all[i - 1]));
      assert.deepEqual(bins, expected.counts, `n ${n}: histogram`);
    }
  });
});
