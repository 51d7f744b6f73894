// LeNet-300-100 (LeCun et al. 1998), the MNIST fully-connected baseline of the lottery-ticket papers.
import * as tfl from '@tensorflow/tfjs-layers';
import type { BuiltModel, ModelSpec } from '../modelTypes';
import { applyLayer, ZooLayers } from './layerKit';
import { checkSpec } from './shapeChecks';
import { describeZooModel } from './describe';

export function buildLenet300100(spec: ModelSpec): BuiltModel {
  const title = 'LeNet-300-100';
  checkSpec(title, spec);
  const layers = new ZooLayers(spec.seed);
  const input = tfl.input({ name: 'input', shape: spec.inputShape });
  // tfjs's Flatten rejects inputs that are already flat ([batch, features]), so only images get one.
  let x = spec.inputShape.length > 1 ? applyLayer(tfl.layers.flatten({ name: 'flatten' }), input) : input;
  x = layers.dense(x, 'dense_1', 300, 'relu');
  x = layers.dense(x, 'dense_2', 100, 'relu');
  const logits = layers.dense(x, 'dense_3', spec.numClasses, 'linear');
  const model = tfl.model({ name: 'lenet_300_100', inputs: input, outputs: logits });
  return describeZooModel(title, model, []);
}
