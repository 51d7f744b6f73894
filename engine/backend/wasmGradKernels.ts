// Gradient kernels that tfjs-backend-wasm 4.22 does not ship. Without them any Conv2D or
// DepthwiseConv2D layer throws as soon as its weights are differentiated on 'wasm', and so does
// anything differentiated through tf.gather (its gradient is UnsortedSegmentSum).
//
// Each kernel is rewritten as a composition of kernels the wasm backend does have, so the heavy
// lifting still runs in XNNPACK: a filter gradient is itself a convolution (the stride of the forward
// pass becomes a dilation, the batch becomes the contracted channel axis) and an input gradient is a
// convolution of the zero-stuffed output gradient with the spatially flipped filter.
//
// Unlike tfjs-backend-cpu, whose depthwise backprop loops ignore dilations (while still using them
// for padding and output size), these kernels compute the true gradient for dilations > 1.

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
// kernelScope imports tfjs-backend-wasm for a value, so its kernels are registered before this module
// checks which ones are missing.
import { inKernelScope, type KernelScope, need, simplifyPermutation } from './kernelScope';
import { conv2DBackpropInputOwn, fasterConv2D } from './wasmConv2d';
import { fasterMatMul } from './wasmMatMul';
import { replaceKernel } from './replaceKernel';
import {
  columnSumsInto,
  convFilterGradInto,
  FILTER_GRAD_CHANNELS,
  maxPoolGradInto,
  transposeInto,
} from './simd/wasmSimdKernels';
import * as tf from '@tensorflow/tfjs-core';
import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelBackend,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
  UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';

const BACKEND = 'wasm';

type Shape4 = [number, number, number, number];

/**
 * The cpu kernels trust dy's shape; a wrong one there reads garbage, but here it would size XNNPACK
 * buffers wrongly and write outside them, corrupting the whole wasm heap.
 */
function checkDy(dy: TensorInfo, expected: number[], kernelName: string): void {
  if (dy.shape.length !== expected.length || dy.shape.some((d, i) => d !== expected[i])) {
    throw new Error(
      `${kernelName}: dy has shape [${dy.shape}] but the convolution's output is [${expected}]`,
    );
  }
}

function composite(
  body: (scope: KernelScope, inputs: NamedTensorInfoMap, attrs: NamedAttrMap) => TensorInfo,
) {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) =>
    inKernelScope(backend as KernelBackend, (scope) => body(scope, inputs, attrs ?? {}));
  return kernelFunc;
}

/**
 * dW[i,j,ci,co] = sum_{b,y,x} x[b, y*sH + i - padTop, x*sW + j - padLeft, ci] * dy[b,y,x,co], in one
 * SIMD loop of ours (csKernels.wat's convFilterGrad) after padding the channel counts to multiples of
 * 4 (x) and 8 (dy) with zeros, whose rows and columns of dW are then cut off. Until then this was a
 * 'valid' XNNPACK Conv2D with dy as its filter, batch and channels swapped and the stride as its
 * dilation, three times slower on Conv-2 (700 vs 210 ms for its 64->64 layer at batch 128).
 */
const conv2DBackpropFilter = composite((scope, inputs, rawAttrs) => {
  const attrs = rawAttrs as unknown as Conv2DBackpropFilterAttrs;
  const x = need(inputs, 'x', tf.Conv2DBackpropFilter);
  const dy = need(inputs, 'dy', tf.Conv2DBackpropFilter);
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC');
  // Dilations are fixed at 1, as tfjs-backend-cpu does: the op has no dilations attribute.
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  checkDy(dy, info.outShape, tf.Conv2DBackpropFilter);
  const channelsFirst = info.dataFormat === 'channelsFirst';
  const xNhwc = scope.padChannels(
    channelsFirst ? scope.transpose(x, [0, 2, 3, 1]) : x,
    FILTER_GRAD_CHANNELS.in,
  );
  const dyNhwc = scope.padChannels(
    channelsFirst ? scope.transpose(dy, [0, 2, 3, 1]) : dy,
    FILTER_GRAD_CHANNELS.out,
  );
  const { filterHeight, filterWidth, inChannels, outChannels } = info;
  const padded = [filterHeight, filterWidth, xNhwc.shape[3], dyNhwc.shape[3]];
  const dw = scope.fill(padded, (wasm, out) => convFilterGradInto(wasm, xNhwc, dyNhwc, out, info));
  if (padded[2] === inChannels && padded[3] === outChannels) return dw;
  return scope.run(
    'Slice',
    { x: dw },
    { begin: [0, 0, 0, 0], size: [filterHeight, filterWidth, inChannels, outChannels] },
  );
});

