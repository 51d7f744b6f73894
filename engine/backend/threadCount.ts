// How many threads a `threads` setting stands for. Apart from wasmThreads.ts so the extension host,
// which shares out a sweep's cores, does not load TensorFlow.js to learn it.
import os from 'node:os';

/** tfjs-backend-wasm's largest thread pool. */
export const MAX_WASM_THREADS = 8;

/**
 * The threads a `threads` setting stands for: 'auto' is one per core but one (up to tfjs's maximum),
 * shared out evenly when `parallel` searches run at once, as a sweep's do. The core left free is for
 * the statistics worker, the editor and everything else: XNNPACK's pool waits for its slowest
 * thread, and on our busy 2-core machine a pool of 2 ran LeNet-300-100 six times slower than 1.
 */
export function threadsFor(setting: 'auto' | number, parallel = 1): number {
  if (setting !== 'auto') return setting;
  const cores = Math.min(MAX_WASM_THREADS, os.availableParallelism() - 1);
  return Math.max(1, Math.floor(cores / Math.max(1, parallel)));
}
