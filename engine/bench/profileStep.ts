// Where the time of one CS training step goes, on the wasm backend: wall time per phase (mask
// computation, penalty, forward + backward, each optimiser, reading the step summary back, making a
// batch) and the kernels a whole step runs. Not part of `npm run bench`; run it with
//   npx tsx engine/bench/profileStep.ts [--threads N]
// Its findings are summarised in engine/bench/PROFILE.md.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend/selectBackend';
import type { ZooModelName } from '../config/configSchema';
import { MaskedModel } from '../cs/maskedModel';
import { NesterovSgd } from '../cs/nesterovSgd';
import { crossEntropy, trainStep, type Batch } from '../cs/trainStep';
import { listMaskableLayers } from '../models/maskableLayers';
import { buildZooModel } from '../models/zoo';
import { BENCH_HYPER, BENCH_SEED, median } from './stepBench';

interface Case {
  model: ZooModelName;
  inputShape: number[];
  batchSize: number;
  reps: number;
}

const CASES: Case[] = [
  { model: 'lenet-300-100', inputShape: [28, 28, 1], batchSize: 64, reps: 30 },
  { model: 'conv2', inputShape: [32, 32, 3], batchSize: 128, reps: 3 },
];
const NUM_CLASSES = 10;

/** Median wall milliseconds of `f` (wasm kernels run synchronously, so the call's time is theirs). */
async function timeMs(reps: number, f: () => void | Promise<void>): Promise<number> {
  await f(); // warm-up: first calls allocate and set up XNNPACK operators
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await f();
    ms.push(performance.now() - start);
  }
  return median(ms);
}

