import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkModelFitsData, loadUserModel } from '../../../engine/models/userModel';
import { ModelError, ModelFileError } from '../../../engine/models/modelTypes';
import { applyLayer } from '../../../engine/models/zoo/layerKit';
import { listMaskableLayers } from '../../../engine/models/maskableLayers';

interface SavedFiles {
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
}

/** Saves like tfjs-node's file:// handler: model.json (manifest paths ['weights.bin']) + weights.bin. */
async function saveModel(model: tfl.LayersModel, dir: string): Promise<SavedFiles> {
  let saved: SavedFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      fs.writeFileSync(path.join(dir, 'weights.bin'), weights);
      saved = { modelJson, weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  assert.ok(saved);
  return saved;
}

/** A small functional CNN with BN, seeded so its predictions are reproducible. */
function smallCnn(finalActivation: 'linear' | 'softmax' = 'linear'): tfl.LayersModel {
  const input = tfl.input({ name: 'pixels', shape: [6, 6, 2] });
  let x = applyLayer(
    tfl.layers.conv2d({
      name: 'c1',
      filters: 3,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }),
      biasInitializer: tfl.initializers.randomNormal({ seed: 2 }),
    }),
    input,
  );
  x = applyLayer(
    tfl.layers.batchNormalization({
      name: 'bn',
      gammaInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 3 }),
      movingVarianceInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 4 }),
    }),
    x,
  );
  x = applyLayer(tfl.layers.flatten({ name: 'flat' }), x);
  const out = applyLayer(
    tfl.layers.dense({
      name: 'head',
      units: 4,
      activation: finalActivation,
      kernelInitializer: tfl.initializers.glorotNormal({ seed: 5 }),
    }),
    x,
  );
  return tfl.model({ name: 'small_cnn', inputs: input, outputs: out });
}

function predict(model: tfl.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
}

function assertClose(actual: Float32Array, expected: Float32Array, tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Asserts a ModelFileError naming `file` (and `field`, if given) whose message matches `pattern`. */
async function rejectsWith(
  promise: Promise<unknown>,
  file: string,
  pattern: RegExp,
  field?: string,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ModelFileError, `expected ModelFileError, got ${String(err)}`);
    assert.equal(err.file, file);
    if (field !== undefined) assert.equal(err.field, field);
    assert.match(err.message, pattern);
    assert.ok(err.message.includes(file), 'the message names the file');
    return true;
  });
}

