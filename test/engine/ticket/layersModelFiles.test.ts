import '@tensorflow/tfjs-backend-cpu';
import { strict as assert } from 'node:assert';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModelFiles, saveLayersModelFiles } from '../../../engine/ticket/layersModelFiles';
import { buildModel } from './ticketFixtures';

describe('layersModelFiles', () => {
  let root: string;
  before(async () => {
    await tf.setBackend('cpu');
  });
  beforeEach(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'sparsity-model-'));
  });
  afterEach(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('writes model.json + weights.bin the way tfjs-node file:// does', async () => {
    const model = buildModel(3);
    const dir = path.join(root, 'model');
    await saveLayersModelFiles(model, dir);
    assert.deepEqual((await fsp.readdir(dir)).sort(), ['model.json', 'weights.bin']);

    const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.deepEqual(Object.keys(json), [
      'modelTopology',
      'weightsManifest',
      'format',
      'generatedBy',
      'convertedBy',
    ]);
    assert.equal(json.format, 'layers-model');
    assert.equal(json.convertedBy, null);
    assert.match(String(json.generatedBy), /^TensorFlow\.js tfjs-layers v4\./);
    const manifest = json.weightsManifest as tf.io.WeightsManifestConfig;
    assert.equal(manifest.length, 1);
    assert.deepEqual(manifest[0].paths, ['weights.bin']);
    assert.deepEqual(
      manifest[0].weights.map((w) => [w.name, w.shape, w.dtype]),
      [
        ['fc1/kernel', [4, 6], 'float32'],
        ['fc1/bias', [6], 'float32'],
        ['fc2/kernel', [6, 3], 'float32'],
        ['fc2/bias', [3], 'float32'],
      ],
    );
    const bin = await fsp.readFile(path.join(dir, 'weights.bin'));
    assert.equal(bin.length, (4 * 6 + 6 + 6 * 3 + 3) * 4);
    // weights.bin is the weights' float32 bytes, in manifest order.
    const expected = Buffer.concat(
      model.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).buffer)),
    );
    assert.ok(bin.equals(expected));
  });

  it('loads back a model that predicts exactly the same', async () => {
    const model = buildModel(5);
    const dir = path.join(root, 'm');
    await saveLayersModelFiles(model, dir);
    const loaded = await loadLayersModelFiles(dir);
    const x = tf.randomNormal([7, 4], 0, 1, 'float32', 9);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (loaded.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual([...b], [...a]);
  });

  it('refuses a manifest path that leaves the folder', async () => {
    const dir = path.join(root, 'm');
    await saveLayersModelFiles(buildModel(5), dir);
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await fsp.readFile(file, 'utf8')) as tf.io.ModelJSON;
    json.weightsManifest[0].paths = ['../../etc/passwd'];
    await fsp.writeFile(file, JSON.stringify(json));
    await assert.rejects(loadLayersModelFiles(dir), /points outside/);
  });
});