/**
 * dx is the 'valid' correlation of the zero-stuffed dy with the spatially flipped filter whose
 * in/out channel axes are swapped. tfjs-backend-wasm has this kernel, but as a scalar loop nest
 * roughly ten times slower than its XNNPACK forward Conv2D, which made it the bulk of a training step.
 * Stride-1 NHWC ones go to our convolution loop where it fits (wasmConv2d.ts), which reads dy where it
 * lies instead of a padded copy.
 */
const conv2DBackpropInput = composite((scope, inputs, rawAttrs) => {
  const attrs = rawAttrs as unknown as Conv2DBackpropInputAttrs;
  const dy = need(inputs, 'dy', tf.Conv2DBackpropInput);
  const filter = need(inputs, 'filter', tf.Conv2DBackpropInput);
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC');
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as Shape4,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  checkDy(dy, info.outShape, tf.Conv2DBackpropInput);
  const own = conv2DBackpropInputOwn(scope, dy, filter, info);
  if (own !== undefined) return own;
  const channelsFirst = info.dataFormat === 'channelsFirst';
  const dyNhwc = channelsFirst ? scope.transpose(dy, [0, 2, 3, 1]) : dy;
  const { inHeight, inWidth, filterHeight, filterWidth } = info;

  const stuffed = scope.stuff(dyNhwc, info.strideHeight, info.strideWidth);
  const dyWin = scope.window(
    stuffed,
    info.padInfo.top - (filterHeight - 1),
    inHeight + filterHeight - 1,
    info.padInfo.left - (filterWidth - 1),
    inWidth + filterWidth - 1,
  );
  const flipped = scope.run('Reverse', { x: filter }, { dims: [0, 1] });
  const backwardFilter = scope.transpose(flipped, [0, 1, 3, 2]);
  const dx = scope.run(
    'Conv2D',
    { x: dyWin, filter: backwardFilter },
    { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
  );
  return channelsFirst ? scope.transpose(dx, [0, 3, 1, 2]) : dx;
});

/**
 * dW[i,j,c,m] = sum_{b,y,x} xPad[b, y*sH + i*dH, x*sW + j*dW, c] * dy[b,y,x,c*M+m]. Folding the
 * batch into the channels turns this into one depthwise convolution of a single image: input
 * channel c*N+b, filter dy (channel multiplier M), stride = forward dilation, dilation = forward
 * stride. Summing its output over b gives the gradient.
 */
const depthwiseConv2dNativeBackpropFilter = composite((scope, inputs, rawAttrs) => {
  const attrs = rawAttrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const x = need(inputs, 'x', tf.DepthwiseConv2dNativeBackpropFilter);
  const dy = need(inputs, 'dy', tf.DepthwiseConv2dNativeBackpropFilter);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  checkDy(dy, info.outShape, tf.DepthwiseConv2dNativeBackpropFilter);
  const { batchSize, inChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth, dilationHeight, dilationWidth } = info;
  const mult = info.outChannels / inChannels;

  const winH = (outHeight - 1) * strideHeight + info.effectiveFilterHeight;
  const winW = (outWidth - 1) * strideWidth + info.effectiveFilterWidth;
  const xWin = scope.window(x, -info.padInfo.top, winH, -info.padInfo.left, winW);
  const xFolded = scope.reshape(scope.transpose(xWin, [1, 2, 3, 0]), [1, winH, winW, inChannels * batchSize]);

  const dy5 = scope.reshape(dy, [batchSize, outHeight, outWidth, inChannels, mult]);
  const dyFilter = scope.reshape(scope.transpose(dy5, [1, 2, 3, 0, 4]), [
    outHeight,
    outWidth,
    inChannels * batchSize,
    mult,
  ]);
  const perImage = scope.run(
    'DepthwiseConv2dNative',
    { x: xFolded, filter: dyFilter },
    {
      strides: [dilationHeight, dilationWidth],
      pad: 'valid',
      dilations: [strideHeight, strideWidth],
    },
  );
  const split = scope.reshape(perImage, [filterHeight, filterWidth, inChannels, batchSize, mult]);
  const dw = batchSize === 1 ? split : scope.run('Sum', { x: split }, { axis: [3], keepDims: false });
  return scope.reshape(dw, [filterHeight, filterWidth, inChannels, mult]);
});

/**
 * dx is the 'valid' depthwise correlation, with the forward dilation, of dy stuffed with
 * (stride - 1) zeros between samples and the spatially flipped filter. Each of the C*M output
 * channels is handled as its own depthwise channel and the M that feed one input channel are summed.
 */
const depthwiseConv2dNativeBackpropInput = composite((scope, inputs, rawAttrs) => {
  const attrs = rawAttrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const dy = need(inputs, 'dy', tf.DepthwiseConv2dNativeBackpropInput);
  const filter = need(inputs, 'filter', tf.DepthwiseConv2dNativeBackpropInput);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as Shape4,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  checkDy(dy, info.outShape, tf.DepthwiseConv2dNativeBackpropInput);
  const { batchSize, inChannels, inHeight, inWidth, outChannels } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth, dilationHeight, dilationWidth } = info;
  const mult = outChannels / inChannels;

  const stuffed = scope.stuff(dy, strideHeight, strideWidth);
  const effH = info.effectiveFilterHeight;
  const effW = info.effectiveFilterWidth;
  const dyWin = scope.window(
    stuffed,
    info.padInfo.top - (effH - 1),
    inHeight + effH - 1,
    info.padInfo.left - (effW - 1),
    inWidth + effW - 1,
  );
  const flipped = scope.run('Reverse', { x: filter }, { dims: [0, 1] });
  const perChannelFilter = scope.reshape(flipped, [filterHeight, filterWidth, outChannels, 1]);
  const perChannel = scope.run(
    'DepthwiseConv2dNative',
    { x: dyWin, filter: perChannelFilter },
    { strides: [1, 1], pad: 'valid', dilations: [dilationHeight, dilationWidth] },
  );
  if (mult === 1) {
    return perChannel;
  }
  const split = scope.reshape(perChannel, [batchSize, inHeight, inWidth, inChannels, mult]);
  return scope.run('Sum', { x: split }, { axis: [4], keepDims: false });
});

