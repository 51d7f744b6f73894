// The engine's own kernels on tfjs-backend-wasm, as SIMD loops in a small WebAssembly module of ours
// (csKernels.wat) that imports the backend's memory and works on tensors where they lie. On
// LeNet-300-100 the stock-kernel compositions they replace made a CS step about 1.3x a dense one:
// each composed kernel is another pass over the 266k weights, another tensor, and tfjs bookkeeping
// that costs more than the arithmetic (engine/bench/PROFILE.md).
import { getThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import {
  CS_COUNT_LOGITS,
  CS_MASK_FORWARD,
  CS_MASK_GRAD,
  CS_MASKED_STEP,
  NESTEROV_STEP,
  RELU_GRAD,
  type MaskForwardAttrs,
  type MaskGradAttrs,
  type MaskedStepAttrs,
  type NesterovStepAttrs,
} from '../../cs/csKernelNames';
import { registerReluGradient } from '../reluGradient';
import { replaceKernel } from '../replaceKernel';
import { mayHoldPackedCopy, ownProductTakesAll, recordTransposed } from '../wasmMatMul';
import {
  CS_KERNELS_WASM_PLAIN,
  CS_KERNELS_WASM_PLAIN_FMA,
  CS_KERNELS_WASM_SHARED,
  CS_KERNELS_WASM_SHARED_FMA,
} from './csKernelsWasm';
import { KernelThreads, splitRange, type KernelCall as AnyKernelCall } from './kernelThreads';
import { compileFusedOrPlain, fusedMultiplyAddAllowed, kernelsUseFusedMultiplyAdd } from './relaxedSimd';

const BACKEND = 'wasm';

/** csKernels.wat's exports: byte offsets into the heap, element counts, float attributes. */
interface CsKernelExports {
  countLogits(s: number, n: number, edges: number, nEdges: number, counts: number): void;
  conv2d(x: number, w: number, y: number, co: number, zero: number, ...window: WindowGeometry): void;
  packColumns8(b: number, out: number, k: number, n: number): void;
  gemm(
    ...args: [
      ...[a: number, lda: number, b: number, bStride: number, c: number, ldc: number],
      ...[m: number, n: number, k: number, kChunk: number, nChunk: number],
    ]
  ): void;
  convFilterGrad(
    x: number,
    dy: number,
    dw: number,
    co: number,
    chunkRows: number,
    ...window: WindowGeometry
  ): void;
  maskForward(
    s: number,
    w: number,
    mc: number,
    y: number,
    sum: number,
    n: number,
    t: number,
    scale: number,
  ): void;
  maskGrad(
    dy: number,
    w: number,
    mc: number,
    dw: number,
    ds: number,
    n: number,
    t: number,
    invScale: number,
    lambda: number,
  ): void;
  maskedStep(
    ...args: [
      ...[dy: number, w: number, mc: number, s: number, wBuf: number, sBuf: number],
      ...[wOut: number, wBufOut: number, sOut: number, sBufOut: number, n: number],
      ...[t: number, invScale: number, lambda: number],
      ...[wLr: number, wMomentum: number, wDecay: number, sLr: number, sMomentum: number, sDecay: number],
    ]
  ): void;
  reluGrad(x: number, dy: number, dx: number, n: number): void;
  nesterovStep(
    p: number,
    grad: number,
    buf: number,
    pOut: number,
    bufOut: number,
    n: number,
    lr: number,
    momentum: number,
    weightDecay: number,
  ): void;
  transpose2d(x: number, out: number, rows: number, cols: number, xStride: number, outStride: number): void;
  moveRows(x: number, out: number, a: number, b: number, rowBytes: number): void;
  columnSums(x: number, out: number, acc: number, rows: number, cols: number): void;
  maxPoolGrad(x: number, dy: number, dx: number, ...window: WindowGeometry): void;
}

/** A call of one of our exports, by name, for kernelThreads.ts to run here or on a helper. */
type KernelCall = AnyKernelCall & { name: keyof CsKernelExports };

/** How a sliding window (a pooling's or a convolution's) meets an NHWC input, as csKernels.wat takes it. */
type WindowGeometry = [
  ...[batch: number, inH: number, inW: number, inChannels: number, outH: number, outW: number],
  ...[windowH: number, windowW: number, strideH: number, strideW: number, padTop: number, padLeft: number],
];

/** The parts of tfjs's convolution geometry the window kernels read. */
export type WindowInfo = Pick<
  tf.backend_util.Conv2DInfo,
  | 'batchSize'
  | 'inHeight'
  | 'inWidth'
  | 'inChannels'
  | 'outHeight'
  | 'outWidth'
  | 'filterHeight'
  | 'filterWidth'
  | 'strideHeight'
  | 'strideWidth'
> & { padInfo: { top: number; left: number } };

/** `inChannels` differs from the layer's own where a kernel takes channels padded to a multiple. */
function windowGeometry(info: WindowInfo, inChannels = info.inChannels): WindowGeometry {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

/** The parts of the backend's Emscripten module that hold its memory, which neither build types. */
interface EmscriptenMemoryHolders {
  asm?: { memory?: unknown };
  wasmMemory?: unknown;
}

/**
 * The single-threaded build exports its memory; the threaded one creates a shared memory in
 * JavaScript and keeps it on the module.
 */
function backendMemory(backend: BackendWasm): WebAssembly.Memory {
  const module = backend.wasm as unknown as EmscriptenMemoryHolders;
  const memory = module.asm?.memory ?? module.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error('tfjs-backend-wasm exposes no WebAssembly.Memory for the CS kernels to share');
  }
  return memory;
}

/**
 * One instance per backend memory (a backend re-created with another thread count has a new one), made
 * again if the build it may use changed (relaxedSimd.ts allowFusedMultiplyAdd).
 */
interface KernelInstance {
  kernels: CsKernelExports;
  fusedAllowed: boolean;
  fused: boolean;
  /** Helper threads on the threaded backend's shared memory; undefined on one thread. */
  threads: KernelThreads | undefined;
}

const instances = new WeakMap<WebAssembly.Memory, KernelInstance>();

/** The helper threads last started: stopped when another memory or build replaces them. */
let liveThreads: KernelThreads | undefined;

function instanceFor(backend: BackendWasm): KernelInstance {
  const memory = backendMemory(backend);
  const cached = instances.get(memory);
  if (cached?.fusedAllowed === fusedMultiplyAddAllowed()) return cached;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = (base64: string) => Buffer.from(base64, 'base64');
  const module = compileFusedOrPlain(
    bytes(shared ? CS_KERNELS_WASM_SHARED_FMA : CS_KERNELS_WASM_PLAIN_FMA),
    bytes(shared ? CS_KERNELS_WASM_SHARED : CS_KERNELS_WASM_PLAIN),
  );
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const fused = kernelsUseFusedMultiplyAdd() === true;
  liveThreads?.terminate();
  const helpers = shared ? getThreadsCount() - 1 : 0;
  liveThreads = helpers > 0 ? new KernelThreads(memory, module, helpers) : undefined;
  const made: KernelInstance = {
    kernels: instance.exports as unknown as CsKernelExports,
    fusedAllowed: fusedMultiplyAddAllowed(),
    fused,
    threads: liveThreads,
  };
  instances.set(memory, made);
  return made;
}

/**
 * Below this many elements a kernel runs on the calling thread alone. A round trip to a helper takes
 * about 10 us, but XNNPACK's pool threads spin for a while after each of its operations, and a helper
 * woken meanwhile shares a core with one: within a LeNet-300-100 training step at two threads (2-core
 * machine), the 784 x 300 layer's mask forward and masked step took 0.46 and 0.42 ms split in two,
 * against 0.45 and 0.24 alone (0.33 -> 0.19 ms split, outside a step). Conv-2's 16384 x 256 layer
 * (4.2M weights) gains: its mask forward 19 -> 9.5 ms.
 */
const MIN_SPLIT_ELEMENTS = 1 << 20;

/**
 * Runs `calls` (each the same kernel on its own part) on the helper threads and this one, or one after
 * another here where there are no helpers.
 */
function runParts(backend: BackendWasm, calls: KernelCall[]): void {
  const { kernels, threads } = instanceFor(backend);
  const here = (call: AnyKernelCall) =>
    (kernels as unknown as Record<string, (...args: number[]) => void>)[call.name](...call.args);
  if (threads !== undefined && calls.length > 1) threads.run(calls, here);
  else calls.forEach(here);
}

/** How many parts to split `elements` of work into: one per thread, or one when it is small. */
function partsFor(backend: BackendWasm, elements: number): number {
  const threads = instanceFor(backend).threads;
  return threads === undefined || elements < MIN_SPLIT_ELEMENTS ? 1 : threads.count;
}

function kernelsFor(backend: BackendWasm): CsKernelExports {
  return instanceFor(backend).kernels;
}

/**
 * Transposes x (4-byte elements) into out (allocated) when its permutation, simplified (axes merged
 * where they stay together, size-1 axes dropped), is one of those below; returns false otherwise.
 *   [1, 0]    on [R, C]:    a matrix (csKernels.wat's transpose2d)
 *   [0, 2, 1] on [A, R, C]: A matrices one after another
 *   [2, 1, 0] on [A, B, C]: B strided matrices [A, C], one per middle index
 *   [1, 0, 2] on [A, B, C]: rows of C elements moved whole (memory.copy)
 */
export function transposeInto(
  wasm: BackendWasm,
  x: TensorInfo,
  out: TensorInfo,
  shape: number[],
  perm: number[],
): boolean {
  const key = perm.join(',');
  const xAt = wasm.getMemoryOffset(x.dataId);
  const outAt = wasm.getMemoryOffset(out.dataId);
  if (key === '1,0') {
    const [r, c] = shape;
    kernelsFor(wasm).transpose2d(xAt, outAt, r, c, c, r);
    return true;
  }
  if (key === '0,2,1') {
    const [a, r, c] = shape;
    const t = kernelsFor(wasm);
    for (let i = 0; i < a; i++) t.transpose2d(xAt + i * r * c * 4, outAt + i * r * c * 4, r, c, c, r);
    return true;
  }
  if (key === '2,1,0') {
    const [a, b, c] = shape;
    const t = kernelsFor(wasm);
    for (let j = 0; j < b; j++) t.transpose2d(xAt + j * c * 4, outAt + j * a * 4, a, c, b * c, b * a);
    return true;
  }
  if (key === '1,0,2') {
    const [a, b, c] = shape;
    kernelsFor(wasm).moveRows(xAt, outAt, a, b, c * 4);
    return true;
  }
  return false;
}

/**
 * out[c] = sum over r of x[r, c], x float32 [rows, cols] and out [cols] allocated: csKernels.wat's
 * columnSums, in float64 as tfjs-backend-cpu's Sum adds.
 */
export function columnSumsInto(
  wasm: BackendWasm,
  x: TensorInfo,
  out: TensorInfo,
  rows: number,
  cols: number,
): void {
  // Scratch for the float64 sums, as float32 pairs.
  const acc = wasm.makeOutput([2 * cols], 'float32');
  try {
    const at = (t: TensorInfo) => wasm.getMemoryOffset(t.dataId);
    kernelsFor(wasm).columnSums(at(x), at(out), at(acc), rows, cols);
  } finally {
    wasm.disposeData(acc.dataId);
  }
}

/**
 * Max pooling's gradient into dx (allocated, x's shape) for NHWC x with a channel count that is a
 * multiple of 4: csKernels.wat's maxPoolGrad. `info` is tfjs's pooling geometry.
 */
export function maxPoolGradInto(
  wasm: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  dx: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): void {
  const at = (t: TensorInfo) => wasm.getMemoryOffset(t.dataId);
  kernelsFor(wasm).maxPoolGrad(at(x), at(dy), at(dx), ...windowGeometry(info));
}

/**
 * The images of a window kernel's batch split between the threads of ours (images are independent):
 * per part its image count and the byte offsets of its first image in an input of `ci` channels and
 * an output of `co`. One part where the work (`elements` of the output) is small.
 */
function imageParts(
  wasm: BackendWasm,
  info: WindowInfo,
  ci: number,
  co: number,
  elements: number,
): { images: number; inAt: number; outAt: number }[] {
  const parts = Math.min(info.batchSize, partsFor(wasm, elements));
  return splitRange(info.batchSize, parts, 1).map(([b0, b1]) => ({
    images: b1 - b0,
    inAt: b0 * info.inHeight * info.inWidth * ci * 4,
    outAt: b0 * info.outHeight * info.outWidth * co * 4,
  }));
}

/** csKernels.wat's convFilterGrad takes input channels four at a time and output channels eight. */
export const FILTER_GRAD_CHANNELS = { in: 4, out: 8 } as const;

/**
 * About this many output pixels per chunk: measured on Conv-2's 64->64 layer (32 x 32 images), one or
 * two rows (32-64 pixels) ran at 45 GFLOP/s, 8 rows at 40 and whole images at 36, as x and dy fell out
 * of L1.
 */
const FILTER_GRAD_CHUNK_PIXELS = 64;

/**
 * A Conv2D's filter gradient into dw (allocated, [fh, fw, ci, co]) from NHWC x and dy whose channel
 * counts are multiples of FILTER_GRAD_CHANNELS: csKernels.wat's convFilterGrad. `info` is tfjs's
 * convolution geometry (dilation 1).
 */
export function convFilterGradInto(
  wasm: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  dw: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): void {
  const ci = x.shape[3];
  const co = dy.shape[3];
  if (ci % FILTER_GRAD_CHANNELS.in !== 0 || co % FILTER_GRAD_CHANNELS.out !== 0) {
    throw new Error(`convFilterGrad: channels ${ci} -> ${co} are not multiples of 4 -> 8`);
  }
  const at = (t: TensorInfo) => wasm.getMemoryOffset(t.dataId);
  const chunkRows = Math.max(1, Math.round(FILTER_GRAD_CHUNK_PIXELS / Math.max(1, info.outWidth)));
  const geometry = windowGeometry(info, ci);
  const parts = imageParts(wasm, info, ci, co, tf.util.sizeFromShape(dy.shape));
  if (parts.length === 1) {
    kernelsFor(wasm).convFilterGrad(at(x), at(dy), at(dw), co, chunkRows, ...geometry);
    return;
  }
  // dw sums over the images: each thread sums its images into a dw of its own, added up here after.
  const partial = parts.slice(1).map(() => wasm.makeOutput(dw.shape, 'float32'));
  try {
    runParts(
      wasm,
      parts.map(({ images, inAt, outAt }, i) => ({
        name: 'convFilterGrad',
        args: [
          at(x) + inAt,
          at(dy) + outAt,
          at(i ? partial[i - 1] : dw),
          co,
          chunkRows,
          images,
          ...geometry.slice(1),
        ],
      })),
    );
    // Views taken after the allocations: growing the heap replaces its buffer.
    const total = wasm.typedArrayFromHeap(dw) as Float32Array;
    for (const p of partial) {
      const part = wasm.typedArrayFromHeap(p) as Float32Array;
      for (let j = 0; j < total.length; j++) total[j] += part[j];
    }
  } finally {
    for (const p of partial) wasm.disposeData(p.dataId);
  }
}

/** csKernels.wat's conv2d takes output channels sixteen at a time. */
export const CONV_OUT_CHANNELS = 16;

/**
 * A Conv2D into y (allocated, NHWC [batch, outH, outW, co]) from NHWC x and a filter packed as
 * [co / 16, fh, fw, ci, 16] (co a multiple of CONV_OUT_CHANNELS): csKernels.wat's conv2d. `info` is
 * the convolution's geometry (dilation 1; any padding, the bottom and right implied by the output
 * size); `zero` holds at least ci zeros.
 */
export function conv2dInto(
  wasm: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  y: TensorInfo,
  zero: TensorInfo,
  info: WindowInfo,
): void {
  const ci = x.shape[3];
  const co = y.shape[3];
  if (co % CONV_OUT_CHANNELS !== 0)
    throw new Error(`conv2d: ${co} output channels, not a multiple of ${CONV_OUT_CHANNELS}`);
  if (tf.util.sizeFromShape(zero.shape) < ci) throw new Error(`conv2d: fewer than ${ci} zeros`);
  const at = (t: TensorInfo) => wasm.getMemoryOffset(t.dataId);
  const geometry = windowGeometry(info, ci);
  runParts(
    wasm,
    imageParts(wasm, info, ci, co, tf.util.sizeFromShape(y.shape)).map(({ images, inAt, outAt }) => ({
      name: 'conv2d',
      args: [at(x) + inAt, at(filter), at(y) + outAt, co, at(zero), images, ...geometry.slice(1)],
    })),
  );
}

/** csKernels.wat's gemm takes the columns of the product eight at a time. */
export const GEMM_COLUMNS = 8;

/**
 * Terms of the reduction per pass of gemm: a [4, 1024] strip of a and a [1024, 256] chunk of b (1 MB)
 * stay in L2, so each is read from memory once.
 */
const GEMM_K_CHUNK = 1024;
/** The part of b a pass reads, 1 MB (of a 2 MB L2). */
const GEMM_B_CHUNK_FLOATS = 1 << 18;

/** b [k, n] packed for gemmInto as [n / 8, k, 8] into out (allocated): csKernels.wat's packColumns8. */
export function packColumnsInto(
  wasm: BackendWasm,
  b: TensorInfo,
  out: TensorInfo,
  k: number,
  n: number,
): void {
  if (n % GEMM_COLUMNS !== 0)
    throw new Error(`packColumns8: ${n} columns, not a multiple of ${GEMM_COLUMNS}`);
  kernelsFor(wasm).packColumns8(wasm.getMemoryOffset(b.dataId), wasm.getMemoryOffset(out.dataId), k, n);
}

/**
 * c [m, n] (allocated) = a [m, k] (row-major) times b packed as [n / 8, k, 8] (n a multiple of
 * GEMM_COLUMNS): csKernels.wat's gemm, its rows split between the threads of ours.
 */
export function gemmInto(
  wasm: BackendWasm,
  a: TensorInfo,
  packedB: TensorInfo,
  c: TensorInfo,
  m: number,
  n: number,
  k: number,
): void {
  if (n % GEMM_COLUMNS !== 0) throw new Error(`gemm: ${n} columns, not a multiple of ${GEMM_COLUMNS}`);
  const at = (t: TensorInfo) => wasm.getMemoryOffset(t.dataId);
  // Columns per pass: a chunk of b of GEMM_B_CHUNK_FLOATS.
  const nChunk = Math.max(
    GEMM_COLUMNS,
    Math.floor(GEMM_B_CHUNK_FLOATS / Math.min(k, GEMM_K_CHUNK) / GEMM_COLUMNS) * GEMM_COLUMNS,
  );
  // A multiply-add costs about a thirty-second of an element-wise kernel's element.
  const parts = Math.min(Math.ceil(m / 4), partsFor(wasm, (m * n * k) / 32));
  runParts(
    wasm,
    splitRange(m, parts, 4).map(([r0, r1]) => ({
      name: 'gemm',
      args: [
        at(a) + r0 * k * 4,
        k * 4,
        at(packedB),
        k * GEMM_COLUMNS * 4,
        at(c) + r0 * n * 4,
        n * 4,
        r1 - r0,
        n,
        k,
        GEMM_K_CHUNK,
        nChunk,
      ],
    })),
  );
}

/** The helper threads of ours for `backend`: undefined on a single-threaded one. */
export function kernelThreadsFor(backend: BackendWasm): KernelThreads | undefined {
  return instanceFor(backend).threads;
}

/**
 * Whether our loops with fused multiply-adds can stand in for XNNPACK's on `backend`: the fused build
 * runs (without FMA they lose) and on as many threads as XNNPACK's pool has.
 */
export function fusedKernelsOnEveryThread(backend: BackendWasm): boolean {
  const { fused, threads } = instanceFor(backend);
  return fused && (threads?.count ?? 1) === getThreadsCount();
}

/** The float32 input `name`, checked to have `size` elements (every input of these kernels does). */
function input(inputs: NamedTensorInfoMap, name: string, kernel: string, size?: number): TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`${kernel}: missing input '${name}'`);
  if (t.dtype !== 'float32') throw new Error(`${kernel}: input '${name}' is ${t.dtype}, not float32`);
  if (size !== undefined && tf.util.sizeFromShape(t.shape) !== size) {
    throw new Error(`${kernel}: input '${name}' has shape [${t.shape.join(', ')}], unlike the others`);
  }
  return t;
}

