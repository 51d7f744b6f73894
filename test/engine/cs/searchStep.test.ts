// The search's training step (trainStep.ts searchStep: masks computed before the forward pass, autodiff
// only as far as the masked weights, both updates from maskedStep) against the step written the plain
// way: autodiff of cross-entropy + penalty in every variable, then each optimiser's step. On each
// backend's kernels, on wasm's stock-kernel route, and with wasm's in-place update both taken and
// refused.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../engine/backend/selectBackend';
import { CS_MASKED_STEP } from '../../../engine/cs/csKernelNames';
import { MaskedModel } from '../../../engine/cs/maskedModel';
import { NesterovSgd } from '../../../engine/cs/nesterovSgd';
import { crossEntropy, trainStep, type StepResult } from '../../../engine/cs/trainStep';
import { listMaskableLayers } from '../../../engine/models/maskableLayers';
import { buildZooModel } from '../../../engine/models/zoo';

// Every term shows: weight decay on both optimisers (the logits' is 0 in the search, but the kernel
// takes any), a penalty whose gradient is comparable to the cross-entropy's, s0 != 0 and T != 1.
const H = {
  learningRate: 0.05,
  maskLearningRate: 0.1,
  weightMomentum: 0.9,
  maskMomentum: 0.8,
  weightDecay: 0.01,
  maskWeightDecay: 0.002,
  lambda: 1e-3,
  temperature: 2.5,
  maskInit: 0.1,
};
const STEPS = 3;
const BATCH = 8;

interface Outcome {
  results: StepResult[];
  /** Every variable, logits and momentum buffer after the steps, by a stable name. */
  values: Map<string, Float32Array>;
  tensorsGained: number;
  /** Per step: whether every masked kernel kept its dataId (was updated in place). */
  inPlace: boolean[];
}

type Route = 'search' | 'autodiff';

async function train(route: Route, holdCopies = false): Promise<Outcome> {
  const built = buildZooModel('lenet-300-100', { inputShape: [28, 28, 1], numClasses: 10, seed: 3 });
  const mm = new MaskedModel(built.model, listMaskableLayers(built.model, built.denseByDefault), H.maskInit);
  mm.masked.forEach((k, i) =>
    tf.tidy(() => k.logits.assign(tf.randomNormal(k.shape, H.maskInit, 1, 'float32', 50 + i))),
  );
  mm.setMode({ kind: 'soft', temperature: H.temperature });
  const weightOpt = new NesterovSgd(mm.trainableWeights(), {
    momentum: H.weightMomentum,
    weightDecay: H.weightDecay,
  });
  const maskOpt = new NesterovSgd(mm.maskLogits(), {
    momentum: H.maskMomentum,
    weightDecay: H.maskWeightDecay,
  });
  const x = tf.randomNormal([BATCH, 28, 28, 1], 0, 1, 'float32', 9);
  const labels = tf.tensor1d(
    Array.from({ length: BATCH }, (_, i) => (i * 3) % 10),
    'int32',
  );
  const before = tf.memory().numTensors;
  const results: StepResult[] = [];
  const inPlace: boolean[] = [];
  for (let step = 0; step < STEPS; step++) {
    // A copy sharing each masked kernel's data (wasm's Identity shares it): the in-place update must
    // see it and write elsewhere, or the copy would change too.
    const held = holdCopies ? mm.masked.map((k) => tf.clone(k.weight)) : [];
    const heldBefore = held.map((t) => t.dataSync().slice());
    const ids = mm.masked.map((k) => k.weight.dataId);
    if (route === 'search') {
      results.push(
        await trainStep(
          mm,
          { x, labels, size: BATCH },
          10,
          H.lambda,
          weightOpt,
          maskOpt,
          H.learningRate,
          H.maskLearningRate,
        ),
      );
    } else {
      results.push(autodiffStep(mm, x, labels, weightOpt, maskOpt));
    }
    inPlace.push(mm.masked.every((k, i) => k.weight.dataId === ids[i]));
    held.forEach((t, i) =>
      assert.deepEqual(t.dataSync(), heldBefore[i], 'a copy of a weight changed with it'),
    );
    tf.dispose(held);
  }
  const tensorsGained = tf.memory().numTensors - before;
  const values = new Map<string, Float32Array>();
  mm.variables.forEach((v) => values.set(v.name, v.variable.dataSync() as Float32Array));
  mm.masked.forEach((k) => values.set(`${k.layerName}/logits`, k.logits.dataSync() as Float32Array));
  weightOpt.state().forEach((b, i) => values.set(`weight buffer ${i}`, b.dataSync() as Float32Array));
  maskOpt.state().forEach((b, i) => values.set(`mask buffer ${i}`, b.dataSync() as Float32Array));
  tf.dispose([x, labels]);
  weightOpt.dispose();
  maskOpt.dispose();
  mm.dispose();
  built.model.dispose();
  return { results, values, tensorsGained, inPlace };
}