/**
 * The gradient of tf.gather. With ids of shape [K, ...J] and x of shape [K, ...J, ...R], the cpu
 * kernel sums over the first axis only: out[s, j, r] = sum_k [ids[k, j] = s] * x[k, j, r]. For each
 * j that is oneHot(ids[:, j])^T @ x[:, j, :], one batched matmul. Ids outside [0, numSegments) get an
 * all-zero one-hot row and so drop out, as they do on cpu.
 */
const unsortedSegmentSum = composite((scope, inputs, rawAttrs) => {
  const { numSegments } = rawAttrs as unknown as UnsortedSegmentSumAttrs;
  const x = need(inputs, 'x', tf.UnsortedSegmentSum);
  const segmentIds = need(inputs, 'segmentIds', tf.UnsortedSegmentSum);
  const count = segmentIds.shape[0] ?? 1;
  const inner = tf.util.sizeFromShape(segmentIds.shape.slice(1));
  const rowSize = tf.util.sizeFromShape(x.shape.slice(segmentIds.shape.length));
  // The cpu kernel multiplies by a float32 mask, so its result is float32 whatever x's dtype.
  const xf = x.dtype === 'float32' ? x : scope.run('Cast', { x }, { dtype: 'float32' });
  const ids = scope.reshape(segmentIds, [count, inner]);
  // The wasm OneHot kernel ignores its dtype attribute and always writes int32 bit patterns.
  const oneHotInt = scope.run(
    'OneHot',
    { indices: ids },
    { depth: numSegments, onValue: 1, offValue: 0, dtype: 'int32' },
  );
  const oneHot = scope.run('Cast', { x: oneHotInt }, { dtype: 'float32' });
  // Explicit transposes rather than BatchMatMul's transpose flags: it only takes its XNNPACK path
  // for a single batch with neither operand transposed, and otherwise runs a scalar loop nest.
  const selector = scope.transpose(oneHot, [1, 2, 0]);
  const rows = scope.transpose(scope.reshape(xf, [count, inner, rowSize]), [1, 0, 2]);
  const summed = scope.run('BatchMatMul', { a: selector, b: rows }, { transposeA: false, transposeB: false });
  return scope.reshape(scope.transpose(summed, [1, 0, 2]), [numSegments, ...x.shape.slice(1)]);
});