/**
 * Calls `run` with the heap offsets of `inputs` and `outputs` (in that order) and their element count.
 * csKernels.wat works in groups of four and needs at least one: tensors of 1-3 elements go through
 * zero-padded copies of four.
 */
function runOnHeap(
  wasm: BackendWasm,
  inputs: TensorInfo[],
  outputs: TensorInfo[],
  run: (offsets: number[], n: number) => void,
): void {
  const size = tf.util.sizeFromShape(outputs[0].shape);
  const at = (t: TensorInfo) => wasm.getMemoryOffset(t.dataId);
  if (size === 0) return;
  if (size >= 4) {
    run([...inputs, ...outputs].map(at), size);
    return;
  }
  const padded = [...inputs, ...outputs].map(() => wasm.makeOutput([4], 'float32'));
  try {
    // Views taken after the allocations: growing the heap replaces its buffer.
    const view = (t: TensorInfo) => wasm.typedArrayFromHeap(t) as Float32Array;
    inputs.forEach((t, i) => view(padded[i]).set(view(t)));
    run(padded.map(at), 4);
    outputs.forEach((t, i) => view(t).set(view(padded[inputs.length + i]).subarray(0, size)));
  } finally {
    for (const t of padded) wasm.disposeData(t.dataId);
  }
}