/** The step as autodiff gives it: the reference the search's written-out step must match. */
function autodiffStep(
  mm: MaskedModel,
  x: tf.Tensor,
  labels: tf.Tensor1D,
  weightOpt: NesterovSgd,
  maskOpt: NesterovSgd,
): StepResult {
  return tf.tidy(() => {
    let ce = 0;
    let penalty = 0;
    const { grads } = tf.variableGrads(() => {
      const c = crossEntropy(mm.model.apply(x, { training: true }) as tf.Tensor, labels, 10);
      const p = mm.penalty(H.lambda);
      ce = c.dataSync()[0];
      penalty = p.dataSync()[0];
      return tf.add(c, p) as tf.Scalar;
    }, [...weightOpt.params, ...maskOpt.params]);
    weightOpt.step(
      weightOpt.params.map((p) => grads[p.name]),
      H.learningRate,
    );
    maskOpt.step(
      maskOpt.params.map((p) => grads[p.name]),
      H.maskLearningRate,
    );
    return { crossEntropy: ce, penalty, correct: NaN };
  });
}

function assertClose(label: string, actual: Float32Array, expected: Float32Array, rtol: number): void {
  assert.equal(actual.length, expected.length, label);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < actual.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  assert.ok(maxRef > 0, `${label}: all zeros, which proves nothing`);
  assert.ok(maxDiff <= rtol * maxRef, `${label}: max difference ${maxDiff}, max value ${maxRef}`);
}

function assertSameOutcome(actual: Outcome, expected: Outcome, rtol: number): void {
  assert.deepEqual([...actual.values.keys()], [...expected.values.keys()]);
  for (const [name, value] of expected.values)
    assertClose(name, actual.values.get(name) as Float32Array, value, rtol);
  actual.results.forEach((r, i) => {
    const e = expected.results[i];
    assert.ok(Math.abs(r.crossEntropy - e.crossEntropy) <= 1e-5 * e.crossEntropy, `step ${i} cross-entropy`);
    assert.ok(Math.abs(r.penalty - e.penalty) <= 1e-5 * e.penalty, `step ${i} penalty`);
  });
}

describe('trainStep: the search step written out', () => {
  // After three steps float32 rounding in another order has grown to ~1e-6 of each tensor's range.
  const RTOL = 1e-4;

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`matches autodiff of CE + penalty followed by both optimisers' steps (${backend})`, async () => {
      await selectBackend(backend);
      const expected = await train('autodiff');
      const actual = await train('search');
      assertSameOutcome(actual, expected, RTOL);
      assert.equal(actual.tensorsGained, 0, 'the search step leaves no tensor behind');
      assert.ok(expected.results[0].penalty > 0.1, 'the penalty is large enough to matter');
    });
  }

  it('wasm: the same through stock kernels where the fused step is missing (the GPU backends)', async () => {
    await selectBackend('wasm');
    const kernel = tf.getKernel(CS_MASKED_STEP, 'wasm');
    assert.ok(kernel, 'wasm has the fused step');
    const fused = await train('search');
    tf.unregisterKernel(CS_MASKED_STEP, 'wasm');
    try {
      assertSameOutcome(await train('search'), fused, RTOL);
    } finally {
      tf.registerKernel(kernel);
    }
  });

  it('trains the logits of a masked kernel the weight optimiser leaves alone (a frozen layer)', async () => {
    await selectBackend('wasm');
    const built = buildZooModel('lenet-300-100', { inputShape: [28, 28, 1], numClasses: 10, seed: 3 });
    const mm = new MaskedModel(
      built.model,
      listMaskableLayers(built.model, built.denseByDefault),
      H.maskInit,
    );
    mm.setMode({ kind: 'soft', temperature: H.temperature });
    const frozen = mm.masked[0];
    const weightOpt = new NesterovSgd(
      mm.trainableWeights().filter((p) => p !== frozen.weight),
      { momentum: 0.9, weightDecay: 0 },
    );
    const maskOpt = new NesterovSgd(mm.maskLogits(), { momentum: 0.9, weightDecay: 0 });
    const x = tf.randomNormal([BATCH, 28, 28, 1], 0, 1, 'float32', 9);
    const labels = tf.tensor1d(new Array<number>(BATCH).fill(1), 'int32');
    const [w0, s0] = [frozen.weight.dataSync().slice(), frozen.logits.dataSync().slice()];
    await trainStep(mm, { x, labels, size: BATCH }, 10, H.lambda, weightOpt, maskOpt, 0.1, 0.1);
    assert.deepEqual(frozen.weight.dataSync(), w0, 'the frozen weights stay');
    assert.notDeepEqual(frozen.logits.dataSync(), s0, 'its logits train');
    tf.dispose([x, labels]);
    [weightOpt, maskOpt, mm].forEach((d) => d.dispose());
    built.model.dispose();
  });

  it('wasm: the in-place update gives bit for bit what fresh outputs give, and leaves shared data alone', async () => {
    await selectBackend('wasm');
    const inPlace = await train('search');
    // Holding a copy of each weight shares its data, which makes the kernel write fresh outputs.
    const fresh = await train('search', true);
    assert.deepEqual(inPlace.inPlace, [true, true, true]);
    assert.deepEqual(fresh.inPlace, [false, false, false]);
    for (const [name, value] of fresh.values) assert.deepEqual(inPlace.values.get(name), value, name);
  });
});
