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

// The search's defaults (configSchema): weight decay on weights only, Nesterov momentum 0.9, T = 1 at the
// start of a round. The learning rates are lower than the search's 0.1 so that random labels cannot blow
// the weights up to Inf/NaN within the run, which would make the arithmetic unrepresentative.
const MOMENTUM = 0.9;
const WEIGHT_DECAY = 1e-4;
const LEARNING_RATE = 0.01;
const MASK_LEARNING_RATE = 0.01;
const LAMBDA = 1e-8;
const TEMPERATURE = 1;
const MASK_INIT = 0;
const SEED = 1234;

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
    seed: SEED,
  });
  const mm = new MaskedModel(built.model, listMaskableLayers(built.model, built.denseByDefault), MASK_INIT);
  const weightOpt = new NesterovSgd(mm.trainableWeights(), { momentum: MOMENTUM, weightDecay: WEIGHT_DECAY });
  const maskOpt = new NesterovSgd(mm.maskLogits(), { momentum: MOMENTUM, weightDecay: 0 });
  // Random values are enough: no kernel's speed depends on them (while they stay finite).
  const batch: Batch = {
    x: tf.randomNormal([plan.batchSize, ...plan.inputShape], 0, 1, 'float32', SEED),
    labels: tf.randomUniform([plan.batchSize], 0, plan.numClasses, 'int32', SEED) as tf.Tensor1D,
    size: plan.batchSize,
  };
  let finite = true;

  // trainStep awaits its summary, so each call returns only once the backend has finished the step.
  const runBlock = async (cs: boolean, steps: number): Promise<number> => {
    mm.setMode(cs ? { kind: 'soft', temperature: TEMPERATURE } : { kind: 'dense' });
    const start = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) {
      const r = cs
        ? await trainStep(
            mm,
            batch,
            plan.numClasses,
            LAMBDA,
            weightOpt,
            maskOpt,
            LEARNING_RATE,
            MASK_LEARNING_RATE,
          )
        : await trainStep(mm, batch, plan.numClasses, 0, weightOpt, null, LEARNING_RATE, 0);
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