async function profileCase(c: Case): Promise<void> {
  const built = buildZooModel(c.model, {
    inputShape: c.inputShape,
    numClasses: NUM_CLASSES,
    seed: BENCH_SEED,
  });
  const h = BENCH_HYPER;
  const mm = new MaskedModel(built.model, listMaskableLayers(built.model, built.denseByDefault), h.maskInit);
  const weightOpt = new NesterovSgd(mm.trainableWeights(), {
    momentum: h.momentum,
    weightDecay: h.weightDecay,
  });
  const maskOpt = new NesterovSgd(mm.maskLogits(), { momentum: h.momentum, weightDecay: 0 });
  const inputSize = c.inputShape.reduce((a, b) => a * b, 1);
  const host = new Float32Array(c.batchSize * inputSize).map(() => Math.random());
  const hostLabels = new Int32Array(c.batchSize).map((_, i) => i % NUM_CLASSES);
  const batch: Batch = {
    x: tf.tensor(host, [c.batchSize, ...c.inputShape]),
    labels: tf.tensor1d(hostLabels, 'int32'),
    size: c.batchSize,
  };
  const soft = () => mm.setMode({ kind: 'soft', temperature: h.temperature });
  const dense = () => mm.setMode({ kind: 'dense' });
  const csStep = () =>
    trainStep(mm, batch, NUM_CLASSES, h.lambda, weightOpt, maskOpt, h.learningRate, h.maskLearningRate).then(
      () => {},
    );
  const denseStep = () =>
    trainStep(mm, batch, NUM_CLASSES, 0, weightOpt, null, h.learningRate, 0).then(() => {});
  const lossGrads = (lambda: number, vars: tf.Variable[]) => () => {
    const { value, grads } = tf.variableGrads(
      () =>
        tf.add(
          crossEntropy(mm.model.apply(batch.x, { training: true }) as tf.Tensor, batch.labels, NUM_CLASSES),
          mm.penalty(lambda),
        ) as tf.Scalar,
      vars,
    );
    tf.dispose([value, ...Object.values(grads)]);
  };
  const allVars = [...weightOpt.params, ...maskOpt.params];

  soft();
  const t = {
    csStep: await timeMs(c.reps, csStep),
    maskForward: await timeMs(c.reps, () => {
      tf.dispose(tf.tidy(() => mm.masked.map((k) => tf.mul(k.weight, mm.mask(k)))));
    }),
    penalty: await timeMs(c.reps, () => tf.dispose(mm.penalty(h.lambda))),
    csForwardBackward: await timeMs(c.reps, lossGrads(h.lambda, allVars)),
  };
  // Optimisers on zero gradients: their cost does not depend on the values.
  const zerosW = weightOpt.params.map((p) => tf.zerosLike(p));
  const zerosM = maskOpt.params.map((p) => tf.zerosLike(p));
  const weightOptMs = await timeMs(c.reps, () => weightOpt.step(zerosW, h.learningRate));
  const maskOptMs = await timeMs(c.reps, () => maskOpt.step(zerosM, h.maskLearningRate));
  tf.dispose([...zerosW, ...zerosM]);
  const readBack = await timeMs(c.reps, async () => {
    const s = tf.stack([tf.scalar(1), tf.scalar(2), tf.scalar(3)]);
    await s.data();
    tf.dispose(s);
  });
  const makeBatch = await timeMs(c.reps, () => {
    tf.dispose([
      tf.tensor(host.slice(), [c.batchSize, ...c.inputShape]),
      tf.tensor1d(hostLabels.slice(), 'int32'),
    ]);
  });
  dense();
  const denseStepMs = await timeMs(c.reps, denseStep);
  const denseFwdBwd = await timeMs(c.reps, lossGrads(0, weightOpt.params));

  // Kernels of one CS step; CHECK_COMPUTATION_FOR_ERRORS would read every output back to look for NaN.
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  soft();
  const profile = await tf.profile(csStep);
  const byKernel = new Map<string, { count: number; ms: number }>();
  let kernelMs = 0;
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const entry = byKernel.get(k.name) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += ms;
    byKernel.set(k.name, entry);
    kernelMs += ms;
  }
  const scalarInputs = profile.kernels.filter((k) =>
    k.inputShapes.some((s) => s != null && s.length === 0),
  ).length;

  const f = (x: number) => x.toFixed(2);
  console.log(`\n## ${c.model}, batch ${c.batchSize}, ${tf.getBackend()}`);
  console.log(
    `CS step ${f(t.csStep)} ms (${((c.batchSize / t.csStep) * 1000).toFixed(0)} samples/s); dense step ${f(denseStepMs)} ms; CS/dense time ${f(t.csStep / denseStepMs)}`,
  );
  console.log(`  forward+backward: CS ${f(t.csForwardBackward)} ms, dense ${f(denseFwdBwd)} ms`);
  console.log(
    `  of which mask forward W*sigmoid(T*s)/sigmoid(s0): ${f(t.maskForward)} ms; penalty (recomputes the masks): ${f(t.penalty)} ms`,
  );
  console.log(
    `  mask backward (CS fwd+bwd - dense fwd+bwd - mask forward - penalty): ${f(t.csForwardBackward - denseFwdBwd - t.maskForward - t.penalty)} ms`,
  );
  console.log(`  weight optimiser ${f(weightOptMs)} ms, mask optimiser ${f(maskOptMs)} ms`);
  console.log(
    `  summary read-back ${f(readBack)} ms; making a batch tensor from host memory ${f(makeBatch)} ms`,
  );
  console.log(
    `  kernels per CS step: ${profile.kernels.length} (${scalarInputs} with a scalar input), kernel time ${f(kernelMs)} ms of ${f(t.csStep)} ms wall`,
  );
  const top = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12);
  for (const [name, e] of top)
    console.log(`    ${name.padEnd(24)} x${String(e.count).padStart(3)}  ${f(e.ms)} ms`);

  tf.dispose([batch.x, batch.labels]);
  weightOpt.dispose();
  maskOpt.dispose();
  mm.dispose();
  built.model.dispose();
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--threads');
  const threads = i >= 0 ? Number(process.argv[i + 1]) : 1;
  const report = await selectBackend('wasm', undefined, { wasmThreads: threads });
  console.log(
    `wasm backend, ${report.threads ?? '?'} thread(s)${report.threadsReason ? ` (${report.threadsReason})` : ''}`,
  );
  for (const c of CASES) await profileCase(c);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
