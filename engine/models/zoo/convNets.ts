// Conv-2 / Conv-4 / Conv-6 of Frankle & Carbin (2019): VGG-like stacks of 3x3 convolutions, 2x2 max
// pools, then two 256-unit Dense layers. The three differ only in the conv plan, so one factory serves.
import * as tfl from '@tensorflow/tfjs-layers';
import type { BuiltModel, ModelSpec } from '../modelTypes';
import { applyLayer, ZooLayers } from './layerKit';
import { requireImageInput } from './shapeChecks';
import { describeZooModel } from './describe';

export type ConvNetDepth = 2 | 4 | 6;

/** Each entry is a block: two convs of that width, then a max pool. */
const BLOCK_WIDTHS: Record<ConvNetDepth, number[]> = {
  2: [64],
  4: [64, 128],
  6: [64, 128, 256],
};

export function buildConvNet(depth: ConvNetDepth, spec: ModelSpec): BuiltModel {
  const title = `Conv-${depth}`;
  const widths = BLOCK_WIDTHS[depth];
  requireImageInput(title, spec, widths.length);
  const layers = new ZooLayers(spec.seed);
  const input = tfl.input({ name: 'input', shape: spec.inputShape });
  let x = input;
  let conv = 0;
  widths.forEach((filters, block) => {
    for (let i = 0; i < 2; i++) {
      conv++;
      x = layers.conv(x, { name: `conv_${conv}`, filters, kernelSize: 3, useBias: true, activation: 'relu' });
    }
    x = layers.maxPool(x, `pool_${block + 1}`);
  });
  x = applyLayer(tfl.layers.flatten({ name: 'flatten' }), x);
  x = layers.dense(x, 'dense_1', 256, 'relu');
  x = layers.dense(x, 'dense_2', 256, 'relu');
  const logits = layers.dense(x, 'dense_3', spec.numClasses, 'linear');
  const model = tfl.model({ name: `conv${depth}`, inputs: input, outputs: logits });
  return describeZooModel(title, model, []);
}
