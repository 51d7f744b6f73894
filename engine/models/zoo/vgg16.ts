// VGG-16 with BatchNorm in its common CIFAR form (13 conv3x3-BN-relu layers, five 2x2 max pools, one
// Dense classifier). The 4096-unit ImageNet head is dropped, as CIFAR implementations do.
import * as tfl from '@tensorflow/tfjs-layers';
import type { BuiltModel, ModelSpec } from '../modelTypes';
import { applyLayer, ZooLayers } from './layerKit';
import { requireImageInput } from './shapeChecks';
import { describeZooModel } from './describe';

const PLAN: (number | 'M')[] = [
  64,
  64,
  'M',
  128,
  128,
  'M',
  256,
  256,
  256,
  'M',
  512,
  512,
  512,
  'M',
  512,
  512,
  512,
  'M',
];

export function buildVgg16(spec: ModelSpec): BuiltModel {
  const title = 'VGG-16 (BN)';
  requireImageInput(title, spec, PLAN.filter((p) => p === 'M').length);
  const layers = new ZooLayers(spec.seed);
  const input = tfl.input({ name: 'input', shape: spec.inputShape });
  let x = input;
  let conv = 0;
  let pool = 0;
  for (const step of PLAN) {
    if (step === 'M') {
      x = layers.maxPool(x, `pool_${++pool}`);
      continue;
    }
    conv++;
    // No conv bias: the BatchNorm right after subtracts the mean, so a bias would be a dead parameter.
    x = layers.conv(x, { name: `conv_${conv}`, filters: step, kernelSize: 3, useBias: false });
    x = layers.batchNorm(x, `bn_${conv}`);
    x = layers.relu(x, `relu_${conv}`);
  }
  // On 32x32 inputs the map is 1x1 here, so global pooling equals the usual flatten; on larger inputs
  // it keeps the classifier at 512 inputs instead of failing or growing.
  x = applyLayer(tfl.layers.globalAveragePooling2d({ name: 'global_pool' }), x);
  const logits = layers.dense(x, 'dense_1', spec.numClasses, 'linear');
  const model = tfl.model({ name: 'vgg16', inputs: input, outputs: logits });
  return describeZooModel(title, model, ['dense_1']);
}