/**
 * mc = scale * sigmoid(T*s), W * mc and sum(mc) in one pass of ours (csKernels.wat maskForward, with
 * a sigmoid faster than XNNPACK's: on LeNet-300-100's first kernel 0.20 ms against 0.42 for T*s,
 * XNNPACK's Sigmoid and a third pass). A matrix (a dense layer's kernel) also gets (W * mc)^T as a
 * fourth output, recorded for the matmul (wasmMatMul.ts): a layer's forward product reads W * mc
 * transposed. The transpose is a pass of its own, right after, while W * mc is still in cache (in a
 * LeNet step about 0.21 + 0.14 ms, against 0.55 for the one pass that wrote both, whose tiles of
 * four rows left V8 too few registers). Not where our own product will take every product with this
 * matrix: it reads W * mc itself.
 */
const maskForward: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const s = input(inputs, 's', CS_MASK_FORWARD);
  const size = tf.util.sizeFromShape(s.shape);
  const w = input(inputs, 'w', CS_MASK_FORWARD, size);
  const { temperature, scale } = attrs as unknown as MaskForwardAttrs;
  const mc = wasm.makeOutput(s.shape, 'float32');
  const y = wasm.makeOutput(w.shape, 'float32');
  const sum = wasm.makeOutput([], 'float32');
  const at = (t: TensorInfo) => wasm.getMemoryOffset(t.dataId);
  const [rows, cols] = s.shape;
  const transposed = s.shape.length === 2 && size > 0 && !ownProductTakesAll(wasm, rows, cols);
  const parts = partsFor(wasm, size);
  if (parts > 1) {
    // Each thread sums its part into a slot of its own; the slots are added here, in float64.
    const sums = wasm.makeOutput([parts], 'float32');
    const [sAt, wAt, mcAt, yAt, sumsAt] = [s, w, mc, y, sums].map(at);
    const calls: KernelCall[] = splitRange(size, parts, 4).map(([e0, e1], i) => {
      const o = e0 * 4;
      return {
        name: 'maskForward',
        args: [sAt + o, wAt + o, mcAt + o, yAt + o, sumsAt + 4 * i, e1 - e0, temperature, scale],
      };
    });
    runParts(wasm, calls);
    const view = (t: TensorInfo) => wasm.typedArrayFromHeap(t) as Float32Array;
    view(sum)[0] = view(sums)
      .subarray(0, calls.length)
      .reduce((a, b) => a + b, 0);
    wasm.disposeData(sums.dataId);
  } else {
    runOnHeap(wasm, [s, w], [mc, y], ([sAt, wAt, mcAt, yAt], n) =>
      kernelsFor(wasm).maskForward(sAt, wAt, mcAt, yAt, at(sum), n, temperature, scale),
    );
    if (size < 4) {
      // The padded copy's sum counted the padding (uninitialised heap) too.
      const view = (t: TensorInfo) => wasm.typedArrayFromHeap(t) as Float32Array;
      view(sum)[0] = view(mc).reduce((a, b) => a + b, 0);
    }
  }
  if (!transposed) return [mc, y, sum];
  const yT = wasm.makeOutput([cols, rows], 'float32');
  const [yAt, yTAt] = [y, yT].map(at);
  // Bands of rows, one per thread: each writes its own columns of yT.
  runParts(
    wasm,
    splitRange(rows, parts, 1).map(([r0, r1]) => ({
      name: 'transpose2d',
      args: [yAt + r0 * cols * 4, yTAt + r0 * 4, r1 - r0, cols, cols, rows],
    })),
  );
  recordTransposed(y.dataId, yT);
  return [mc, y, sum, yT];
};

