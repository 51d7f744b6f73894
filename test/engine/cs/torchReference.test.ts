// The PyTorch reference that `npm run bench` measures us against (engine/bench/torch/) computes what
// our engine computes: from the same initial weights, mask logits and batch, the same CS loss, the same
// gradients and the same weights after two training steps (the second one uses the momentum buffers).
// Without this, a faster or slower reference could simply be computing something else.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../engine/backend/selectBackend';
import { findTorchPython, torchScriptDir } from '../../../engine/bench/torchPython';
import type { ZooModelName } from '../../../engine/config/configSchema';
import { MaskedModel } from '../../../engine/cs/maskedModel';
import { NesterovSgd } from '../../../engine/cs/nesterovSgd';
import { crossEntropy, trainStep } from '../../../engine/cs/trainStep';
import { listMaskableLayers } from '../../../engine/models/maskableLayers';
import { buildZooModel } from '../../../engine/models/zoo';

// Values chosen so that every term shows in the result: a weight decay large enough to move the
// weights as much as the gradient does, a penalty whose gradient is comparable to the cross
// entropy's, s0 != 0 (so 1/sigmoid(s0) is not 2) and T != 1.
const HYPER = {
  learningRate: 0.1,
  maskLearningRate: 0.05,
  momentum: 0.9,
  weightDecay: 0.05,
  lambda: 1e-3,
  temperature: 2.5,
  maskInit: 0.1,
};
const STEPS = 2;
const BATCH = 6;
const NUM_CLASSES = 10;
/**
 * The penalty sums ~370k float32 mask values, and backends accumulate in different orders (wasm's
 * Sum differs from PyTorch's by ~1e-5 relative); gradients are per-weight sums of a few hundred terms.
 */
const LOSS_RTOL = 1e-4;
const GRAD_RTOL = 1e-4;
const UPDATE_RTOL = 1e-3;

interface TorchOut {
  losses: { crossEntropy: number; penalty: number }[];
  grads: Record<string, number[]>;
  params: Record<string, number[]>;
  logits: Record<string, number[]>;
}

