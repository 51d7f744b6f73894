// Loads a user's TensorFlow.js Layers model (model.json + weight shards, as written by
// `model.save('file://...')` or tensorflowjs_converter) with plain fs, so no tfjs-node is needed.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ModelFileError, type BuiltModel } from './modelTypes';
import { isRecord } from './modelJson/json';
import { readManifestWeights } from './modelJson/weightFiles';
import { removeOutputSoftmax } from './modelJson/logitsOutput';
import { formatCount } from './zoo/describe';

export { checkModelFitsData } from './checkFit';

const CONVERT_HINT =
  'save it with model.save() from TensorFlow.js, or convert it with ' +
  'tensorflowjs_converter --output_format tfjs_layers_model';

async function readModelJson(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new ModelFileError(file, '', 'model.json not found');
    throw new ModelFileError(file, '', `could not be read (${e.message})`);
  }
}

/**
 * Loads a Layers model for a search. Errors name the file and field (ModelFileError). If the model
 * ends in softmax, that activation is made linear (and the description says so), since the trainer
 * wants logits. Nothing is dense by default: a user model's layers are all masked unless excluded.
 */
export async function loadUserModel(modelJsonPath: string): Promise<BuiltModel> {
  let file = path.resolve(modelJsonPath);
  // A folder is taken to mean the model.json inside it, the name tfjs always writes.
  if ((await fs.stat(file).catch(() => null))?.isDirectory()) file = path.join(file, 'model.json');

  const text = await readModelJson(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(file, '', `is not valid JSON: ${(err as Error).message}`);
  }
  if (!isRecord(parsed)) throw new ModelFileError(file, '', 'must contain a JSON object');

  const { modelTopology, format } = parsed;
  if (format === 'graph-model' || (isRecord(modelTopology) && 'node' in modelTopology)) {
    throw new ModelFileError(
      file,
      'format',
      `is a TensorFlow.js graph model, which cannot be trained; a Layers model is required (${CONVERT_HINT})`,
    );
  }
  if (!isRecord(modelTopology)) {
    throw new ModelFileError(
      file,
      'modelTopology',
      `missing: this is not a TensorFlow.js Layers model; a Layers model is required (${CONVERT_HINT})`,
    );
  }
  const softmaxNote = removeOutputSoftmax(modelTopology);
  const { weightSpecs, weightData } = await readManifestWeights(file, parsed.weightsManifest);

  let model: tfl.LayersModel;
  try {
    // trainingConfig is left out on purpose: it would compile the model with the saved optimizer and
    // loss, which the search replaces anyway, and unknown optimizer names would fail the load.
    model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData }));
  } catch (err) {
    throw new ModelFileError(
      file,
      'modelTopology',
      `TensorFlow.js could not load the model: ${(err as Error).message}`,
    );
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    const counts = `${model.inputs.length} inputs and ${model.outputs.length} outputs`;
    model.dispose();
    throw new ModelFileError(file, 'modelTopology', `the model has ${counts}; exactly one of each is needed`);
  }

  const description =
    `${modelJsonPath} ("${model.name}", ${model.layers.length} layers, ` +
    `${formatCount(model.countParams())} parameters)` +
    (softmaxNote ? `; ${softmaxNote}` : '');
  return { model, description, denseByDefault: [] };
}
