// Counts mask logits for the layer statistics in a worker thread, so the training loop only pays for
// copying them out of the backend. Used on the cpu backend; wasm counts in SIMD on the training thread
// (layerStats.ts), which on 2 cores cost less than a worker competing for the second one. At the default 250 ms interval, counting LeNet-300-100's 266k
// logits on the training thread (~10 ms a time on our 2-core machine) cost about a tenth of its
// throughput once its steps got fast; the engine trains on one core and leaves the other idle.
//
// The worker runs `countLogits`'s own source text (eval), so the bundled engine needs no second
// entry file and the tests, run from TypeScript, use the very same code.
import { Worker } from 'node:worker_threads';
import { countLogits, type LogitCounts } from './countLogits';

export interface CountParams {
  temperature: number;
  /** False for binary masks (no soft mask), or where the caller has the sums already. */
  withSoftSum: boolean;
  lo: number;
  width: number;
  edges: Float32Array;
}

interface Job {
  id: number;
  logits: Float32Array[];
  params: CountParams;
}

type Reply = { id: number; counted: LogitCounts[] } | { id: number; error: string };

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const countLogits = ${countLogits.toString()};
parentPort.on('message', (job) => {
  try {
    const p = job.params;
    const counted = job.logits.map((s) => countLogits(s, p.temperature, p.withSoftSum, p.lo, p.width, p.edges));
    parentPort.postMessage({ id: job.id, counted });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String((err && err.stack) || err) });
  }
});
`;

class LogitCountWorker {
  private worker: Worker | null = null;
  /** Set once the worker failed: counting then happens on the calling thread, as before. */
  private broken = false;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (c: LogitCounts[]) => void; reject: (e: Error) => void }
  >();

  count(logits: Float32Array[], params: CountParams): Promise<LogitCounts[]> {
    const worker = this.broken ? null : this.start();
    if (!worker) return Promise.resolve(countHere(logits, params));
    const job: Job = { id: this.nextId++, logits, params };
    return new Promise<LogitCounts[]>((resolve, reject) => {
      this.pending.set(job.id, { resolve, reject });
      // Held only while a count is pending, so an idle worker never keeps the process alive.
      worker.ref();
      worker.postMessage(
        job,
        logits.map((s) => s.buffer as ArrayBuffer),
      );
    });
  }

  private start(): Worker | null {
    if (this.worker) return this.worker;
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      worker.on('message', (reply: Reply) => this.settle(reply));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => this.fail(new Error(`the statistics worker exited with code ${code}`)));
      this.worker = worker;
      return worker;
    } catch {
      this.broken = true;
      return null;
    }
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ('error' in reply) waiting.reject(new Error(`counting mask logits failed: ${reply.error}`));
    else waiting.resolve(reply.counted);
  }

  private fail(err: Error): void {
    this.broken = true;
    this.worker = null;
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
  }
}

function countHere(logits: Float32Array[], p: CountParams): LogitCounts[] {
  return logits.map((s) => countLogits(s, p.temperature, p.withSoftSum, p.lo, p.width, p.edges));
}

const shared = new LogitCountWorker();

/** Counts each array's logits in the shared worker thread; the arrays are moved there, not copied. */
export function countLogitsOffThread(logits: Float32Array[], params: CountParams): Promise<LogitCounts[]> {
  return shared.count(logits, params);
}