/**
 * Runs an element-wise kernel over `inputs` into `outputs` (all of `size` elements): `call` names the
 * export and its arguments from the heap offsets of the inputs, then the outputs, and the element
 * count. Large tensors are split into ranges, one per thread; tiny ones go through runOnHeap's copies.
 */
function runElementwise(
  wasm: BackendWasm,
  inputs: TensorInfo[],
  outputs: TensorInfo[],
  size: number,
  call: (at: number[], n: number) => KernelCall,
): void {
  const parts = partsFor(wasm, size);
  if (parts === 1) {
    runOnHeap(wasm, inputs, outputs, (at, n) => runParts(wasm, [call(at, n)]));
    return;
  }
  const offsets = [...inputs, ...outputs].map((t) => wasm.getMemoryOffset(t.dataId));
  runParts(
    wasm,
    splitRange(size, parts, 4).map(([e0, e1]) =>
      call(
        offsets.map((o) => o + e0 * 4),
        e1 - e0,
      ),
    ),
  );
}

/**
 * A kernel whose float32 inputs, all of one size, map element by element to `outputs` tensors of
 * their shape, run by runElementwise.
 */
function elementwise(
  kernelName: string,
  inputNames: readonly string[],
  outputs: number,
  call: (at: number[], n: number, attrs: NamedAttrMap) => KernelCall,
): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const first = input(inputs, inputNames[0], kernelName);
    const size = tf.util.sizeFromShape(first.shape);
    const ins = inputNames.map((name) => input(inputs, name, kernelName, size));
    const outs = Array.from({ length: outputs }, () => wasm.makeOutput(first.shape, 'float32'));
    runElementwise(wasm, ins, outs, size, (at, n) => call(at, n, attrs ?? {}));
    return outs;
  };
}