describe('engine/models/userModel', () => {
  let tmp: string;
  let x: tf.Tensor;

  before(async () => {
    await tf.setBackend('cpu');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparsity-models-'));
    x = tf.randomUniform([5, 6, 6, 2], 0, 1, 'float32', 11);
  });
  after(() => {
    x.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  let caseNo = 0;
  const freshDir = () => path.join(tmp, `case${++caseNo}`);

  describe('round trip', () => {
    it('loads a functional model saved as model.json + weights.bin and predicts the same', async () => {
      const dir = freshDir();
      const original = smallCnn();
      await saveModel(original, dir);
      const built = await loadUserModel(path.join(dir, 'model.json'));
      assertClose(predict(built.model, x), predict(original, x), 0);
      assert.deepEqual(built.denseByDefault, []);
      assert.match(built.description, /"small_cnn", 5 layers, 265 parameters/);
      assert.doesNotMatch(built.description, /softmax/);
      assert.deepEqual(
        listMaskableLayers(built.model, built.denseByDefault).map((l) => l.layerName),
        ['c1', 'head'],
      );
      original.dispose();
      built.model.dispose();
    });

    it('loads a Sequential model, and a folder path means its model.json', async () => {
      const dir = freshDir();
      const original = tfl.sequential({
        name: 'seq',
        layers: [
          tfl.layers.dense({ name: 'd1', inputShape: [3], units: 4, activation: 'relu' }),
          tfl.layers.dense({ name: 'd2', units: 2 }),
        ],
      });
      await saveModel(original, dir);
      const built = await loadUserModel(dir);
      const input = tf.tensor2d([[1, 2, 3]]);
      assertClose(predict(built.model, input), predict(original, input), 0);
      input.dispose();
      original.dispose();
      built.model.dispose();
    });

    it('reads weights split over several shards and groups, in manifest order', async () => {
      const dir = freshDir();
      const original = smallCnn();
      const { modelJson, weights } = await saveModel(original, dir);
      const manifest = modelJson.weightsManifest as {
        paths: string[];
        weights: tf.io.WeightsManifestEntry[];
      }[];
      const specs = manifest[0].weights;
      // Group 1: the first weight (c1 kernel, 3*3*2*3 floats) in two shards; group 2: the rest, in a subfolder.
      const firstBytes = 3 * 3 * 2 * 3 * 4;
      fs.mkdirSync(path.join(dir, 'sub'));
      fs.writeFileSync(path.join(dir, 'a.bin'), weights.subarray(0, 100));
      fs.writeFileSync(path.join(dir, 'b.bin'), weights.subarray(100, firstBytes));
      fs.writeFileSync(path.join(dir, 'sub', 'c.bin'), weights.subarray(firstBytes));
      fs.rmSync(path.join(dir, 'weights.bin'));
      modelJson.weightsManifest = [
        { paths: ['a.bin', './b.bin'], weights: specs.slice(0, 1) },
        { paths: ['sub/c.bin'], weights: specs.slice(1) },
      ];
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      const built = await loadUserModel(path.join(dir, 'model.json'));
      assertClose(predict(built.model, x), predict(original, x), 0);
      original.dispose();
      built.model.dispose();
    });
    it('ignores extra bytes at the end of a group, so the next group still lines up', async () => {
      const dir = freshDir();
      const original = smallCnn();
      const { modelJson, weights } = await saveModel(original, dir);
      const manifest = modelJson.weightsManifest as {
        paths: string[];
        weights: tf.io.WeightsManifestEntry[];
      }[];
      const specs = manifest[0].weights;
      const firstBytes = 3 * 3 * 2 * 3 * 4;
      const junk = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
      fs.writeFileSync(path.join(dir, 'g1.bin'), Buffer.concat([weights.subarray(0, firstBytes), junk]));
      // A whole shard past the group's end, of another length than the junk before it.
      fs.writeFileSync(path.join(dir, 'g1-pad.bin'), new Uint8Array(20));
      fs.writeFileSync(path.join(dir, 'g2.bin'), Buffer.concat([weights.subarray(firstBytes), junk]));
      modelJson.weightsManifest = [
        { paths: ['g1.bin', 'g1-pad.bin'], weights: specs.slice(0, 1) },
        { paths: ['g2.bin'], weights: specs.slice(1) },
      ];
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      const built = await loadUserModel(path.join(dir, 'model.json'));
      assertClose(predict(built.model, x), predict(original, x), 0);
      original.dispose();
      built.model.dispose();
    });
  });

  describe('softmax outputs become logits', () => {
    it('switches a final Dense softmax to linear and says so', async () => {
      const dir = freshDir();
      const original = smallCnn('softmax');
      await saveModel(original, dir);
      const built = await loadUserModel(path.join(dir, 'model.json'));
      assert.match(built.description, /softmax activation of its final layer "head" was switched to linear/);
      assert.equal(built.model.outputLayers[0].getConfig().activation, 'linear');
      const logits = tf.tensor2d(predict(built.model, x), [5, 4]);
      const probs = predict(original, x);
      assertClose(tf.softmax(logits).dataSync() as Float32Array, probs);
      // And they really are logits, not probabilities again.
      assert.ok(Math.abs(tf.sum(logits, 1).dataSync()[0] - 1) > 1e-3);
      logits.dispose();
      original.dispose();
      built.model.dispose();
    });

    it('makes a final Softmax layer linear (Sequential)', async () => {
      const dir = freshDir();
      const original = tfl.sequential({
        layers: [
          tfl.layers.dense({ name: 'd', inputShape: [3], units: 3 }),
          tfl.layers.softmax({ name: 'probs' }),
        ],
      });
      await saveModel(original, dir);
      const built = await loadUserModel(path.join(dir, 'model.json'));
      assert.match(built.description, /final Softmax layer "probs" was made linear/);
      const input = tf.tensor2d([[0.5, -1, 2]]);
      const logits = tf.tensor2d(predict(built.model, input), [1, 3]);
      assertClose(tf.softmax(logits).dataSync() as Float32Array, predict(original, input));
      [input, logits].forEach((t) => t.dispose());
      original.dispose();
      built.model.dispose();
    });
  });

  describe('bad files', () => {
    it('model.json not found', async () => {
      const file = path.join(tmp, 'nowhere', 'model.json');
      await rejectsWith(loadUserModel(file), file, /model\.json not found/);
    });

    it('not JSON, with the parse error', async () => {
      const file = path.join(freshDir(), 'model.json');
      fs.mkdirSync(path.dirname(file));
      fs.writeFileSync(file, '{"modelTopology": ');
      await rejectsWith(loadUserModel(file), file, /is not valid JSON: .*(JSON|Unexpected)/);
    });

    it('no modelTopology: a Layers model is required', async () => {
      const file = path.join(freshDir(), 'model.json');
      fs.mkdirSync(path.dirname(file));
      fs.writeFileSync(file, JSON.stringify({ weightsManifest: [] }));
      await rejectsWith(
        loadUserModel(file),
        file,
        /modelTopology: missing.*Layers model is required/,
        'modelTopology',
      );
    });

    it('a graph model is named as such', async () => {
      const file = path.join(freshDir(), 'model.json');
      fs.mkdirSync(path.dirname(file));
      fs.writeFileSync(
        file,
        JSON.stringify({
          format: 'graph-model',
          modelTopology: { node: [], versions: {} },
          weightsManifest: [],
        }),
      );
      await rejectsWith(loadUserModel(file), file, /graph model.*Layers model is required/, 'format');
    });

    it('a missing weight file is named', async () => {
      const dir = freshDir();
      const original = smallCnn();
      await saveModel(original, dir);
      original.dispose();
      fs.rmSync(path.join(dir, 'weights.bin'));
      const file = path.join(dir, 'model.json');
      await rejectsWith(
        loadUserModel(file),
        file,
        new RegExp(`weight file ${path.join(dir, 'weights.bin').replace(/[\\.]/g, '\\$&')} was not found`),
        'weightsManifest[0].paths[0]',
      );
    });

    it('a weight file too short for the manifest gives expected and actual bytes', async () => {
      const dir = freshDir();
      const original = smallCnn();
      const { weights } = await saveModel(original, dir);
      original.dispose();
      // 265 parameters (BN moving statistics included) = 1,060 bytes.
      assert.equal(weights.byteLength, 1060);
      fs.writeFileSync(path.join(dir, 'weights.bin'), weights.subarray(0, 300));
      const file = path.join(dir, 'model.json');
      await rejectsWith(
        loadUserModel(file),
        file,
        /weights\.bin is too short: .*need 1060 bytes, but it has 300/,
      );
    });

    it('a missing or malformed weightsManifest is named', async () => {
      const dir = freshDir();
      const original = smallCnn();
      const { modelJson } = await saveModel(original, dir);
      original.dispose();
      const file = path.join(dir, 'model.json');
      fs.writeFileSync(file, JSON.stringify({ ...modelJson, weightsManifest: undefined }));
      await rejectsWith(loadUserModel(file), file, /must be an array/, 'weightsManifest');
      fs.writeFileSync(
        file,
        JSON.stringify({
          ...modelJson,
          weightsManifest: [
            { paths: ['weights.bin'], weights: [{ name: 'c1/kernel', shape: [3], dtype: 'float64' }] },
          ],
        }),
      );
      await rejectsWith(
        loadUserModel(file),
        file,
        /dtype: must be one of/,
        'weightsManifest[0].weights[0].dtype',
      );
    });

    it('tfjs load failures (weights that do not match the topology) name the file', async () => {
      const dir = freshDir();
      const original = smallCnn();
      const { modelJson } = await saveModel(original, dir);
      original.dispose();
      const file = path.join(dir, 'model.json');
      const manifest = modelJson.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[];
      manifest[0].weights = manifest[0].weights.slice(1); // drop c1/kernel (its bytes become extra)
      fs.writeFileSync(file, JSON.stringify(modelJson));
      await rejectsWith(
        loadUserModel(file),
        file,
        /TensorFlow\.js could not load the model/,
        'modelTopology',
      );
    });
  });

  describe('checkModelFitsData', () => {
    let model: tfl.LayersModel;
    before(() => {
      model = smallCnn();
    });
    after(() => model.dispose());

    it('accepts matching data', () => {
      checkModelFitsData(model, [6, 6, 2], 4);
    });

    it('names both input shapes, with a reshape hint when only the layout differs', () => {
      assert.throws(
        () => checkModelFitsData(model, [72], 4),
        (err: unknown) =>
          err instanceof ModelError &&
          /"small_cnn" expects inputs of shape \[6, 6, 2\], but the data's examples have shape \[72\]/.test(
            err.message,
          ) &&
          /reshape/.test(err.message),
      );
      assert.throws(() => checkModelFitsData(model, [6, 6, 3], 4), /\[6, 6, 2\].*\[6, 6, 3\]$/);
    });

    it('names both class counts', () => {
      assert.throws(
        () => checkModelFitsData(model, [6, 6, 2], 10),
        /outputs 4 class scores, but the data has 10 classes/,
      );
    });

    it('rejects outputs that are not one vector per example', () => {
      const input = tfl.input({ shape: [4] });
      const out = applyLayer(tfl.layers.reshape({ targetShape: [2, 2] }), input);
      const odd = tfl.model({ name: 'odd', inputs: input, outputs: out });
      assert.throws(() => checkModelFitsData(odd, [4], 2), /outputs shape \[2, 2\] per example/);
    });

    it('accepts unknown (null) input dimensions', () => {
      const input = tfl.input({ shape: [null, 3] });
      const out = applyLayer(tfl.layers.globalAveragePooling1d({}), input);
      const free = tfl.model({ inputs: input, outputs: out });
      checkModelFitsData(free, [17, 3], 3);
    });
  });
});
