// `npm run bench`: samples/s of one CS training step and of the same dense step, per backend, thread
// count and zoo model, side by side with a PyTorch reference of the same step (engine/bench/torch/),
// with the ratios CS/dense and ours/PyTorch. `--json` prints the same results as JSON on stdout;
// progress always goes to stderr so that stdout stays machine-readable.
import * as tf from '@tensorflow/tfjs-core';
import Table from 'cli-table3';
import { kernelsUseFusedMultiplyAdd } from '../backend/simd/relaxedSimd';
import { kernelThreadsFor } from '../backend/simd/wasmSimdKernels';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { benchMemory, type MemoryReport } from './memoryBench';
import { benchStatsOverhead, type StatsOverheadResult } from './statsOverhead';
import { availableParallelism } from 'node:os';
import { selectBackend, type BackendChoice } from '../backend/selectBackend';
import type { ZooModelName } from '../config/configSchema';
import { BENCH_HYPER, BENCH_SEED, benchCsVsDense, type StepBenchPlan } from './stepBench';
import { runTorchBench } from './torchReference';

type BenchBackend = Exclude<BackendChoice, 'auto'>;
type Engine = BenchBackend | 'pytorch';

/** Native first, as 'auto' would pick them; they are optional, so they usually report "not installed". */
const BACKENDS: readonly BenchBackend[] = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'];

interface BenchCase {
  model: ZooModelName;
  inputShape: number[];
  batchSize: number;
}

const MNIST: number[] = [28, 28, 1];
const CIFAR: number[] = [32, 32, 3];
const CASES: readonly BenchCase[] = [
  { model: 'lenet-300-100', inputShape: MNIST, batchSize: 64 }, // as measured in issue 7
  { model: 'lenet-300-100', inputShape: MNIST, batchSize: 128 }, // the search's default batch
  { model: 'conv2', inputShape: CIFAR, batchSize: 128 },
];
const NUM_CLASSES = 10;
const CORES = availableParallelism();
/** One thread, then every core: the targets ask for both. */
const THREAD_COUNTS: readonly number[] = CORES > 1 ? [1, CORES] : [1];

/**
 * Sized so the whole run stays within a few minutes on 2 cores. On 'wasm' and PyTorch a conv2 step at
 * batch 128 takes seconds, so it gets single-step blocks. tfjs-backend-cpu computes conv gradients with
 * per-element buffer reads, at well under one conv2 sample per second, so there conv2 runs at batch 1
 * (its ratio then weighs the per-step mask cost more than a batch of 128 would), and LeNet only at 128.
 */
function planFor(engine: Engine, c: BenchCase): StepBenchPlan | null {
  const base = { ...c, numClasses: NUM_CLASSES };
  if (c.model === 'lenet-300-100') {
    if (engine === 'cpu') {
      return c.batchSize === 128 ? { ...base, warmupSteps: 2, stepsPerBlock: 2, repetitions: 5 } : null;
    }
    // Blocks of about a quarter second (a LeNet step takes 4-10 ms): with the 50 ms blocks used before,
    // one garbage collection or a neighbour's burst moved a block's ratio by 10%.
    return { ...base, warmupSteps: 10, stepsPerBlock: c.batchSize < 128 ? 50 : 25, repetitions: 7 };
  }
  switch (engine) {
    case 'cpu':
      return { ...base, batchSize: 1, warmupSteps: 1, stepsPerBlock: 1, repetitions: 3 };
    case 'wasm':
    case 'pytorch':
      // Five pairs: with three, one disturbed step moved Conv-2's CS/dense from 0.97 to 0.88.
      return { ...base, warmupSteps: 1, stepsPerBlock: 1, repetitions: 5 };
    default:
      return { ...base, warmupSteps: 2, stepsPerBlock: 3, repetitions: 5 };
  }
}

interface OkRow {
  engine: Engine;
  threads: number;
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
  /** Our CS samples/s over PyTorch's at the same model, batch and threads; absent without a match. */
  csVsPytorch?: number;
  /** False if a loss went non-finite during the run, which can distort timings. */
  finiteLoss: boolean;
}

type BenchRow =
  OkRow | { engine: Engine; threads?: number; status: 'not installed' | 'unavailable'; reason: string };