const maskGrad = elementwise(CS_MASK_GRAD, ['dy', 'w', 'mc'], 2, (at, n, attrs) => {
  const { temperature, scale, lambda } = attrs as unknown as MaskGradAttrs;
  return { name: 'maskGrad', args: [...at, n, temperature, 1 / scale, lambda] };
});

const reluGradOutputs = elementwise(RELU_GRAD, ['x', 'dy'], 1, (at, n) => ({
  name: 'reluGrad',
  args: [...at, n],
}));
/** One output, not a list of one: the engine hands a list back as a list, and a gradient must be a tensor. */
const reluGrad: KernelFunc = (args) => (reluGradOutputs(args) as TensorInfo[])[0];

const nesterovStep = elementwise(NESTEROV_STEP, ['p', 'grad', 'buf'], 2, (at, n, attrs) => {
  const { learningRate, momentum, weightDecay } = attrs as unknown as NesterovStepAttrs;
  return { name: 'nesterovStep', args: [...at, n, learningRate, momentum, weightDecay] };
});

/**
 * The CS step of one masked kernel (csKernels.wat maskedStep). The four updated tensors are written
 * over their inputs where that is safe: each input's data belongs to it alone (a reference count of
 * 1, so no other tensor sees it change), XNNPACK holds no packed copy of it that would go stale
 * (wasmMatMul.ts), and the element count is a multiple of 4 (the loop's overlapping last group would
 * read values it already updated). Such outputs share their input's data, which the caller sees as
 * the same dataId and need not assign. On LeNet-300-100 this saved four 1 MB allocations per layer,
 * and the cache misses of writing fresh memory (PROFILE.md).
 */
