// Matrix products on tfjs-backend-wasm by the cheaper of two routes through XNNPACK.
//
// The wasm BatchMatMul runs XNNPACK's fully connected operator, which first packs its second operand
// (the "weights") into its own tiled layout and caches that copy until the tensor is disposed. In
// training every weight tensor is new each step, so every forward product packs the whole weight
// matrix again: on LeNet-300-100 (batch 64) packing the 784 x 300 kernel took 0.8 ms, as long as the
// product itself. Since C = A·B is also C = (B^T·A^T)^T, the operand that gets packed can be chosen:
// packing A^T (batch x inputs) and transposing B and C costs about a third of packing B there. The
// kernel's own path is taken only for one batch with neither operand transposed (otherwise a scalar
// loop nest runs), so both routes hand it exactly that, doing any transposes explicitly.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { DataId, KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { inKernelScope, need } from './kernelScope';
import { fusedKernelsOnEveryThread, GEMM_COLUMNS, gemmInto, packColumnsInto } from './simd/wasmSimdKernels';

/** Which operand XNNPACK packs: B as given (C = A·B), or A (C = (B^T·A^T)^T). */
export type MatMulRoute = 'pack-b' | 'pack-a';

/** A single-batch product op(A)·op(B) with op(A) of m x k and op(B) of k x n. */
export interface MatMulShape {
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * What packing an element costs against transposing one (csKernels.wat's transpose2d): 3.5 ns and
 * 0.5 ns on LeNet-300-100's 784 x 300 kernel (scratch measurement, 2-core Xeon, one thread).
 */
const PACK_COST = 7;

/**
 * The cheaper route, in transposed-element units. `bUsedBefore`: B (untransposed) was the second
 * operand of an earlier product and is still alive, which makes it a weight that stays (evaluation
 * batches, a frozen layer) rather than one training replaces every step: packed once, XNNPACK keeps
 * the packed copy for every later product, so packing it costs nothing.
 */
export function chooseMatMulRoute(
  s: MatMulShape,
  bUsedBefore: boolean,
  bTransposedKnown = false,
): MatMulRoute {
  if (bUsedBefore && !s.transposeB) return 'pack-b';
  const { m, k, n } = s;
  // pack-b: transposes for the flags, then B packed.
  const packB = PACK_COST * k * n + (s.transposeA ? m * k : 0) + (s.transposeB ? k * n : 0);
  // pack-a: B^T and A^T as XNNPACK wants them (free where the flag already has them so, or B^T is
  // known: recordTransposed), A^T packed, and C^T transposed back.
  const packA =
    PACK_COST * k * m + (s.transposeB || bTransposedKnown ? 0 : k * n) + (s.transposeA ? 0 : m * k) + m * n;
  return packA < packB ? 'pack-a' : 'pack-b';
}

/**
 * Data XNNPACK may hold a packed copy of: tensors that went in as the packed operand untransposed.
 * XNNPACK frees its copy when the tensor is disposed, but a kernel that writes a tensor in place
 * (maskedStep) would leave the copy stale, so such kernels ask mayHoldPackedCopy first.
 */
const packedData = new WeakSet<DataId>();
/** Data seen as an untransposed second operand: seen again, it is a weight that stays. */
const seenAsB = new WeakSet<DataId>();

/** True if XNNPACK may have packed `dataId` into a cached operator (so it must not change in place). */
export function mayHoldPackedCopy(dataId: DataId): boolean {
  return packedData.has(dataId);
}

/**
 * Transposes made alongside a tensor by the kernel that made it (the CS mask forward writes W*mc both
 * ways in one pass), by the tensor's data. A weak map: an entry goes with its tensor's data.
 */
const transposes = new WeakMap<DataId, TensorInfo>();

/** Records that `transposed` (a matrix, alive as long as the caller keeps it) is `of`'s transpose. */
export function recordTransposed(of: DataId, transposed: TensorInfo): void {
  transposes.set(of, transposed);
}

/** `b`'s recorded transpose if its data is still there (a disposed one is not). */
function knownTranspose(backend: BackendWasm, b: TensorInfo): TensorInfo | undefined {
  const t = transposes.get(b.dataId);
  return t !== undefined && backend.refCount(t.dataId) > 0 ? t : undefined;
}

/** The matrix of a single-batch operand, as rank 3 (the wasm kernels' own layout for a batch of one). */
function matrixOf(x: TensorInfo): { rows: number; cols: number } {
  return { rows: x.shape[x.shape.length - 2], cols: x.shape[x.shape.length - 1] };
}

/**
 * BatchMatMul or _FusedMatMul by the cheaper route. Batched products keep the original kernel (no
 * fast path exists for them either way); so do fused products with a bias or an activation on the
 * pack-a route's terms, since those apply along C's columns, not C^T's.
 */
export function fasterMatMul(kernelName: string, original: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const a = need(inputs, 'a', kernelName);
    const b = need(inputs, 'b', kernelName);
    const oneBatch = a.shape.slice(0, -2).every((d) => d === 1) && b.shape.slice(0, -2).every((d) => d === 1);
    if (!oneBatch) return original({ inputs, backend, attrs });
    const transposeA = attrs?.transposeA === true;
    const transposeB = attrs?.transposeB === true;
    const ma = matrixOf(a);
    const mb = matrixOf(b);
    const shape: MatMulShape = {
      m: transposeA ? ma.cols : ma.rows,
      k: transposeA ? ma.rows : ma.cols,
      n: transposeB ? mb.rows : mb.cols,
      transposeA,
      transposeB,
    };
    const plain =
      inputs.bias === undefined &&
      inputs.preluActivationWeights === undefined &&
      (attrs?.activation === undefined || attrs.activation === 'linear');
    const rank = Math.max(a.shape.length, b.shape.length);
    const outShape = [...new Array<number>(rank - 2).fill(1), shape.m, shape.n];
    if (plain && ownProductFits(backend as BackendWasm, a, b, shape)) {
      return ownProduct(backend as KernelBackend, a, b, shape, ma, outShape);
    }
    const usedBefore = seenAsB.has(b.dataId);
    if (!transposeB) seenAsB.add(b.dataId);
    const bT = transposeB ? undefined : knownTranspose(backend as BackendWasm, b);
    const route = plain ? chooseMatMulRoute(shape, usedBefore, bT !== undefined) : 'pack-b';
    if (route === 'pack-b') {
      if (!transposeB) packedData.add(b.dataId);
      if (!transposeA && !transposeB) return original({ inputs, backend, attrs });
    } else if (transposeA) {
      packedData.add(a.dataId);
    }
    return inKernelScope(backend as KernelBackend, (scope) => {
      // Rank 3, as _FusedMatMul's kernel expects (BatchMatMul's reshapes to it anyway).
      const matrix = (x: TensorInfo, m: { rows: number; cols: number }, transpose: boolean) => {
        const rank3 = scope.reshape(x, [1, m.rows, m.cols]);
        return transpose ? scope.transpose(rank3, [0, 2, 1]) : rank3;
      };
      const run = (left: TensorInfo, right: TensorInfo, extra: typeof inputs) => {
        const out = original({
          inputs: { ...extra, a: left, b: right },
          backend,
          attrs: { ...attrs, transposeA: false, transposeB: false },
        });
        return scope.own(Array.isArray(out) ? out[0] : out);
      };
      let result: TensorInfo;
      if (route === 'pack-b') {
        result = run(matrix(a, ma, transposeA), matrix(b, mb, transposeB), inputs);
      } else {
        // C^T = op(B)^T · op(A)^T; op(B)^T is B itself when transposeB, op(A)^T is A when transposeA.
        const left = bT !== undefined ? scope.reshape(bT, [1, shape.n, shape.k]) : matrix(b, mb, !transposeB);
        const cT = run(left, matrix(a, ma, !transposeA), {});
        result = scope.transpose(cT, [0, 2, 1]);
      }
      // The result may be a reshape of an output of ours (sharing its data); its shape is ours to set.
      return scope.reshape(result, outShape);
    });
  };
}

/**
 * Products below this many multiply-adds stay with XNNPACK (not measured against ours; its setup per
 * call weighs less there).
 */
const OWN_PRODUCT_MIN_WORK = 1 << 20;

/**
 * Whether csKernels.wat's gemm runs this product: float32, columns a multiple of 8, enough work, our
 * fused build and as many threads of ours as XNNPACK's pool. Measured (one thread, 2-core Xeon; ours
 * with B packed each call, XNNPACK with its packed B cached): [64, 784] x [784, 304] 0.65 against
 * 1.0 ms, [128, 4096] x [4096, 512] 13.3 against 16.5, Conv-2's [128, 16384] x [16384, 256] 25
 * against 33, and 55 when XNNPACK packs the layer's new weights as training does every step.
 */
function ownProductFits(backend: BackendWasm, a: TensorInfo, b: TensorInfo, s: MatMulShape): boolean {
  return (
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    s.n % GEMM_COLUMNS === 0 &&
    s.m * s.k * s.n >= OWN_PRODUCT_MIN_WORK &&
    fusedKernelsOnEveryThread(backend)
  );
}

/**
 * Whether every product with a [rows, cols] float32 matrix as its second operand, untransposed,
 * goes to our gemm whatever the first (its columns suit, and one row of A is work enough): such a
 * matrix's transpose would never be read.
 */
export function ownProductTakesAll(backend: BackendWasm, rows: number, cols: number): boolean {
  return (
    cols % GEMM_COLUMNS === 0 && rows * cols >= OWN_PRODUCT_MIN_WORK && fusedKernelsOnEveryThread(backend)
  );
}

/** op(A)·op(B) of `outShape` by csKernels.wat's gemm: A row-major [m, k] (transposed first if need be), B packed. */
function ownProduct(
  backend: KernelBackend,
  a: TensorInfo,
  b: TensorInfo,
  s: MatMulShape,
  ma: { rows: number; cols: number },
  outShape: number[],
): TensorInfo {
  return inKernelScope(backend, (scope) => {
    const rowMajorA = s.transposeA
      ? scope.transpose(scope.reshape(a, [ma.rows, ma.cols]), [1, 0])
      : scope.reshape(a, [s.m, s.k]);
    // B [k, n] in blocks of eight columns, [n / 8, k, 8]; from B^T [n, k] that is n / 8 transposes.
    const packedB = s.transposeB
      ? scope.transpose(scope.reshape(b, [s.n / GEMM_COLUMNS, GEMM_COLUMNS, s.k]), [0, 2, 1])
      : scope.fill([s.n / GEMM_COLUMNS, s.k, GEMM_COLUMNS], (wasm, out) =>
          packColumnsInto(wasm, b, out, s.k, s.n),
        );
    return scope.fill(outShape, (wasm, out) => gemmInto(wasm, rowMajorA, packedB, out, s.m, s.n, s.k));
  });
}