interface BenchReport {
  tfjsCore: string;
  torch?: string;
  node: string;
  cores: number;
  date: string;
  rows: BenchRow[];
  /** Training throughput with the per-layer statistics streamed at the default interval and without. */
  statsStreaming?: StatsOverheadResult;
  /** With --memory: the engine's memory epoch by epoch through a ResNet-20 search. */
  memory?: MemoryReport;
  notes: string[];
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function benchBackend(backend: BenchBackend, threads: number, notes: string[]): Promise<BenchRow[]> {
  let actualThreads: number;
  try {
    const report = await selectBackend(backend, undefined, { wasmThreads: threads });
    actualThreads = report.threads ?? 1;
    // On a GPU machine, which GPU each row ran on.
    if (report.device && backend !== 'wasm' && backend !== 'cpu') notes.push(`${backend}: ${report.device}.`);
  } catch (err) {
    const reason = describe(err);
    // A missing package says where it was looked for; "not installed" alone also names a missing
    // system library (the Vulkan loader), where the backend is installed but cannot run.
    const status = / is not installed \(looked in /.test(reason) ? 'not installed' : 'unavailable';
    return [{ engine: backend, status, reason }];
  }
  if (actualThreads !== threads) {
    return [
      {
        engine: backend,
        threads,
        status: 'unavailable',
        reason: `runs ${actualThreads} thread(s) where ${threads} were asked for`,
      },
    ];
  }
  const rows: BenchRow[] = [];
  for (const c of CASES) {
    const plan = planFor(backend, c);
    if (plan === null) continue;
    process.stderr.write(
      `${backend} (${threads} thread(s)) ${c.model}: batch ${plan.batchSize}, ${plan.warmupSteps} warm-up + ` +
        `${plan.repetitions} x ${plan.stepsPerBlock} timed steps of each kind...\n`,
    );
    const r = await benchCsVsDense(plan);
    rows.push({
      engine: backend,
      threads,
      model: c.model,
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
    if (plan.batchSize !== c.batchSize) {
      notes.push(
        `${backend} ${c.model} ran at batch ${plan.batchSize}, not ${c.batchSize}, to keep the run short.`,
      );
    }
    if (!r.finite) notes.push(`${backend} ${c.model}: the loss went non-finite; its timings may be off.`);
  }
  if (backend === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    // Known once our kernels have compiled, i.e. after the cases ran.
    const fused = kernelsUseFusedMultiplyAdd() === true;
    const helpers = kernelThreadsFor(tf.backend() as BackendWasm);
    const ours = helpers
      ? `; our kernels on ${helpers.count} thread(s), ${helpers.helperCalls} calls run by helpers`
      : '';
    notes.push(
      `wasm, ${threads} thread(s): SIMD ${simd ? 'on' : 'off'}; our kernels' multiply-adds ${fused ? 'fused (relaxed SIMD)' : 'not fused'}${ours}.`,
    );
  }
  return rows;
}

/** Native backends use their own thread pools, whatever we ask: they get one row set, not one per count. */
const threadCountsFor = (backend: BenchBackend): readonly number[] =>
  backend === 'wasm' ? THREAD_COUNTS : [1];

function benchTorch(threads: number, report: BenchReport): BenchRow[] {
  const cases = CASES.flatMap((c) => {
    const plan = planFor('pytorch', c);
    return plan === null ? [] : [plan];
  });
  process.stderr.write(`PyTorch reference (${threads} thread(s)): ${cases.length} cases...\n`);
  const run = runTorchBench(threads, cases, BENCH_HYPER, BENCH_SEED);
  if (!run.ok) return [{ engine: 'pytorch', threads, status: 'unavailable', reason: run.reason }];
  report.torch = run.torchVersion;
  return run.results.map((r) => {
    const plan = cases.find((c) => c.model === r.model && c.batchSize === r.batchSize);
    return {
      engine: 'pytorch',
      threads: run.threads,
      model: r.model,
      status: 'ok',
      batchSize: r.batchSize,
      warmupSteps: plan?.warmupSteps ?? 0,
      stepsPerBlock: plan?.stepsPerBlock ?? 0,
      repetitions: plan?.repetitions ?? 0,
      csSamplesPerSec: r.csSamplesPerSec,
      denseSamplesPerSec: r.denseSamplesPerSec,
      csDenseRatio: r.csDenseRatio,
      finiteLoss: r.finiteLoss,
    };
  });
}

function addPytorchRatios(rows: BenchRow[]): void {
  const ok = rows.filter((r): r is OkRow => r.status === 'ok');
  for (const row of ok) {
    if (row.engine === 'pytorch') continue;
    const ref = ok.find(
      (r) =>
        r.engine === 'pytorch' &&
        r.threads === row.threads &&
        r.model === row.model &&
        r.batchSize === row.batchSize,
    );
    if (ref) row.csVsPytorch = row.csSamplesPerSec / ref.csSamplesPerSec;
  }
}

/** Enough significant digits to compare, without pretending to more precision than the noise allows. */
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2));

function printTable(report: BenchReport): void {
  // No head colours: the output is often piped or pasted.
  const table = new Table({
    head: [
      'engine',
      'threads',
      'model',
      'batch',
      'CS samples/s',
      'dense samples/s',
      'CS/dense',
      'CS ours/PyTorch',
    ],
    colAligns: ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
  });
  for (const row of report.rows) {
    if (row.status === 'ok') {
      table.push([
        row.engine,
        row.threads,
        row.model,
        row.batchSize,
        fmt(row.csSamplesPerSec),
        fmt(row.denseSamplesPerSec),
        row.csDenseRatio.toFixed(2),
        row.csVsPytorch === undefined ? '' : row.csVsPytorch.toFixed(2),
      ]);
    } else {
      // A failure other than a missing package is worth reading in full.
      const content = row.status === 'not installed' ? row.status : `${row.status}: ${row.reason}`;
      table.push([row.engine, row.threads ?? '', { content, colSpan: 6 }]);
    }
  }
  const torch = report.torch ? `, PyTorch ${report.torch}` : '';
  console.log(
    `${report.date}: tfjs-core ${report.tfjsCore}${torch}, Node ${report.node}, ${report.cores} cores`,
  );
  console.log(table.toString());
  const stats = report.statsStreaming;
  if (stats) {
    console.log(
      `Statistics streaming (wasm, LeNet-300-100, batch 64): ${fmt(stats.onSamplesPerSec)} samples/s with ` +
        `statistics every ${stats.intervalMs} ms, ${fmt(stats.offSamplesPerSec)} with only those at epoch ends: ` +
        `ratio ${stats.ratio.toFixed(3)} (cost ${((1 - stats.ratio) * 100).toFixed(1)}%).`,
    );
  }
  const memory = report.memory;
  if (memory) {
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    const counts = memory.epochs.map((e) => e.tensors).join(', ');
    console.log(
      `Memory (wasm, ResNet-20 CS, batch ${memory.batchSize}, ${memory.epochs.length} epochs): peak resident ` +
        `${mib(memory.peakRssBytes)}; live tensors at each epoch end ${counts} ` +
        `(growth after the first epoch: ${memory.tensorGrowth}); tensor bytes at the end ` +
        `${mib(memory.epochs[memory.epochs.length - 1]?.tensorBytes ?? 0)}.`,
    );
  }
  for (const note of report.notes) console.log(`- ${note}`);
}

const USAGE =
  'Usage: node dist/bench.js [--json] [--memory]  (--memory: also ResNet-20 memory over 10 epochs)';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const unknown = args.filter((a) => a !== '--json' && a !== '--memory');
  if (unknown.length > 0) {
    // A usage mistake, not a crash: no stack trace.
    console.error(`Unknown argument(s): ${unknown.join(' ')}. ${USAGE}`);
    process.exitCode = 2;
    return;
  }

  const report: BenchReport = {
    tfjsCore: tf.version_core,
    node: process.versions.node,
    cores: CORES,
    date: new Date().toISOString(),
    rows: [],
    notes: [],
  };
  // First, so the peak resident memory and the live tensors are the ResNet-20 search's own: the wasm
  // heap never shrinks, and the other benchmarks would leave theirs behind.
  if (args.includes('--memory')) {
    process.stderr.write('memory: a CS search on ResNet-20 at batch 128 for 10 epochs (wasm)...\n');
    report.memory = await benchMemory(() => selectBackend('wasm'));
  }
  for (const backend of BACKENDS) {
    for (const threads of threadCountsFor(backend)) {
      report.rows.push(...(await benchBackend(backend, threads, report.notes)));
    }
  }
  for (const threads of THREAD_COUNTS) report.rows.push(...benchTorch(threads, report));
  process.stderr.write(
    'statistics streaming: the same LeNet search with interval statistics on and off...\n',
  );
  // Nine pairs (about 45 s): the on/off difference is small against a shared machine's noise, and
  // with five, one disturbed pair moved the median by several percent.
  report.statsStreaming = await benchStatsOverhead(() => selectBackend('wasm'), 9);
  addPytorchRatios(report.rows);
  report.notes.push(
    'Samples/s are medians over timed blocks; CS and dense blocks alternate, after warm-up steps of each.',
    'CS/dense is the median of the paired per-block ratios, so it can differ slightly from the quotient of the two columns.',
    'CS ours/PyTorch compares CS samples/s at the same model, batch and thread count, measured in this run; ' +
      'the PyTorch reference computes the same step (test/engine/cs/torchReference.test.ts checks it).',
  );
  if (args.includes('--json')) console.log(JSON.stringify(report, null, 2));
  else printTable(report);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
