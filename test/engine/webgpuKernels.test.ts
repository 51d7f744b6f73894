// Every kernel a search runs must exist for the 'webgpu' backend, or a search on the GPU would fail
// mid-run with "Kernel 'X' not registered". The kernels a search needs are recorded, not listed by
// hand: whole searches of every zoo model (CS and IMP: training with its gradients, the optimisers,
// mask statistics, evaluation, the ticket's retraining and export) run while a recorder notes each
// kernel. Ops name their kernels whatever the backend, so the searches run on wasm, the fastest one
// here (the cpu backend took minutes for VGG16). tfjs-backend-webgpu registers its kernels when it
// is imported, so this needs no GPU and runs in CI.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  CS_COUNT_LOGITS,
  CS_MASK_FORWARD,
  CS_MASK_GRAD,
  CS_MASKED_STEP,
  NESTEROV_STEP,
  RELU_GRAD,
} from '../../engine/cs/csKernelNames';
import { zipSync } from 'fflate';
import { resolveNative, selectBackend } from '../../engine/backend/selectBackend';
import { loadWebgpuKernels, WEBGPU_INSTALL_FOLDER } from '../../engine/backend/webgpuBackend';
import { ZOO_MODELS } from '../../engine/config/configSchema';
import { layerStatsOnDevice } from '../../engine/cs/layerStats';
import { MaskedModel } from '../../engine/cs/maskedModel';
import { listMaskableLayers } from '../../engine/models/maskableLayers';
import { buildZooModel } from '../../engine/models/zoo';
import { runSearchInProcess } from '../../engine/bench/inProcessSearch';
import { KernelRecorder } from '../support/kernelRecorder';
import { npyBytes } from './data/fixtures';

/** Random 32x32 RGB images (every zoo model takes them, VGG16's five pools included). */
function writeImages(dir: string, name: string, count: number, seed: number): string {
  let s = seed;
  const random = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const x = Float32Array.from({ length: count * 32 * 32 * 3 }, random);
  const y = Int32Array.from({ length: count }, (_, i) => i % 10);
  const file = path.join(dir, name);
  writeFileSync(
    file,
    zipSync({ 'x.npy': npyBytes('<f4', [count, 32, 32, 3], x), 'y.npy': npyBytes('<i4', [count], y) }),
  );
  return file;
}

describe("'webgpu' kernel coverage", function () {
  this.timeout(600_000);
  let dir: string;
  const needed = new Map<string, Set<string>>();

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-webgpu-kernels-'));
    const data = {
      format: 'npz',
      train: writeImages(dir, 'train.npz', 20, 1),
      test: writeImages(dir, 'test.npz', 4, 2),
    };
    const searches: Record<string, unknown>[] = [
      ...ZOO_MODELS.map((model) => ({ model })),
      // IMP's own work (magnitudes, thresholds, rewinding) is the same for every model.
      { model: 'lenet-300-100', method: 'imp' },
    ];
    for (const search of searches) {
      const recorder = new KernelRecorder();
      try {
        await runSearchInProcess(
          {
            data,
            validationSize: 4,
            rounds: 2,
            epochsPerRound: 1,
            ticketEpochs: 1,
            rewindEpoch: 0,
            batchSize: 8,
            denseBaseline: true,
            statsIntervalMs: 10,
            ...search,
          },
          () => selectBackend('wasm'),
          () => undefined,
        );
      } finally {
        recorder.stop();
      }
      for (const name of recorder.names) {
        const users = needed.get(name) ?? new Set<string>();
        users.add(`${String(search.model)}${search.method ? ` (${String(search.method)})` : ''}`);
        needed.set(name, users);
      }
    }
    // On a GPU the mask statistics are reduced on the device (layerStats.ts), a path the searches
    // above, on a host backend, did not take.
    const recorder = new KernelRecorder();
    try {
      for (const binary of [false, true]) {
        const built = buildZooModel('conv2', { inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
        const mm = new MaskedModel(built.model, listMaskableLayers(built.model, built.denseByDefault), 0, {
          binary,
        });
        await layerStatsOnDevice(mm, 2, 20);
        mm.dispose();
        built.model.dispose();
      }
    } finally {
      recorder.stop();
    }
    for (const name of recorder.names) {
      needed.set(name, new Set([...(needed.get(name) ?? []), 'mask statistics on a GPU']));
    }
    loadWebgpuKernels((name) => resolveNative(name, undefined, WEBGPU_INSTALL_FOLDER));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has a webgpu kernel for every kernel a search of any zoo model runs', () => {
    // The recorder saw the gradients and the batch norms of the conv nets, not just the forward passes.
    for (const name of [
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'MaxPoolGrad',
      'FusedBatchNorm',
      'Less',
    ]) {
      assert.ok(needed.has(name), `${name} was not recorded`);
    }
    // The engine's own one-pass kernels exist only for the CPU backends (cpu, wasm); elsewhere the same
    // values are composed of stock kernels (test/engine/cs/maskedWeight.test.ts runs that path for the
    // mask, schedules.test.ts for the optimiser, searchStep.test.ts for the whole search step), so
    // webgpu needs no such kernel.
    // The statistics' counting kernel serves the host path only (layerStats.ts); GPUs reduce on device.
    // ReLU's one-pass gradient likewise: elsewhere reluGradient.ts composes tfjs-core's Step, Cast and
    // Multiply.
    const hostOnly = new Set([
      CS_MASK_FORWARD,
      CS_MASK_GRAD,
      CS_MASKED_STEP,
      NESTEROV_STEP,
      CS_COUNT_LOGITS,
      RELU_GRAD,
    ]);
    const missing = [...needed.entries()]
      .filter(([name]) => !hostOnly.has(name) && tf.getKernel(name, 'webgpu') === undefined)
      .map(([name, users]) => `${name} (${[...users].join(', ')})`);
    assert.deepEqual(missing, []);
  });
});
