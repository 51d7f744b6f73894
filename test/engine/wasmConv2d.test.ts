// Conv2D and its stride-1 input gradient through csKernels.wat's conv2d (engine/backend/wasmConv2d.ts):
// the values against the convolution's definition summed in float64, over tails of the four-pixel
// tile, strides, paddings and filter sizes; and which loop ran, told apart by a sum that a fused
// multiply-add (ours) and a rounded product (XNNPACK's) give differently.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
// tf.grad needs tfjs-core's gradient functions.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../../engine/backend/selectBackend';
import { ownConvolutionFits } from '../../engine/backend/wasmConv2d';
import { allowFusedMultiplyAdd } from '../../engine/backend/simd/relaxedSimd';
import { makeRng } from '../support/seededRandom';
import {
  forEachConvolutionTerm,
  sumsOfProducts,
  type ConvolutionGeometry,
} from '../support/convolutionTerms';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number;

function seeded(n: number, seed: number): Float32Array {
  const rand = makeRng(seed);
  return Float32Array.from({ length: n }, () => rand() * 2 - 1);
}

/** The convolution's geometry as test/support/convolutionTerms.ts takes it. */
function geometryOf(info: tf.backend_util.Conv2DInfo): ConvolutionGeometry {
  return {
    batch: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    ci: info.inChannels,
    oh: info.outHeight,
    ow: info.outWidth,
    co: info.outChannels,
    fh: info.filterHeight,
    fw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** y[b, oy, ox, o] = sum of x[b, oy*s + kh - pt, ox*s + kw - pl, c] * w[kh, kw, c, o], in float64. */
function convReference(x: Float32Array, w: Float32Array, info: tf.backend_util.Conv2DInfo) {
  return sumsOfProducts(tf.util.sizeFromShape(info.outShape), (add) =>
    forEachConvolutionTerm(geometryOf(info), (xAt, wAt, yAt) => add(yAt, x[xAt] * w[wAt])),
  );
}

/** dx[b, iy, ix, c] = sum of dy[b, oy, ox, o] * w[kh, kw, c, o] over the taps that read x there. */
function inputGradReference(dy: Float32Array, w: Float32Array, info: tf.backend_util.Conv2DInfo) {
  const g = geometryOf(info);
  return sumsOfProducts(g.batch * g.h * g.w * g.ci, (add) =>
    forEachConvolutionTerm(g, (xAt, wAt, yAt) => add(xAt, dy[yAt] * w[wAt])),
  );
}

/** Each float32 addition rounds by at most 2^-24 of the running sum, itself bounded by sum |p|. */
function assertCloseToSum(
  actual: Float32Array,
  sum: Float64Array,
  bound: Float64Array,
  terms: number,
  label: string,
) {
  assert.equal(actual.length, sum.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    const tolerance = bound[i] * 2 ** -24 * (terms + 1);
    assert.ok(
      Math.abs(actual[i] - sum[i]) <= tolerance,
      `${label}[${i}]: ${actual[i]} vs ${sum[i]} (tolerance ${tolerance})`,
    );
  }
}

// [x shape, filter h and w, out channels, stride, padding]: Conv-2's 64 -> 64 layer on small images,
// odd widths that leave the last two-pixel tile half full, a stride of 2 (its input gradient takes the
// other route), 'valid', a 1x1 and a 5x2 filter, a number padding.
const CASES: [Shape4, [number, number], number, number, Pad][] = [
  [[2, 6, 8, 64], [3, 3], 64, 1, 'same'],
  [[3, 5, 5, 16], [3, 3], 16, 1, 'same'],
  [[1, 4, 6, 16], [3, 3], 32, 1, 'valid'],
  [[2, 7, 7, 16], [3, 3], 32, 2, 'same'],
  [[1, 5, 9, 16], [1, 1], 16, 1, 'valid'],
  [[2, 6, 5, 16], [5, 2], 16, 1, 'same'],
  [[1, 4, 3, 16], [3, 3], 16, 1, 2],
  // Neither channel count a multiple of 16: XNNPACK's, both ways.
  [[1, 4, 6, 12], [3, 3], 24, 1, 'same'],
];

describe('wasm Conv2D through our loop (csKernels.wat conv2d)', () => {
  before(async () => {
    allowFusedMultiplyAdd(true);
    await selectBackend('wasm', undefined, { wasmThreads: 1 });
  });
  after(() => allowFusedMultiplyAdd(true));

  it('runs where it fits: 16 output channels at a time, eight or more input channels, FMA', async () => {
    const wasm = tf.backend() as BackendWasm;
    assert.equal(ownConvolutionFits(wasm, 64, 64), true);
    assert.equal(ownConvolutionFits(wasm, 8, 16), true);
    assert.equal(ownConvolutionFits(wasm, 3, 64), false, 'few input channels: XNNPACK');
    assert.equal(ownConvolutionFits(wasm, 64, 24), false, 'not a multiple of 16 output channels');
    allowFusedMultiplyAdd(false);
    assert.equal(ownConvolutionFits(wasm, 64, 64), false, 'the plain build: XNNPACK is faster');
    allowFusedMultiplyAdd(true);
    // Two threads: our loop splits the images between this thread and a helper of ours.
    await selectBackend('wasm', undefined, { wasmThreads: 2 });
    assert.equal(ownConvolutionFits(tf.backend() as BackendWasm, 64, 64), true, 'two threads of ours');
    await selectBackend('wasm', undefined, { wasmThreads: 1 });
  });

  CASES.forEach(([xShape, [fh, fw], co, stride, pad], i) => {
    const ci = xShape[3];
    const wShape: Shape4 = [fh, fw, ci, co];
    it(`forward and input gradient are the float64 sums to float32 rounding: x [${xShape}], filter ${fh}x${fw} -> ${co}, stride ${stride}, pad ${pad}`, () => {
      const info = tf.backend_util.computeConv2DInfo(xShape, wShape, stride, 1, pad);
      const x = seeded(tf.util.sizeFromShape(xShape), 10 + i);
      const w = seeded(tf.util.sizeFromShape(wShape), 20 + i);
      const dy = seeded(tf.util.sizeFromShape(info.outShape), 30 + i);
      const before = tf.memory().numTensors;
      const [y, dx] = tf.tidy(() => {
        const xt = tf.tensor4d(x, xShape);
        const wt = tf.tensor4d(w, wShape);
        const forward = tf.conv2d(xt, wt, stride, pad).dataSync() as Float32Array;
        // The gradient of sum(conv(x, w) * dy) with respect to x is the input gradient for dy.
        const gx = tf.grad((v: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(v as tf.Tensor4D, wt, stride, pad), tf.tensor(dy, info.outShape))),
        );
        return [forward, gx(xt).dataSync() as Float32Array];
      });
      assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
      const forward = convReference(x, w, info);
      assertCloseToSum(y, forward.sum, forward.bound, fh * fw * ci, 'y');
      const backward = inputGradReference(dy, w, info);
      assertCloseToSum(dx, backward.sum, backward.bound, fh * fw * co, 'dx');
    });
  });

  /**
   * A 1x1 convolution whose output is x0*w0 + x1*w1 with x0*w0 = -(1 + 2^-11) and x1*w1 = (1 + 2^-12)^2
   * = 1 + 2^-11 + 2^-24. Rounded to float32 first (a multiply, then an add) the second product loses its
   * 2^-24 and the sum is 0; a fused multiply-add keeps it. Channels past the second are zero.
   */
  function roundingWitness(): { x: tf.Tensor4D; w: tf.Tensor4D } {
    const channels = 16;
    const x = new Float32Array(channels);
    const w = new Float32Array(channels * channels);
    x[0] = -(1 + 2 ** -11);
    x[1] = 1 + 2 ** -12;
    for (let o = 0; o < channels; o++) {
      w[0 * channels + o] = 1;
      w[1 * channels + o] = 1 + 2 ** -12;
    }
    return { x: tf.tensor4d(x, [1, 1, 1, channels]), w: tf.tensor4d(w, [1, 1, channels, channels]) };
  }

  for (const [threads, fused, ours] of [
    [1, true, true],
    [1, false, false],
    [2, true, true],
    [2, false, false],
  ] as const) {
    it(`${ours ? 'our fused loop' : "XNNPACK's"} runs the forward pass and the input gradient at ${threads} thread${threads === 1 ? '' : 's'}${fused ? '' : ' on the plain build'}`, async () => {
      allowFusedMultiplyAdd(fused);
      await selectBackend('wasm', undefined, { wasmThreads: threads });
      const expected = ours ? 2 ** -24 : 0;
      const { y, dx } = tf.tidy(() => {
        const { x, w } = roundingWitness();
        const out = tf.conv2d(x, w, 1, 'valid').dataSync();
        // dx[c] = sum over o of dy[o] * w[c, o]; with dy = the witness's x laid out over the output
        // channels and w transposed, the same two products meet.
        const dyValues = x.dataSync();
        const wT = tf.transpose(w, [0, 1, 3, 2]) as tf.Tensor4D;
        const g = tf.grad((v: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(v as tf.Tensor4D, wT, 1, 'valid'), tf.tensor(dyValues, [1, 1, 1, 16]))),
        );
        return { y: Array.from(out), dx: Array.from(g(tf.zeros([1, 1, 1, 16]) as tf.Tensor4D).dataSync()) };
      });
      assert.deepEqual(y, new Array(16).fill(expected), 'forward');
      assert.deepEqual(dx, new Array(16).fill(expected), 'input gradient');
      allowFusedMultiplyAdd(true);
      await selectBackend('wasm', undefined, { wasmThreads: 1 });
    });
  }
});