/** max |a - b| within `rtol` of the largest |b| (float32 sums in another order differ in the last bits). */
function assertClose(what: string, a: ArrayLike<number>, b: ArrayLike<number>, rtol: number): void {
  assert.equal(a.length, b.length, `${what}: ${a.length} values, the reference has ${b.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  assert.ok(maxRef > 0, `${what}: the reference is all zeros, which proves nothing`);
  assert.ok(maxDiff <= rtol * maxRef, `${what}: max |ours - torch| = ${maxDiff}, max |torch| = ${maxRef}`);
}

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

async function compareOneModel(model: ZooModelName, inputShape: number[], python: string): Promise<void> {
  const built = buildZooModel(model, { inputShape, numClasses: NUM_CLASSES, seed: 7 });
  const mm = new MaskedModel(
    built.model,
    listMaskableLayers(built.model, built.denseByDefault),
    HYPER.maskInit,
  );
  const weightOpt = new NesterovSgd(mm.trainableWeights(), {
    momentum: HYPER.momentum,
    weightDecay: HYPER.weightDecay,
  });
  const maskOpt = new NesterovSgd(mm.maskLogits(), { momentum: HYPER.momentum, weightDecay: 0 });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-torch-'));
  const x = tf.randomNormal([BATCH, ...inputShape], 0, 1, 'float32', 11);
  const labels = tf.tensor1d(
    Array.from({ length: BATCH }, (_, i) => (i * 7) % NUM_CLASSES),
    'int32',
  );
  try {
    // Logits spread around s0, so the masks differ from one weight to the next.
    mm.masked.forEach((k, i) =>
      tf.tidy(() => k.logits.assign(tf.randomNormal(k.shape, HYPER.maskInit, 1, 'float32', 100 + i))),
    );
    mm.setMode({ kind: 'soft', temperature: HYPER.temperature });
    const before = new Map(mm.variables.map((v) => [v.name, values(v.variable)]));
    const logitsBefore = new Map(mm.masked.map((k) => [k.layerName, values(k.logits)]));
    const input = {
      model,
      inputShape,
      numClasses: NUM_CLASSES,
      steps: STEPS,
      hyper: HYPER,
      x: values(x),
      labels: values(labels),
      params: Object.fromEntries(before),
      logits: Object.fromEntries(logitsBefore),
    };
    writeFileSync(path.join(dir, 'in.json'), JSON.stringify(input));
    const script = path.join(torchScriptDir(), 'cs_step_check.py');
    const run = spawnSync(python, ['-B', script, path.join(dir, 'in.json'), path.join(dir, 'out.json')], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, `${script} failed: ${run.error?.message ?? run.stderr}`);
    const torch = JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8')) as TorchOut;

    // Gradients of CE + penalty at the initial weights, as trainStep differentiates them.
    const varList = [...mm.trainableWeights(), ...mm.maskLogits()];
    const { value, grads } = tf.variableGrads(
      () =>
        tf.add(
          crossEntropy(mm.model.apply(x, { training: true }) as tf.Tensor, labels, NUM_CLASSES),
          mm.penalty(HYPER.lambda),
        ) as tf.Scalar,
      varList,
    );
    const expectedLoss = torch.losses[0].crossEntropy + torch.losses[0].penalty;
    assertClose(`${model} loss`, values(value), [expectedLoss], LOSS_RTOL);
    for (const v of mm.variables) {
      assertClose(
        `${model} d loss / d ${v.name}`,
        values(grads[v.variable.name]),
        torch.grads[v.name],
        GRAD_RTOL,
      );
    }
    for (const k of mm.masked) {
      assertClose(
        `${model} d loss / d ${k.layerName} logits`,
        values(grads[k.logits.name]),
        torch.grads[`${k.layerName}/logits`],
        GRAD_RTOL,
      );
    }
    tf.dispose([value, ...Object.values(grads)]);

    for (let step = 0; step < STEPS; step++) {
      const r = await trainStep(
        mm,
        { x, labels, size: BATCH },
        NUM_CLASSES,
        HYPER.lambda,
        weightOpt,
        maskOpt,
        HYPER.learningRate,
        HYPER.maskLearningRate,
      );
      assertClose(
        `${model} step ${step + 1} cross entropy`,
        [r.crossEntropy],
        [torch.losses[step].crossEntropy],
        LOSS_RTOL,
      );
      assertClose(`${model} step ${step + 1} penalty`, [r.penalty], [torch.losses[step].penalty], LOSS_RTOL);
    }
    // The updates (after - before), not the weights themselves: a wrong update would hide in the last
    // digits of a weight many times its size.
    const update = (after: number[], was: number[]) => after.map((a, i) => a - was[i]);
    for (const v of mm.variables) {
      const was = before.get(v.name) ?? [];
      assertClose(
        `${model} update of ${v.name}`,
        update(values(v.variable), was),
        update(torch.params[v.name], was),
        UPDATE_RTOL,
      );
    }
    for (const k of mm.masked) {
      const was = logitsBefore.get(k.layerName) ?? [];
      assertClose(
        `${model} update of ${k.layerName} logits`,
        update(values(k.logits), was),
        update(torch.logits[k.layerName], was),
        UPDATE_RTOL,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    tf.dispose([x, labels]);
    weightOpt.dispose();
    maskOpt.dispose();
    mm.dispose();
    built.model.dispose();
  }
}

describe('the PyTorch reference of the benchmark computes what our engine computes', function () {
  this.timeout(180_000);
  let python: string;

  before(function () {
    const found = findTorchPython();
    // Not skipped when torch is missing: CI installs python3-torch (.ci/run), so there a missing torch
    // is a broken setup, and locally the failure says what to install.
    if (!found.ok) {
      const where = process.env.CI
        ? 'CI must install python3-torch (.ci/run does)'
        : 'run .ci/run or apt-get install python3-torch';
      throw new Error(`${found.reason}. ${where}.`);
    }
    python = found.python;
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    describe(`on the ${backend} backend`, () => {
      before(async () => {
        await selectBackend(backend);
      });
      it('LeNet-300-100 (MNIST shape): same loss, gradients and two steps of updates', async () => {
        await compareOneModel('lenet-300-100', [28, 28, 1], python);
      });
      it('Conv-2 (on 8x8x3 images): same loss, gradients and two steps of updates', async () => {
        await compareOneModel('conv2', [8, 8, 3], python);
      });
    });
  }
});
