// Runs tfjs-backend-wasm's multithreaded build (XNNPACK on a pool of pthreads) under Node.
//
// tfjs-backend-wasm 4.22 ships that build but switches it off under Node (WASM_HAS_MULTITHREAD_SUPPORT
// is false there: tensorflow/tfjs#3830), and merely switching it on is not enough, because:
// 1. it hands Emscripten the pthread worker script as a blob: URL, which Node's Worker cannot load;
// 2. each worker then loads the main script from a Blob through URL.createObjectURL + importScripts,
//    which in Node reads the "URL" with fs;
// 3. its C++ side caps the pool at emscripten_num_logical_cores() / 2 (it assumes two hyperthreads per
//    core), which in Node is os.cpus().length / 2: one thread on a 2-core machine.
// So we write both scripts to a temporary folder (the worker's loader pointed at the main script's
// file), answer the blob: URL of the worker script with that file, and report twice as many logical
// cores as threads asked for, each only while the backend initialises; the pool then has exactly the
// threads asked for (up to tfjs's own maximum of 8).
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import threadedFactory from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import { wasmWorkerContents } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BACKEND = 'wasm';
const THREAD_FLAG = 'WASM_HAS_MULTITHREAD_SUPPORT';
/** tfjs-backend-wasm's own priority for the 'wasm' backend, kept when we re-register it. */
const WASM_PRIORITY = 2;

/** The worker's loader of the main script, as tfjs-backend-wasm 4.22 ships it. */
const WORKER_LOADER =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

export interface WasmThreadsResult {
  /** Threads of the XNNPACK pool the backend now runs. */
  threads: number;
  /** Why fewer threads than asked for run; absent when all did. */
  reason?: string;
}

let scripts: { dir: string; worker: string } | undefined;

/** Writes the two scripts once per process; they stay until it exits (workers may start any time). */
function threadScripts(): { dir: string; worker: string } {
  if (scripts) return scripts;
  if (!wasmWorkerContents.includes(WORKER_LOADER)) {
    throw new Error('the wasm worker script is not the one this engine knows how to run under Node');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-wasm-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const main = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  // What tfjs-backend-wasm puts in its Blob for the same purpose.
  writeFileSync(main, `var WasmBackendModuleThreadedSimd = ${threadedFactory.toString()};`);
  const worker = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
  // The package escapes the newlines inside the script's string literals when it makes its Blob.
  const source = wasmWorkerContents
    .replace(/\n/g, '\\n')
    .replace(WORKER_LOADER, `importScripts(${JSON.stringify(main)});`);
  writeFileSync(worker, source);
  scripts = { dir, worker };
  return scripts;
}

/** Runs `init` with blob: URLs of worker scripts answered by our file and 2 x `threads` logical cores. */
async function withNodeThreadShims<T>(
  workerFile: string,
  threads: number,
  init: () => Promise<T>,
): Promise<T> {
  const createObjectURL = URL.createObjectURL.bind(URL);
  const cpus = os.cpus;
  URL.createObjectURL = (obj: Blob) =>
    obj.type === 'application/javascript' ? workerFile : createObjectURL(obj);
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]);
  };
  try {
    return await init();
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
}

/** The thread count the live 'wasm' instance was started for by us; undefined if not by us. */
let startedFor: number | undefined;

/**
 * The registered 'wasm' backend reads its thread count once, when it initialises; a different count
 * needs a fresh instance (removing the backend also stops its workers).
 */
function resetBackend(): void {
  const factory = tf.findBackendFactory(BACKEND);
  if (factory === null) throw new Error("no 'wasm' backend is registered");
  tf.removeBackend(BACKEND);
  tf.registerBackend(BACKEND, factory, WASM_PRIORITY);
  startedFor = undefined;
}

/** The part of Emscripten's pthread bookkeeping we touch; workers are Node worker_threads. */
interface PThreadPool {
  runningWorkers: { unref(): void }[];
  unusedWorkers: { unref(): void }[];
}

/**
 * XNNPACK's pool threads live as long as the backend, and Emscripten ref()s the Node Worker of every
 * running pthread, so the process would never exit by itself (mocha, the CLI and the bench would
 * hang after their last line). The pool only waits on shared memory, so unref'd workers still work.
 */
function unrefPoolWorkers(): void {
  const backend = tf.findBackend(BACKEND) as unknown as { wasm?: { PThread?: PThreadPool } } | null;
  const pool = backend?.wasm?.PThread;
  if (!pool) return;
  for (const w of [...pool.runningWorkers, ...pool.unusedWorkers]) w.unref();
}

async function start(threads: number): Promise<boolean> {
  tf.env().set(THREAD_FLAG, threads > 1);
  setThreadsCount(threads);
  if (threads === 1) return tf.setBackend(BACKEND);
  const { worker } = threadScripts();
  const ok = await withNodeThreadShims(worker, threads, () => tf.setBackend(BACKEND));
  if (ok) unrefPoolWorkers();
  return ok;
}

/**
 * Makes 'wasm' the active backend with a pool of `threads` threads; if the threaded build cannot start,
 * falls back to one thread and says why. Call setWasmPaths first. A different count than the live
 * instance's starts a new instance: tensors made on the old one are gone, so choose before building.
 */
export async function activateWasmWithThreads(threads: number): Promise<WasmThreadsResult> {
  const wanted = Math.max(1, Math.floor(threads));
  // A live instance started for another count, or by someone else (a test's own setBackend), is
  // replaced; one we started for this count is reused.
  if (tf.findBackend(BACKEND) !== null && startedFor !== wanted) resetBackend();
  let reason: string | undefined;
  try {
    if (!(await start(wanted))) throw new Error('the backend failed to initialise');
  } catch (err) {
    if (wanted === 1) throw err;
    reason = `the threaded wasm build did not start (${err instanceof Error ? err.message : String(err)})`;
    resetBackend();
    if (!(await start(1))) throw new Error('the wasm backend failed to initialise', { cause: err });
  }
  startedFor = wanted;
  const actual = getThreadsCount();
  if (reason === undefined && actual < wanted) {
    // tfjs caps the pool at 8 threads.
    reason = `the wasm backend started ${actual} of ${wanted} threads`;
  }
  return reason === undefined ? { threads: actual } : { threads: actual, reason };
}
