// The webgpu backend trains the same network as the cpu backend: a few CS steps from the same
// initial weights and batches give the same losses, and change every weight and mask logit by the
// same amounts, to float32 GPU precision. Where Dawn finds no GPU adapter (CI, this repository's own
// machines), the same test checks instead what a user there gets: 'auto' passes over webgpu, says
// that no adapter was found and why, and trains on wasm.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's gradients, which a run of this file alone would otherwise lack.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../engine/backend/selectBackend';
import type { ZooModelName } from '../../engine/config/configSchema';
import { MaskedModel } from '../../engine/cs/maskedModel';
import { NesterovSgd } from '../../engine/cs/nesterovSgd';
import { trainStep } from '../../engine/cs/trainStep';
import { listMaskableLayers } from '../../engine/models/maskableLayers';
import { buildZooModel } from '../../engine/models/zoo';
import { BENCH_HYPER } from '../../engine/bench/stepBench';

const NUM_CLASSES = 10;
const INPUT_SHAPE = [14, 14, 1];
const BATCH = 8;
const STEPS = 3;
/**
 * float32 on a GPU sums in a different order (and may fuse multiply-adds) than the cpu backend.
 * Losses are compared value by value. A variable is compared by how much the steps changed it, as a
 * whole: a bias's gradient sums thousands of terms that largely cancel, which costs it about 1e-3 of
 * its own size in float32 on any two backends (wasm and cpu differ by that much too), while a wrong
 * kernel gets the change wrong by about its whole size.
 */
const LOSS_RTOL = 1e-3;
const CHANGE_RTOL = 1e-2;

interface Trained {
  losses: number[];
  /** Every weight and mask logit before the first step and after the last, in the model's order. */
  initial: Float32Array[];
  values: Float32Array[];
}

/** Deterministic inputs from host memory, so both backends see identical batches. */
function hostBatches(): { x: Float32Array; labels: Int32Array }[] {
  let s = 7;
  const random = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const size = INPUT_SHAPE.reduce((a, b) => a * b, 1);
  return Array.from({ length: STEPS }, () => ({
    x: Float32Array.from({ length: BATCH * size }, random),
    labels: Int32Array.from({ length: BATCH }, () => Math.floor(random() * NUM_CLASSES)),
  }));
}

/** STEPS CS steps of `model` on the active backend, built from the same seed each time. */
async function trainCs(model: ZooModelName): Promise<Trained> {
  const h = BENCH_HYPER;
  const built = buildZooModel(model, { inputShape: INPUT_SHAPE, numClasses: NUM_CLASSES, seed: 99 });
  const mm = new MaskedModel(built.model, listMaskableLayers(built.model, built.denseByDefault), h.maskInit);
  mm.setMode({ kind: 'soft', temperature: 2 });
  const weightOpt = new NesterovSgd(mm.trainableWeights(), {
    momentum: h.momentum,
    weightDecay: h.weightDecay,
  });
  const maskOpt = new NesterovSgd(mm.maskLogits(), { momentum: h.momentum, weightDecay: 0 });
  const losses: number[] = [];
  const read = () =>
    Promise.all([...weightOpt.params, ...maskOpt.params].map(async (v) => (await v.data()) as Float32Array));
  try {
    const initial = await read();
    for (const b of hostBatches()) {
      const x = tf.tensor(b.x, [BATCH, ...INPUT_SHAPE]);
      const labels = tf.tensor1d(b.labels, 'int32');
      // A larger lambda than the search's default, so the mask logits' gradient is not negligible.
      const r = await trainStep(
        mm,
        { x, labels, size: BATCH },
        NUM_CLASSES,
        1e-4,
        weightOpt,
        maskOpt,
        0.05,
        0.05,
      );
      tf.dispose([x, labels]);
      losses.push(r.crossEntropy);
    }
    return { losses, initial, values: await read() };
  } finally {
    weightOpt.dispose();
    maskOpt.dispose();
    mm.dispose();
    built.model.dispose();
  }
}

const norm = (xs: ArrayLike<number>) => Math.sqrt(Array.from(xs).reduce((a, x) => a + x * x, 0));
const minus = (a: Float32Array, b: Float32Array) => a.map((x, i) => x - b[i]);

describe('webgpu backend', function () {
  this.timeout(300_000);
  let previous: string | undefined;

  before(() => {
    previous = tf.engine().backendName as string | undefined;
  });

  after(async () => {
    if (previous !== undefined) await tf.setBackend(previous);
  });

  it('trains CS steps like the cpu backend, or, with no GPU adapter, leaves auto on wasm saying why', async () => {
    let gpuDevice: string | undefined;
    let noGpu: string | undefined;
    try {
      gpuDevice = (await selectBackend('webgpu')).device;
    } catch (err) {
      noGpu = err instanceof Error ? err.message : String(err);
    }

    if (noGpu !== undefined) {
      // tfjs-backend-webgpu and webgpu are optional dependencies that install everywhere, so the one
      // acceptable failure is the missing adapter, and its reason names what is missing.
      assert.match(noGpu, /^Backend 'webgpu' is unavailable: Dawn found no GPU adapter \(.+\)$/);
      const report = await selectBackend('auto');
      assert.equal(report.name, 'wasm');
      const webgpu = report.attempts.find((a) => a.candidate === 'webgpu');
      assert.equal(webgpu?.ok, false);
      assert.match(
        webgpu?.reason ?? '',
        /^Dawn found no GPU adapter \((libvulkan\.so\.1|the Vulkan drivers|Metal|neither)/,
      );
      assert.deepEqual(
        report.attempts.slice(-2).map((a) => [a.candidate, a.ok]),
        [
          ['webgpu', false],
          ['wasm', true],
        ],
      );
      return;
    }

    assert.ok(gpuDevice !== undefined && gpuDevice !== '', 'the adapter is named');
    for (const model of ['lenet-300-100', 'conv2'] as const) {
      assert.equal(tf.getBackend(), 'webgpu');
      const gpu = await trainCs(model);
      await selectBackend('cpu');
      const cpu = await trainCs(model);
      await selectBackend('webgpu');
      gpu.losses.forEach((loss, i) => {
        const expected = cpu.losses[i];
        assert.ok(
          Math.abs(loss - expected) <= LOSS_RTOL * Math.abs(expected),
          `${model} loss of step ${i + 1}: webgpu ${loss}, cpu ${expected}`,
        );
      });
      assert.equal(gpu.values.length, cpu.values.length);
      cpu.values.forEach((values, v) => {
        assert.deepEqual(gpu.initial[v], cpu.initial[v], `${model} variable ${v} starts the same`);
        const change = norm(minus(values, cpu.initial[v]));
        assert.ok(change > 0, `${model} variable ${v} was trained`);
        const error = norm(minus(gpu.values[v], values));
        assert.ok(
          error <= CHANGE_RTOL * change,
          `${model} variable ${v}: webgpu's change is off by ${error}, ${(error / change).toExponential(2)} of the change`,
        );
      });
    }
  });
});