/**
 * Sum over the leading axes (a bias gradient: a conv layer's dy summed over batch, rows and columns) as
 * one pass over the tensor in the wasm heap, adding each row into the output (SIMD, csKernels.wat's
 * columnSums; a JavaScript loop before it took 5 ns an element). The wasm Sum only reduces innermost
 * axes, so it first transposes the whole tensor, which made Conv-2's bias gradients 7% of its step; a
 * product with a row of ones was no better, as XNNPACK then packs the tensor as weights. Other
 * reductions go to the original kernel.
 */
function leadingAxesInPlace(original: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = need(inputs, 'x', tf.Sum);
    const rank = x.shape.length;
    const axes = tf.util
      .parseAxisParam((attrs?.axis ?? []) as number | number[], x.shape)
      .sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((axis, i) => axis === i);
    if (!leading || x.dtype !== 'float32') return original({ inputs, backend, attrs });
    const keptShape = x.shape.slice(axes.length);
    const shape = attrs?.keepDims === true ? [...axes.map(() => 1), ...keptShape] : keptShape;
    const wasm = backend as BackendWasm;
    const out = wasm.makeOutput(shape, 'float32');
    const inner = keptShape.reduce((a, b) => a * b, 1);
    columnSumsInto(wasm, x, out, inner === 0 ? 0 : tf.util.sizeFromShape(x.shape) / inner, inner);
    return out;
  };
}

/**
 * MaxPoolGrad as one pass in the wasm heap: each window's first largest input (row-major, as the cpu
 * kernel picks it) receives that window's dy. The wasm kernel took 7% of a Conv-2 step; this loop a
 * tenth of that, and csKernels.wat's SIMD version (channel counts that are multiples of 4) less.
 * NHWC only, as the wasm kernel.
 */
const maxPoolGradInPlace: KernelFunc = ({ inputs, backend, attrs }) => {
  const dy = need(inputs, 'dy', tf.MaxPoolGrad);
  const x = need(inputs, 'input', tf.MaxPoolGrad);
  const a = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as Shape4,
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  checkDy(dy, info.outShape, tf.MaxPoolGrad);
  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput(x.shape, 'float32');
  if (info.inChannels % 4 === 0) {
    // Four channels at a time in SIMD, the same picks and additions as the loop below.
    maxPoolGradInto(wasm, x, dy, out, info);
    return out;
  }
  // Views taken after the allocation: growing the heap replaces its buffer.
  const xs = wasm.typedArrayFromHeap(x) as Float32Array;
  const dys = wasm.typedArrayFromHeap(dy) as Float32Array;
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const r0 = yR * info.strideHeight - info.padInfo.top;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(inHeight, r0 + info.filterHeight);
      for (let yC = 0; yC < outWidth; yC++) {
        const c0 = yC * info.strideWidth - info.padInfo.left;
        const cMin = Math.max(0, c0);
        const cMax = Math.min(inWidth, c0 + info.filterWidth);
        best.fill(-Infinity);
        at.fill(-1);
        for (let r = rMin; r < rMax; r++) {
          for (let col = cMin; col < cMax; col++) {
            const base = ((b * inHeight + r) * inWidth + col) * c;
            for (let d = 0; d < c; d++) {
              // Strictly greater: the first of equal values wins, as in tfjs-backend-cpu.
              if (xs[base + d] > best[d]) {
                best[d] = xs[base + d];
                at[d] = base + d;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + yR) * outWidth + yC) * c;
        for (let d = 0; d < c; d++) if (at[d] >= 0) dx[at[d]] += dys[dyBase + d];
      }
    }
  }
  return out;
};

/**
 * Identity as tfjs-backend-cpu has it: the output shares the input's data (its reference count goes
 * up) instead of copying it. tfjs clones every tensor it saves for a gradient (both inputs of each
 * Multiply and MatMul on the tape, a custom op's saved tensors), and wasm's kernel copied each one: 39
 * copies in a LeNet-300-100 CS step. Sharing is safe because kernels write into outputs they
 * allocate; the one that may write over its inputs (the CS masked step) does so only where an
 * input's data has a reference count of 1. The wasm backend shares data the same way for Reshape.
 */
