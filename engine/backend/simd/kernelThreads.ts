// Threads of ours that run csKernels.wat functions on parts of one tensor, beside the calling thread.
// On the threaded wasm backend the heap is a shared memory, so a worker thread with its own instance
// of our module works on the same tensors. XNNPACK's products use the whole pool, but our kernels
// (the mask forward, the masked step, the convolutions) ran on the training thread alone: on
// LeNet-300-100 at two threads a CS step gained nothing over one while the dense step gained 16%.
//
// A job is handed over through a small shared control block (Atomics.wait / notify, no messages):
// a round trip took 8-10 us on our 2-core machine, against 330 us for the mask forward of the 784 x 300
// layer, which two threads did in 190.
import { Worker } from 'node:worker_threads';

/** Control block words (Int32): the job's number, the number of the last one done, the function. */
const SEQ = 0;
const DONE = 1;
const FN = 2;
const FAILED = 3;
/** 1 once the helper has its instance of the module, -1 if it could not make one. */
const READY = 4;
/** Arguments as float64 from this byte on: each i32 and f32 argument is exactly a float64. */
const ARGS_AT = 64;
const MAX_ARGS = 24;
const CONTROL_BYTES = ARGS_AT + 8 * MAX_ARGS;

/** How long the calling thread waits for a helper before it calls the helpers broken. */
const ANSWER_TIMEOUT_MS = 120_000;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, module, control, names } = workerData;
const words = new Int32Array(control);
let kernels;
try {
  kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
  Atomics.store(words, ${READY}, 1);
} catch (err) {
  Atomics.store(words, ${READY}, -1);
  throw err;
} finally {
  Atomics.notify(words, ${READY});
}
const args = new Float64Array(control, ${ARGS_AT});
let seen = 0;
for (;;) {
  Atomics.wait(words, ${SEQ}, seen);
  seen = Atomics.load(words, ${SEQ});
  try {
    kernels[names[words[${FN}]]](...args);
    words[${FAILED}] = 0;
  } catch (err) {
    words[${FAILED}] = 1;
  }
  Atomics.store(words, ${DONE}, seen);
  Atomics.notify(words, ${DONE});
}
`;

interface Helper {
  worker: Worker;
  words: Int32Array;
  args: Float64Array;
  seq: number;
}

/** One function call for one thread: the export's name and its arguments. */
export interface KernelCall {
  name: string;
  args: number[];
}

/** Helper threads bound to one shared memory and one compiled module of our kernels. */
export class KernelThreads {
  private readonly helpers: Helper[] = [];
  private readonly names: string[];
  private broken = false;
  private done = 0;

  constructor(
    readonly memory: WebAssembly.Memory,
    module: WebAssembly.Module,
    helperCount: number,
  ) {
    this.names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    for (let i = 0; i < helperCount; i++) {
      const control = new SharedArrayBuffer(CONTROL_BYTES);
      let worker: Worker;
      try {
        worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { memory, module, control, names: this.names },
        });
      } catch {
        // No helper threads here: every kernel runs on the calling thread, as on one thread.
        this.terminate();
        return;
      }
      // Idle helpers wait in Atomics.wait and must not keep the process alive.
      worker.unref();
      worker.on('error', () => (this.broken = true));
      worker.on('exit', () => (this.broken = true));
      this.helpers.push({
        worker,
        words: new Int32Array(control),
        args: new Float64Array(control, ARGS_AT),
        seq: 0,
      });
    }
  }

  /**
   * Blocks until every helper has its instance of the module (or could not make one), at most
   * `timeoutMs`; until then run() leaves a helper's share to the calling thread. For callers that
   * count on the split from the first call, as tests and benchmarks do.
   */
  waitUntilReady(timeoutMs = 10_000): void {
    for (const { words } of this.helpers) Atomics.wait(words, READY, 0, timeoutMs);
  }

  /** Calls the helpers have finished so far. */
  get helperCalls(): number {
    return this.done;
  }

  /** Threads a call can be split over: the helpers and the calling thread. */
  get count(): number {
    return this.broken ? 1 : this.helpers.length + 1;
  }

  /**
   * Runs calls[0] here and calls[i] on helper i - 1 at the same time (here, after calls[0], for a
   * helper not ready yet); returns when all are done. With fewer calls than threads the last helpers
   * stay idle. Throws if a call trapped.
   */
  run(calls: KernelCall[], here: (call: KernelCall) => void): void {
    if (calls.length > this.count) throw new Error(`${calls.length} calls for ${this.count} threads`);
    // A helper still starting (or one that could not) leaves its call to this thread.
    const started: Helper[] = [];
    const mine = [calls[0]];
    calls.slice(1).forEach((call, i) => {
      const helper = this.helpers[i];
      if (Atomics.load(helper.words, READY) === 1) started.push(this.start(helper, call));
      else mine.push(call);
    });
    let failure: unknown;
    try {
      mine.forEach(here);
    } catch (err) {
      failure = err;
    }
    for (const helper of started) {
      if (!this.finish(helper)) failure ??= new Error(`a kernel thread's ${calls[0].name} call failed`);
    }
    if (failure !== undefined) throw failure;
  }

  /** Stops the helpers; the memory they held can then be freed. */
  terminate(): void {
    this.broken = true;
    for (const { worker } of this.helpers) void worker.terminate();
  }

  private start(helper: Helper, call: KernelCall): Helper {
    const fn = this.names.indexOf(call.name);
    if (fn < 0) throw new Error(`csKernels.wat has no function '${call.name}'`);
    if (call.args.length > MAX_ARGS) throw new Error(`${call.name}: more than ${MAX_ARGS} arguments`);
    helper.args.fill(0);
    helper.args.set(call.args);
    helper.words[FN] = fn;
    helper.seq += 1;
    Atomics.store(helper.words, SEQ, helper.seq);
    Atomics.notify(helper.words, SEQ);
    return helper;
  }

  /** Waits for the helper's current job; false if it failed. */
  private finish(helper: Helper): boolean {
    const deadline = performance.now() + ANSWER_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(helper.words, DONE);
      if (done === helper.seq) {
        this.done += 1;
        return helper.words[FAILED] === 0;
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        this.terminate();
        throw new Error(`a kernel thread did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`);
      }
      Atomics.wait(helper.words, DONE, done, left);
    }
  }
}

/** [start, end) element ranges of n, one per thread, each a multiple of `multiple` long but the last. */
export function splitRange(n: number, threads: number, multiple: number): [number, number][] {
  const parts: [number, number][] = [];
  const step = Math.ceil(n / threads / multiple) * multiple;
  for (let start = 0; start < n; start += step) parts.push([start, Math.min(n, start + step)]);
  return parts;
}