const maskedStep: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const dy = input(inputs, 'dy', CS_MASKED_STEP);
  const size = tf.util.sizeFromShape(dy.shape);
  const [w, mc, s, wBuf, sBuf] = ['w', 'mc', 's', 'wBuf', 'sBuf'].map((name) =>
    input(inputs, name, CS_MASKED_STEP, size),
  );
  const updated = [w, wBuf, s, sBuf];
  const inPlace =
    size % 4 === 0 &&
    size >= 4 &&
    updated.every((t) => wasm.refCount(t.dataId) === 1 && !mayHoldPackedCopy(t.dataId));
  const outs = inPlace
    ? updated.map((t) => {
        wasm.incRef(t.dataId);
        return { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
      })
    : updated.map((t) => wasm.makeOutput(t.shape, 'float32'));
  const a = attrs as unknown as MaskedStepAttrs;
  const rates = [
    ...[a.temperature, 1 / a.scale, a.lambda],
    ...[a.weightLearningRate, a.weightMomentum, a.weightDecay],
    ...[a.maskLearningRate, a.maskMomentum, a.maskWeightDecay],
  ];
  // Offsets of dy, w, mc, s, wBuf, sBuf, then of the updated w, wBuf, s and sBuf.
  runElementwise(wasm, [dy, w, mc, s, wBuf, sBuf], outs, size, (at, n) => ({
    name: 'maskedStep',
    args: [...at, n, ...rates],
  }));
  return outs;
};

