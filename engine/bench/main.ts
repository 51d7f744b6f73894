// `npm run bench`: samples/s of one CS training step and of the same dense step, per backend and zoo
// model, plus their ratio. `--json` prints the same results as JSON on stdout; progress always goes to
// stderr so that stdout stays machine-readable.
import * as tf from '@tensorflow/tfjs-core';
import Table from 'cli-table3';
import { availableParallelism } from 'node:os';
import { selectBackend, type BackendChoice } from '../backend/selectBackend';
import type { ZooModelName } from '../config/configSchema';
import { benchCsVsDense, type StepBenchPlan } from './stepBench';

type BenchBackend = Exclude<BackendChoice, 'auto'>;

/** Native first, as 'auto' would pick them; they are optional, so they usually report "not installed". */
const BACKENDS: readonly BenchBackend[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

const MODELS: readonly { model: ZooModelName; inputShape: number[] }[] = [
  { model: 'lenet-300-100', inputShape: [28, 28, 1] }, // MNIST
  { model: 'conv2', inputShape: [32, 32, 3] }, // CIFAR-10
];
const NUM_CLASSES = 10;
const BATCH_SIZE = 128; // the search's default

/**
 * Sized so the whole run stays within ~3 minutes on 2 cores. On 'wasm' a conv2 step at batch 128 takes
 * seconds, so it gets single-step blocks. tfjs-backend-cpu computes conv gradients with per-element
 * buffer reads, at well under one conv2 sample per second, so there conv2 runs at batch 1: its ratio
 * then weighs the per-step mask cost (independent of the batch) more than a batch of 128 would.
 */
function planFor(backend: BenchBackend, model: ZooModelName, inputShape: number[]): StepBenchPlan {
  const base = { model, inputShape, numClasses: NUM_CLASSES, batchSize: BATCH_SIZE };
  if (model === 'lenet-300-100') {
    return { ...base, warmupSteps: 2, stepsPerBlock: backend === 'cpu' ? 2 : 5, repetitions: 5 };
  }
  switch (backend) {
    case 'cpu':
      return { ...base, batchSize: 1, warmupSteps: 1, stepsPerBlock: 1, repetitions: 3 };
    case 'wasm':
      return { ...base, warmupSteps: 1, stepsPerBlock: 1, repetitions: 3 };
    default:
      return { ...base, warmupSteps: 2, stepsPerBlock: 3, repetitions: 5 };
  }
}

type BenchRow =
  | {
      backend: BenchBackend;
      model: ZooModelName;
      status: 'ok';
      batchSize: number;
      warmupSteps: number;
      stepsPerBlock: number;
      repetitions: number;
      csSamplesPerSec: number;
      denseSamplesPerSec: number;
      /** Median of paired per-repetition ratios, not the quotient of the two medians. */
      csDenseRatio: number;
      /** False if a loss went non-finite during the run, which can distort timings. */
      finiteLoss: boolean;
    }
  | { backend: BenchBackend; status: 'not installed' | 'unavailable'; reason: string };

interface BenchReport {
  tfjsCore: string;
  node: string;
  cores: number;
  rows: BenchRow[];
  notes: string[];
}

async function benchBackend(backend: BenchBackend, notes: string[]): Promise<BenchRow[]> {
  try {
    await selectBackend(backend);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const status = reason.includes('is not installed') ? 'not installed' : 'unavailable';
    return [{ backend, status, reason }];
  }
  if (backend === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    notes.push(`wasm: SIMD ${simd ? 'on' : 'off'}, multithreading ${threads ? 'on' : 'off'}.`);
  }
  const rows: BenchRow[] = [];
  for (const { model, inputShape } of MODELS) {
    const plan = planFor(backend, model, inputShape);
    process.stderr.write(
      `${backend} ${model}: batch ${plan.batchSize}, ${plan.warmupSteps} warm-up + ` +
        `${plan.repetitions} x ${plan.stepsPerBlock} timed steps of each kind...\n`,
    );
    const r = await benchCsVsDense(plan);
    rows.push({
      backend,
      model,
      status: 'ok',
      batchSize: plan.batchSize,
      warmupSteps: plan.warmupSteps,
      stepsPerBlock: plan.stepsPerBlock,
      repetitions: plan.repetitions,
      csSamplesPerSec: r.csSamplesPerSec,
      denseSamplesPerSec: r.denseSamplesPerSec,
      csDenseRatio: r.ratio,
      finiteLoss: r.finite,
    });
    if (plan.batchSize !== BATCH_SIZE) {
      notes.push(
        `${backend} ${model} ran at batch ${plan.batchSize}, not ${BATCH_SIZE}, to keep the run short.`,
      );
    }
    if (!r.finite) notes.push(`${backend} ${model}: the loss went non-finite; its timings may be off.`);
  }
  return rows;
}

/** Enough significant digits to compare, without pretending to more precision than the noise allows. */
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2));

function printTable(report: BenchReport): void {
  // No head colours: the output is often piped or pasted.
  const table = new Table({
    head: ['backend', 'model', 'batch', 'CS samples/s', 'dense samples/s', 'CS/dense'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
  });
  for (const row of report.rows) {
    if (row.status === 'ok') {
      table.push([
        row.backend,
        row.model,
        row.batchSize,
        fmt(row.csSamplesPerSec),
        fmt(row.denseSamplesPerSec),
        row.csDenseRatio.toFixed(2),
      ]);
    } else {
      // A failure other than a missing package is worth reading in full.
      const content = row.status === 'not installed' ? row.status : `${row.status}: ${row.reason}`;
      table.push([row.backend, { content, colSpan: 5 }]);
    }
  }
  console.log(`tfjs-core ${report.tfjsCore}, Node ${report.node}, ${report.cores} cores`);
  console.log(table.toString());
  for (const note of report.notes) console.log(`- ${note}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log('Usage: node dist/bench.js [--json]');
    return;
  }
  const unknown = args.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    // A usage mistake, not a crash: no stack trace.
    console.error(`Unknown argument(s): ${unknown.join(' ')}. Usage: node dist/bench.js [--json]`);
    process.exitCode = 2;
    return;
  }

  const notes: string[] = [];
  const rows: BenchRow[] = [];
  for (const backend of BACKENDS) rows.push(...(await benchBackend(backend, notes)));
  notes.push(
    'Samples/s are medians over timed blocks; CS and dense blocks alternate, after warm-up steps of each.',
    'CS/dense is the median of the paired per-block ratios, so it can differ slightly from the quotient of the two columns.',
  );
  const report: BenchReport = {
    tfjsCore: tf.version_core,
    node: process.versions.node,
    cores: availableParallelism(),
    rows,
    notes,
  };
  if (args.includes('--json')) console.log(JSON.stringify(report, null, 2));
  else printTable(report);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