function sharingIdentity(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = need(args.inputs, 'x', tf.Identity);
    // String tensors do not live in the heap; the original handles them.
    if (x.dtype === 'string') return original(args);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

/**
 * Transposes of 4-byte elements whose simplified permutation transposeInto handles (a matrix, a batch
 * of them, strided ones, or whole rows moved) run there; others in the original kernel. wasm's own
 * took 9 ns an element on large matrices: 36 ms for Conv-2's 16384 x 256 weights, which every step's
 * gradients transpose (wasmMatMul.ts), 93 ms for the image transpose of its filter gradient.
 */
function fasterTranspose(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = need(args.inputs, 'x', tf.Transpose);
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return original(args);
    const perm = (args.attrs?.perm ?? []) as number[];
    const simple = simplifyPermutation(x.shape, perm);
    const wasm = args.backend as BackendWasm;
    const out = wasm.makeOutput(
      perm.map((axis) => x.shape[axis]),
      x.dtype,
    );
    if (transposeInto(wasm, x, out, simple.shape, simple.perm)) return out;
    wasm.disposeData(out.dataId);
    return original(args);
  };
}

type Wrap = (original: KernelFunc) => KernelFunc;

/** Kernels tfjs-backend-wasm has, wrapped to take a faster route where one exists. */
const WRAPPED_KERNELS: ReadonlyArray<readonly [string, Wrap]> = [
  [tf.BatchMatMul, (original) => fasterMatMul(tf.BatchMatMul, original)],
  [tf._FusedMatMul, (original) => fasterMatMul(tf._FusedMatMul, original)],
  [tf.Conv2D, fasterConv2D],
  [tf.Sum, leadingAxesInPlace],
  [tf.Identity, sharingIdentity],
  [tf.Transpose, fasterTranspose],
];

/** The wrappers registered so far, so registering again does not wrap a wrapper. */
const wrappers = new WeakSet<KernelFunc>();

/** Kernels tfjs-backend-wasm lacks. */
const MISSING_KERNELS: ReadonlyArray<readonly [string, KernelFunc]> = [
  [tf.Conv2DBackpropFilter, conv2DBackpropFilter],
  [tf.DepthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropFilter],
  [tf.DepthwiseConv2dNativeBackpropInput, depthwiseConv2dNativeBackpropInput],
  [tf.UnsortedSegmentSum, unsortedSegmentSum],
];

/** Kernels tfjs-backend-wasm has, but too slowly for training. */
const FASTER_KERNELS: ReadonlyArray<readonly [string, KernelFunc]> = [
  [tf.Conv2DBackpropInput, conv2DBackpropInput],
  [tf.MaxPoolGrad, maxPoolGradInPlace],
];

/** Names of the kernels registerWasmGradKernels adds to the wasm backend. */
export const WASM_ADDED_KERNEL_NAMES: readonly string[] = MISSING_KERNELS.map(([name]) => name);

/** Names of the wasm kernels registerWasmGradKernels replaces with faster compositions or wraps. */
export const WASM_REPLACED_KERNEL_NAMES: readonly string[] = [...FASTER_KERNELS, ...WRAPPED_KERNELS].map(
  ([name]) => name,
);

/**
 * Registers the missing gradient kernels for the 'wasm' backend and replaces the slow ones. Safe to
 * call repeatedly. A missing kernel that has meanwhile been registered by someone else (a future
 * tfjs-backend-wasm, say) is left alone.
 */
export function registerWasmGradKernels(): void {
  for (const [kernelName, kernelFunc] of MISSING_KERNELS) {
    if (tf.getKernel(kernelName, BACKEND) === undefined) {
      tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc });
    }
  }
  for (const [kernelName, kernelFunc] of FASTER_KERNELS) replaceKernel(BACKEND, kernelName, kernelFunc);
  for (const [kernelName, wrap] of WRAPPED_KERNELS) {
    const current = tf.getKernel(kernelName, BACKEND);
    if (current === undefined || wrappers.has(current.kernelFunc)) {
      continue;
    }
    const kernelFunc = wrap(current.kernelFunc);
    wrappers.add(kernelFunc);
    tf.unregisterKernel(kernelName, BACKEND);
    // The setup function stays: it binds the wasm function the original kernel calls.
    tf.registerKernel({ ...current, kernelFunc });
  }
}