const countLogits: KernelFunc = ({ inputs, backend }) => {
  const wasm = backend as BackendWasm;
  const s = input(inputs, 's', CS_COUNT_LOGITS);
  const edges = input(inputs, 'edges', CS_COUNT_LOGITS);
  const nEdges = tf.util.sizeFromShape(edges.shape);
  const counts = wasm.makeOutput([1 + nEdges], 'int32');
  const at = (t: TensorInfo) => wasm.getMemoryOffset(t.dataId);
  kernelsFor(wasm).countLogits(at(s), tf.util.sizeFromShape(s.shape), at(edges), nEdges, at(counts));
  return counts;
};

const SIMD_KERNELS: ReadonlyArray<readonly [string, KernelFunc]> = [
  [CS_MASK_FORWARD, maskForward],
  [CS_MASK_GRAD, maskGrad],
  [NESTEROV_STEP, nesterovStep],
  [CS_MASKED_STEP, maskedStep],
  [CS_COUNT_LOGITS, countLogits],
  [RELU_GRAD, reluGrad],
];

export const WASM_SIMD_KERNEL_NAMES: readonly string[] = SIMD_KERNELS.map(([name]) => name);

/** Registers the engine's kernels for 'wasm', and the ReLU gradient that uses one. Safe to call repeatedly. */
export function registerWasmSimdKernels(): void {
  for (const [kernelName, kernelFunc] of SIMD_KERNELS) replaceKernel(BACKEND, kernelName, kernelFunc);
  registerReluGradient();
}
