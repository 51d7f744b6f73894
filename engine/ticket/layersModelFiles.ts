// Save and load a TF.js Layers model as `model.json` + `weights.bin`, the exact files tfjs-node's
// `file://` handler writes. The engine runs on the wasm/cpu backends without tfjs-node, so that
// handler is not available; these files still load with `tf.loadLayersModel('file://…/model.json')`
// in tfjs-node, with `tf.loadLayersModel(url)` in a browser and with tensorflowjs_converter.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFileAtomic } from '../fsutil/atomicWrite';

export const MODEL_JSON_FILENAME = 'model.json';
export const WEIGHTS_BINARY_FILENAME = 'weights.bin';

/** model.json for the given artifacts, with the same fields in the same order as tfjs-node. */
function modelJsonFor(artifacts: tf.io.ModelArtifacts): tf.io.ModelJSON {
  if (artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology === undefined) {
    throw new Error('saveLayersModelFiles: expected a JSON model topology');
  }
  const modelJSON: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BINARY_FILENAME], weights: artifacts.weightSpecs ?? [] }],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
  };
  if (artifacts.trainingConfig != null) modelJSON.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) modelJSON.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
  return modelJSON;
}

/** Write `model.json` and `weights.bin` into `dir` (created if missing). */
export async function saveLayersModelFiles(model: tfl.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  await fsp.mkdir(dir, { recursive: true });
  return model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const modelJSON = modelJsonFor(artifacts);
      // 4.x may hand the weights over as several buffers; weights.bin is their concatenation.
      const weightData =
        artifacts.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      await writeFileAtomic(path.join(dir, MODEL_JSON_FILENAME), JSON.stringify(modelJSON));
      await writeFileAtomic(path.join(dir, WEIGHTS_BINARY_FILENAME), new Uint8Array(weightData));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/** Resolve a manifest path against `dir`, refusing paths that climb out of it. */
function weightFilePath(dir: string, rel: string): string {
  const root = path.resolve(dir);
  const p = path.resolve(root, rel);
  if (p !== root && !p.startsWith(root + path.sep)) {
    throw new Error(`model.json: weight path '${rel}' points outside ${root}`);
  }
  return p;
}

/** Load `dir/model.json` and its weight files (all groups of the manifest, in order). */
export async function loadLayersModelFiles(dir: string): Promise<tfl.LayersModel> {
  const jsonPath = path.join(dir, MODEL_JSON_FILENAME);
  const modelJSON = JSON.parse(await fsp.readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
  if (modelJSON.modelTopology == null) throw new Error(`${jsonPath}: no modelTopology`);
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const rel of group.paths) {
        const buf = await fsp.readFile(weightFilePath(dir, rel));
        buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      }
      specs.push(...group.weights);
    }
    return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
  });
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts));
}
