// Checks of an exported ticket folder that several tests make: its counts describe its masks, and its
// TF.js models load and run.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend/selectBackend';
import { loadLayersModelFiles } from '../../engine/ticket/layersModelFiles';
import { decodeSafetensors } from '../../engine/ticket/safetensors';

export interface TicketCounts {
  kept: number;
  total: number;
  density: number;
  layers: { name: string; kept: number; total: number; density: number }[];
}

/** ticket.json's kept counts and densities, per layer and overall, are the non-zeros of masks.safetensors. */
export function checkTicketCounts(dir: string): TicketCounts {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'ticket.json'), 'utf8')) as TicketCounts;
  let ones = 0;
  for (const mask of decodeSafetensors(readFileSync(path.join(dir, 'masks.safetensors'))).tensors) {
    let n = 0;
    for (const v of mask.data) n += v === 0 ? 0 : 1;
    const layer = manifest.layers.find((l) => l.name === mask.name);
    assert.ok(layer, `ticket.json has no layer ${mask.name}`);
    assert.deepEqual([layer.kept, layer.density], [n, n / layer.total], mask.name);
    ones += n;
  }
  assert.equal(manifest.kept, ones);
  assert.equal(manifest.density, ones / manifest.total);
  return manifest;
}

/** model/ and trained-model/ load with TF.js (cpu backend) and map MNIST-shaped input to 10 logits. */
export async function checkTicketModelsRun(dir: string): Promise<void> {
  await selectBackend('cpu');
  for (const sub of ['model', 'trained-model']) {
    const model = await loadLayersModelFiles(path.join(dir, sub));
    const out = model.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
    assert.deepEqual(out.shape, [2, 10]);
    model.dispose();
  }
}
