// Relaxed SIMD's f32x4.relaxed_madd is a fused multiply-add where the processor has one: one rounding
// instead of two, and one instruction instead of a multiply and an add. Conv-2's filter gradient
// (csKernels.wat convFilterGrad, nothing but such multiply-adds) took 198 ms instead of 274 with it for
// the 64 -> 64 layer on a 2-core Xeon; the fused build also fuses our convolution, our matrix product
// and the mask forward's sigmoid (scripts/compileSimdKernels.mjs lists them). Relaxed SIMD is
// standard WebAssembly, on by default from V8 11.4 (Node 22); Node 20's V8 has it behind
// --experimental-wasm-relaxed-simd, a flag that only decides whether modules using it validate. So it
// is turned on, once, if the fused build does not compile without it, and the plain build is used
// wherever the fused one still does not compile.
import v8 from 'node:v8';

const FLAG = '--experimental-wasm-relaxed-simd';

let flagTried = false;
let lastFused: boolean | undefined;
let allowed = true;

/**
 * Whether compileFusedOrPlain may pick the fused build (the plain one is what engines without
 * relaxed SIMD run: tests switch to it to check it still gives the same gradients).
 */
export function allowFusedMultiplyAdd(allow: boolean): void {
  allowed = allow;
}

/** What compileFusedOrPlain is allowed to pick now. */
export function fusedMultiplyAddAllowed(): boolean {
  return allowed;
}

function compile(bytes: BufferSource): WebAssembly.Module | undefined {
  try {
    return new WebAssembly.Module(bytes);
  } catch {
    return undefined;
  }
}

/** The module from `fused` where relaxed SIMD compiles here, else from `plain`. */
export function compileFusedOrPlain(fused: BufferSource, plain: BufferSource): WebAssembly.Module {
  let module = allowed ? compile(fused) : undefined;
  if (module === undefined && allowed && !flagTried) {
    flagTried = true;
    v8.setFlagsFromString(FLAG);
    module = compile(fused);
  }
  lastFused = module !== undefined;
  return module ?? new WebAssembly.Module(plain);
}

/** Whether the CS kernels last compiled with fused multiply-adds (undefined before any compiled). */
export function kernelsUseFusedMultiplyAdd(): boolean | undefined {
  return lastFused;
}
