// Convolutions on tfjs-backend-wasm through csKernels.wat's conv2d, a loop of ours with fused
// multiply-adds, where it beats XNNPACK's: the forward Conv2D, and the input gradient of a stride-1
// convolution, which is itself a convolution of dy with the flipped filter. On Conv-2's 64 -> 64 layer
// at batch 128 (one thread, 2-core Xeon) the forward pass took 210 ms against XNNPACK's 289.
//
// With a pool of threads the images are split between this thread and helpers of ours
// (simd/kernelThreads.ts); our loop runs only where it has as many threads as XNNPACK would.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DAttrs, KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { inKernelScope, type KernelScope, need } from './kernelScope';
import {
  CONV_OUT_CHANNELS,
  conv2dInto,
  fusedKernelsOnEveryThread,
  type WindowInfo,
} from './simd/wasmSimdKernels';

/**
 * Input channels below which the loop is no faster than XNNPACK's: with few, the per-tap setup (the
 * tile's window columns, the filter offset) weighs on a short reduction. Conv-2's 3 -> 64 layer at batch
 * 128 took the same 35 ms in both.
 */
const MIN_IN_CHANNELS = 8;

/**
 * Whether our loop should run a convolution of `inChannels` -> `outChannels`: a multiple of 16
 * output channels, enough input channels, as many threads of ours as the backend's pool has, and the
 * fused build (without FMA the loop took 318 ms there, slower than XNNPACK).
 */
export function ownConvolutionFits(wasm: BackendWasm, inChannels: number, outChannels: number): boolean {
  return (
    outChannels % CONV_OUT_CHANNELS === 0 && inChannels >= MIN_IN_CHANNELS && fusedKernelsOnEveryThread(wasm)
  );
}

/** A filter [fh, fw, ci, co] as csKernels.wat's conv2d reads it: [co / 16, fh, fw, ci, 16]. */
function packFilter(scope: KernelScope, filter: TensorInfo): TensorInfo {
  const [fh, fw, ci, co] = filter.shape;
  const blocks = scope.reshape(filter, [fh * fw * ci, co / CONV_OUT_CHANNELS, CONV_OUT_CHANNELS]);
  return scope.transpose(blocks, [1, 0, 2]);
}

/** y = conv(x, filter) over `info` into a new [batch, outH, outW, co] tensor in the scope. */
function convolve(scope: KernelScope, x: TensorInfo, packed: TensorInfo, co: number, info: WindowInfo) {
  const zero = scope.zeros([x.shape[3]]);
  const shape = [info.batchSize, info.outHeight, info.outWidth, co];
  return scope.fill(shape, (wasm, y) => conv2dInto(wasm, x, packed, y, zero, info));
}

/** Conv2D: our loop for NHWC float32 with dilation 1 where ownConvolutionFits, XNNPACK otherwise. */
export function fasterConv2D(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = need(args.inputs, 'x', tf.Conv2D);
    const filter = need(args.inputs, 'filter', tf.Conv2D);
    const attrs = args.attrs as unknown as Conv2DAttrs;
    const dilations = attrs.dilations ?? 1;
    const dilated = Array.isArray(dilations) ? dilations.some((d) => d !== 1) : dilations !== 1;
    const [, , ci, co] = filter.shape;
    if (
      x.dtype !== 'float32' ||
      filter.dtype !== 'float32' ||
      (attrs.dataFormat ?? 'NHWC') !== 'NHWC' ||
      dilated ||
      x.shape[3] !== ci ||
      !ownConvolutionFits(args.backend as BackendWasm, ci, co)
    ) {
      return original(args);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    return inKernelScope(args.backend as KernelBackend, (scope) =>
      convolve(scope, x, packFilter(scope, filter), co, info),
    );
  };
}

/**
 * The input gradient of a stride-1 NHWC convolution as our loop runs it, or undefined where it does
 * not fit (the caller takes another route). dx[b, iy, ix, c] = sum over kh, kw, o of
 * dy[b, iy + kh' - pt', ix + kw' - pl', o] * w[fh-1-kh', fw-1-kw', c, o], with pt' = fh-1-pt and
 * pl' = fw-1-pl: a convolution of dy with the flipped filter, its channel axes swapped, padded so
 * that its output is x's size. Reads outside dy are zero in the loop, so no padded copy of dy is made.
 */
export function conv2DBackpropInputOwn(
  scope: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo | undefined {
  const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co } = info;
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || info.dataFormat !== 'channelsLast')
    return undefined;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  if (!ownConvolutionFits(scope.wasm, co, ci)) return undefined;
  const flipped = scope.run('Reverse', { x: filter }, { dims: [0, 1] });
  const swapped = scope.transpose(flipped, [0, 1, 3, 2]);
  const backward: WindowInfo = {
    batchSize: info.batchSize,
    inHeight: info.outHeight,
    inWidth: info.outWidth,
    inChannels: co,
    outHeight: info.inHeight,
    outWidth: info.inWidth,
    filterHeight: fh,
    filterWidth: fw,
    strideHeight: 1,
    strideWidth: 1,
    padInfo: { top: fh - 1 - info.padInfo.top, left: fw - 1 - info.padInfo.left },
  };
  return convolve(scope, dy, packFilter(scope, swapped), ci, backward);
}
