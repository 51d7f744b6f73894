// A scope for kernels built from other wasm kernels (the gradient compositions of wasmGradKernels.ts,
// the matmul routes of wasmMatMul.ts, our convolution in wasmConv2d.ts): it runs them on the backend directly, below tfjs's engine, and
// frees every intermediate once the result is out, or all of them when something throws.
// Imported for a value (not bare, which a bundler honouring sideEffects could drop): importing this
// module registers the wasm kernels, which wasmGradKernels.ts checks for.
import { version_wasm, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

const BACKEND = 'wasm';

/** Runs other wasm kernels on behalf of one composite kernel and frees everything it made. */
export class KernelScope {
  private readonly made: TensorInfo[] = [];

  constructor(private readonly backend: KernelBackend) {}

  get wasm(): BackendWasm {
    return this.backend as BackendWasm;
  }

  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const config = tf.getKernel(kernelName, BACKEND);
    if (config === undefined) {
      throw new Error(`tfjs-backend-wasm ${version_wasm} has no '${kernelName}' kernel to build on`);
    }
    const out = config.kernelFunc({ inputs, backend: this.backend, attrs });
    const info = Array.isArray(out) ? out[0] : out;
    this.made.push(info);
    return info;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /**
   * Transpose after merging the axes that stay next to each other and dropping those of size 1
   * (simplifyPermutation). The wasm Transpose kernel has fast paths only up to rank 4 and falls back
   * to a per-element index computation above that, which made a rank-5 transpose alone cost ten times
   * the convolution it fed.
   */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    const outShape = perm.map((axis) => x.shape[axis]);
    const simple = simplifyPermutation(x.shape, perm);
    // A permutation that moves nothing once simplified is a reshape.
    if (simple.perm.every((axis, i) => axis === i)) return this.reshape(x, outShape);
    const moved = this.run('Transpose', { x: this.reshape(x, simple.shape) }, { perm: simple.perm });
    return this.reshape(moved, outShape);
  }

  zeros(shape: number[]): TensorInfo {
    return this.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
  }

  /**
   * The rows [startH, startH + lenH) and columns [startW, startW + lenW) of an NHWC tensor, reading
   * zeros outside it. One helper covers 'same', explicit and rounding-mode padding as well as the
   * trailing rows a strided 'valid' convolution never reads, so XNNPACK only ever sees 'valid'.
   */
  window(x: TensorInfo, startH: number, lenH: number, startW: number, lenW: number): TensorInfo {
    const [n, h, w, c] = x.shape;
    const h0 = clamp(startH, 0, h);
    const h1 = clamp(startH + lenH, 0, h);
    const w0 = clamp(startW, 0, w);
    const w1 = clamp(startW + lenW, 0, w);
    if (h1 <= h0 || w1 <= w0) {
      return this.zeros([n, lenH, lenW, c]);
    }
    let out = x;
    if (h0 > 0 || h1 < h || w0 > 0 || w1 < w) {
      out = this.run('Slice', { x: out }, { begin: [0, h0, w0, 0], size: [n, h1 - h0, w1 - w0, c] });
    }
    const before = [h0 - startH, w0 - startW];
    const after = [startH + lenH - h1, startW + lenW - w1];
    if (before[0] > 0 || before[1] > 0 || after[0] > 0 || after[1] > 0) {
      const paddings = [
        [0, 0],
        [before[0], after[0]],
        [before[1], after[1]],
        [0, 0],
      ];
      out = this.run('PadV2', { x: out }, { paddings, constantValue: 0 });
    }
    return out;
  }

  /** Inserts (stride - 1) zeros after every row and column of an NHWC tensor. */
  stuff(x: TensorInfo, strideHeight: number, strideWidth: number): TensorInfo {
    if (strideHeight === 1 && strideWidth === 1) {
      return x;
    }
    const [n, h, w, c] = x.shape;
    const paddings = [
      [0, 0],
      [0, 0],
      [0, strideHeight - 1],
      [0, 0],
      [0, strideWidth - 1],
      [0, 0],
    ];
    const spread = this.run(
      'PadV2',
      { x: this.reshape(x, [n, h, 1, w, 1, c]) },
      { paddings, constantValue: 0 },
    );
    return this.reshape(spread, [n, h * strideHeight, w * strideWidth, c]);
  }

  /** An output of `shape` (float32) that `write` fills in the heap, freed with the others. */
  fill(shape: number[], write: (wasm: BackendWasm, out: TensorInfo) => void): TensorInfo {
    const out = this.wasm.makeOutput(shape, 'float32');
    this.made.push(out);
    write(this.wasm, out);
    return out;
  }

  /** An NHWC tensor with zero channels added up to a multiple of `multiple`. */
  padChannels(x: TensorInfo, multiple: number): TensorInfo {
    const c = x.shape[3];
    const extra = (multiple - (c % multiple)) % multiple;
    if (extra === 0) return x;
    const paddings = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, extra],
    ];
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  /** Takes an output made outside run() (by a kernel called directly) into the scope. */
  own(info: TensorInfo): TensorInfo {
    this.made.push(info);
    return info;
  }

  /** Frees every intermediate except `result`, whose data the caller hands to the engine. */
  finish(result: TensorInfo): TensorInfo {
    for (const info of this.made) {
      if (info !== result) {
        this.backend.disposeData(info.dataId);
      }
    }
    return result;
  }

  /** Frees every intermediate after a failure, so a thrown error does not leak wasm memory. */
  abandon(): void {
    for (const info of this.made) {
      this.backend.disposeData(info.dataId);
    }
  }
}

/**
 * `body`'s result, run in a fresh scope: every intermediate it made is freed once the result is out,
 * or all of them if it throws.
 */
export function inKernelScope(backend: KernelBackend, body: (scope: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(backend);
  try {
    return scope.finish(body(scope));
  } catch (err) {
    scope.abandon();
    throw err;
  }
}

export function need(inputs: NamedTensorInfoMap, name: string, kernelName: string): TensorInfo {
  const info = inputs[name];
  if (info === undefined) {
    throw new Error(`${kernelName}: missing input '${name}'`);
  }
  return info;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/**
 * The permutation with runs of consecutive axes merged and axes of size 1 dropped: what a transpose
 * really moves. [128, 34, 34, 64] by [3, 1, 2, 0] is [128, 1156, 64] by [2, 1, 0].
 */
export function simplifyPermutation(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const kept = perm.filter((axis) => shape[axis] !== 1);
  const groups: number[][] = [];
  for (const axis of kept) {
    const last = groups[groups.length - 1];
    // Consecutive in the input, ignoring dropped size-1 axes between them.
    const between = last ? shape.slice(last[last.length - 1] + 1, axis) : [];
    if (last !== undefined && axis > last[last.length - 1] && between.every((d) => d === 1)) last.push(axis);
    else groups.push([axis]);
  }
  const inputOrder = [...groups].sort((a, b) => a[0] - b[0]);
  return {
    shape: inputOrder.map((g) => g.reduce((size, axis) => size * shape[axis], 1)),
    perm: groups.map((g) => inputOrder.indexOf(g)),
  };
}
