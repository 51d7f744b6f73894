// Times one CS training step against the same dense step, on whatever backend is active. Both run on
// one model and one batch, in alternating timed blocks, so that load from other processes on a shared
// machine slows both alike and the CS/dense ratio stays meaningful even when absolute numbers wobble.
import * as tf from '@tensorflow/tfjs-core';
import type { ZooModelName } from '../config/configSchema';
import { MaskedModel } from '../cs/maskedModel';
import { NesterovSgd } from '../cs/nesterovSgd';
import { trainStep, type Batch } from '../cs/trainStep';
import { listMaskableLayers } from '../models/maskableLayers';
import { buildZooModel } from '../models/zoo';

export interface StepBenchPlan {
  model: ZooModelName;
  inputShape: number[];
  numClasses: number;
  batchSize: number;
  /** Untimed steps of each kind first: the first steps allocate, compile and page in kernels. */
  warmupSteps: number;
  /** Steps in one timed block; a block is timed as a whole so per-step timer overhead vanishes. */
  stepsPerBlock: number;
  /** Timed CS blocks (and as many dense blocks); medians are taken over these. */
  repetitions: number;
}

export interface StepBenchResult {
  csSamplesPerSec: number;
  denseSamplesPerSec: number;
  /** Median of the per-repetition CS/dense ratios: each pair ran back to back, under the same load. */
  ratio: number;
  /** False if a loss went NaN/Inf: such values can run at a different speed, so the numbers are suspect. */
  finite: boolean;
}

/** What both our step and the PyTorch reference's step train with (cs_step_bench.py reads these names). */
export interface StepBenchHyper {
  learningRate: number;
  maskLearningRate: number;
  momentum: number;
  weightDecay: number;
  lambda: number;
  temperature: number;
  maskInit: number;
}

// The search's defaults (configSchema): weight decay on weights only, Nesterov momentum 0.9, T = 1 at the
// start of a round. The learning rates are lower than the search's 0.1 so that random labels cannot blow
// the weights up to Inf/NaN within the run, which would make the arithmetic unrepresentative.
export const BENCH_HYPER: Readonly<StepBenchHyper> = {
  learningRate: 0.01,
  maskLearningRate: 0.01,
  momentum: 0.9,
  weightDecay: 1e-4,
  lambda: 1e-8,
  temperature: 1,
  maskInit: 0,
};
export const BENCH_SEED = 1234;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function benchCsVsDense(plan: StepBenchPlan): Promise<StepBenchResult> {
  // Built after the backend switch, so every variable lives on the backend being measured.
  const built = buildZooModel(plan.model, {
    inputShape: plan.inputShape,
    numClasses: plan.numClasses,
    seed: BENCH_SEED,
  });
  const mm = new MaskedModel(
    built.model,
    listMaskableLayers(built.model, built.denseByDefault),
    BENCH_HYPER.maskInit,
  );
  const { momentum, weightDecay, lambda, temperature, learningRate, maskLearningRate } = BENCH_HYPER;
  const weightOpt = new NesterovSgd(mm.trainableWeights(), { momentum, weightDecay });
  const maskOpt = new NesterovSgd(mm.maskLogits(), { momentum, weightDecay: 0 });
  // Random values are enough: no kernel's speed depends on them (while they stay finite).
  const batch: Batch = {
    x: tf.randomNormal([plan.batchSize, ...plan.inputShape], 0, 1, 'float32', BENCH_SEED),
    labels: tf.randomUniform([plan.batchSize], 0, plan.numClasses, 'int32', BENCH_SEED) as tf.Tensor1D,
    size: plan.batchSize,
  };
  let finite = true;

  // trainStep awaits its summary, so each call returns only once the backend has finished the step.
  const runBlock = async (cs: boolean, steps: number): Promise<number> => {
    mm.setMode(cs ? { kind: 'soft', temperature } : { kind: 'dense' });
    const start = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) {
      const r = cs
        ? await trainStep(
            mm,
            batch,
            plan.numClasses,
            lambda,
            weightOpt,
            maskOpt,
            learningRate,
            maskLearningRate,
          )
        : await trainStep(mm, batch, plan.numClasses, 0, weightOpt, null, learningRate, 0);
      finite &&= Number.isFinite(r.crossEntropy);
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return (steps * plan.batchSize) / seconds;
  };

  try {
    await runBlock(true, plan.warmupSteps);
    await runBlock(false, plan.warmupSteps);
    const cs: number[] = [];
    const dense: number[] = [];
    for (let rep = 0; rep < plan.repetitions; rep++) {
      // Alternate which kind goes first, so a slow drift (thermal, a neighbour starting) is not
      // always charged to the same side.
      if (rep % 2 === 0) {
        cs.push(await runBlock(true, plan.stepsPerBlock));
        dense.push(await runBlock(false, plan.stepsPerBlock));
      } else {
        dense.push(await runBlock(false, plan.stepsPerBlock));
        cs.push(await runBlock(true, plan.stepsPerBlock));
      }
    }
    return {
      csSamplesPerSec: median(cs),
      denseSamplesPerSec: median(dense),
      ratio: median(cs.map((c, i) => c / dense[i])),
      finite,
    };
  } finally {
    tf.dispose([batch.x, batch.labels]);
    weightOpt.dispose();
    maskOpt.dispose();
    mm.dispose();
    built.model.dispose();
  }
}
