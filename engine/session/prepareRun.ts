// From a resolved config to everything a search needs: data (with the validation hold-out), the model
// with its masks, and the run folder. Slow parts report what they are doing through `log`.
import * as path from 'node:path';
import { ZOO_MODELS, type SearchConfig, type ZooModelName } from '../config/configSchema';
import { loadData } from '../data/loadData';
import type { LabeledSplit } from '../data/dataTypes';
import { splitValidation } from '../data/split';
import { listMaskableLayers } from '../models/maskableLayers';
import type { BuiltModel } from '../models/modelTypes';
import { buildZooModel } from '../models/zoo';
import { checkModelFitsData, loadUserModel } from '../models/userModel';
import { MaskedModel } from '../cs/maskedModel';

export interface PreparedData {
  description: string;
  inputShape: number[];
  numClasses: number;
  train: LabeledSplit;
  validation: LabeledSplit;
  test: LabeledSplit;
}

export interface PreparedModel {
  name: string;
  built: BuiltModel;
  masked: MaskedModel;
}

export async function prepareData(config: SearchConfig, workDir: string): Promise<PreparedData> {
  const source = await loadData(config.data, workDir, config.seed);
  const inputSize = source.inputShape.reduce((a, b) => a * b, 1);
  const { train, validation } =
    config.validationSize > 0
      ? splitValidation(source.train, inputSize, config.validationSize, config.seed)
      : { train: source.train, validation: { x: new Float32Array(0), y: new Int32Array(0), count: 0 } };
  return {
    description: source.description,
    inputShape: source.inputShape,
    numClasses: source.numClasses,
    train,
    validation,
    test: source.test,
  };
}

const isZooModel = (name: string): name is ZooModelName => (ZOO_MODELS as readonly string[]).includes(name);

export async function prepareModel(
  config: SearchConfig,
  workDir: string,
  data: PreparedData,
): Promise<PreparedModel> {
  let built: BuiltModel;
  if (isZooModel(config.model)) {
    built = buildZooModel(config.model, {
      inputShape: data.inputShape,
      numClasses: data.numClasses,
      seed: config.seed,
    });
  } else if (config.model.endsWith('.json')) {
    built = await loadUserModel(path.resolve(workDir, config.model));
  } else {
    throw new ModelChoiceError(config.model);
  }
  checkModelFitsData(built.model, data.inputShape, data.numClasses);
  const layers = listMaskableLayers(
    built.model,
    built.denseByDefault,
    config.includeLayers,
    config.excludeLayers,
  );
  return {
    name: config.model,
    built,
    masked: new MaskedModel(built.model, layers, config.maskInit, { binary: config.method === 'imp' }),
  };
}

export class ModelChoiceError extends Error {
  constructor(readonly model: string) {
    super(`model: "${model}" is neither a zoo model (${ZOO_MODELS.join(', ')}) nor a path to a model.json`);
    this.name = 'ModelChoiceError';
  }
}
