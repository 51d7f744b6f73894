// ResNet-20 for CIFAR (He et al. 2016), laid out as the Continuous Sparsification reference
// (lolemacs/continuous-sparsification, models/networks.py): a 3x3 stem, three stages of three basic
// blocks (16, 32, 64 channels), global average pooling and one Dense classifier.
import * as tfl from '@tensorflow/tfjs-layers';
import type { BuiltModel, ModelSpec } from '../modelTypes';
import { applyLayer, ZooLayers } from './layerKit';
import { requireImageInput } from './shapeChecks';
import { describeZooModel } from './describe';

type SymbolicTensor = tfl.SymbolicTensor;

const STAGE_WIDTHS = [16, 32, 64];
const BLOCKS_PER_STAGE = 3;

/**
 * The reference's downsampling shortcut is a bare `nn.Conv2d(in, out, 1, 2, 0, bias=False)`, with no
 * BatchNorm after it (unlike torchvision's option B). Flip this to add one.
 */
const SHORTCUT_BATCH_NORM = false;

/**
 * A 3x3 convolution as PyTorch's `padding=1`. At stride 1 that is tfjs 'same'. At stride 2 tfjs 'same'
 * pads only bottom/right on even sizes, which would shift the sampling grid by one pixel relative to
 * the 1x1 shortcut; explicit symmetric zero padding + 'valid' reproduces PyTorch exactly.
 */
function conv3x3(layers: ZooLayers, x: SymbolicTensor, name: string, filters: number, stride: number) {
  if (stride === 1) return layers.conv(x, { name, filters, kernelSize: 3, useBias: false });
  const padded = applyLayer(tfl.layers.zeroPadding2d({ name: `${name}_pad`, padding: 1 }), x);
  return layers.conv(padded, {
    name,
    filters,
    kernelSize: 3,
    strides: stride,
    padding: 'valid',
    useBias: false,
  });
}

function basicBlock(
  layers: ZooLayers,
  x: SymbolicTensor,
  prefix: string,
  inChannels: number,
  filters: number,
  stride: number,
): SymbolicTensor {
  let y = conv3x3(layers, x, `${prefix}_conv1`, filters, stride);
  y = layers.batchNorm(y, `${prefix}_bn1`);
  y = layers.relu(y, `${prefix}_relu1`);
  y = conv3x3(layers, y, `${prefix}_conv2`, filters, 1);
  y = layers.batchNorm(y, `${prefix}_bn2`);
  let shortcut = x;
  if (stride !== 1 || inChannels !== filters) {
    shortcut = layers.conv(x, {
      name: `${prefix}_shortcut`,
      filters,
      kernelSize: 1,
      strides: stride,
      padding: 'valid',
      useBias: false,
    });
    if (SHORTCUT_BATCH_NORM) shortcut = layers.batchNorm(shortcut, `${prefix}_shortcut_bn`);
  }
  const sum = applyLayer(tfl.layers.add({ name: `${prefix}_add` }), [y, shortcut]);
  return layers.relu(sum, `${prefix}_relu2`);
}

export function buildResnet20(spec: ModelSpec): BuiltModel {
  const title = 'ResNet-20';
  requireImageInput(title, spec, 0);
  const layers = new ZooLayers(spec.seed);
  const input = tfl.input({ name: 'input', shape: spec.inputShape });
  let x = layers.conv(input, { name: 'conv_1', filters: STAGE_WIDTHS[0], kernelSize: 3, useBias: false });
  x = layers.batchNorm(x, 'bn_1');
  x = layers.relu(x, 'relu_1');
  const shortcuts: string[] = [];
  let channels = STAGE_WIDTHS[0];
  STAGE_WIDTHS.forEach((filters, s) => {
    for (let b = 0; b < BLOCKS_PER_STAGE; b++) {
      const prefix = `stage${s + 1}_block${b + 1}`;
      const stride = s > 0 && b === 0 ? 2 : 1;
      if (stride !== 1 || channels !== filters) shortcuts.push(`${prefix}_shortcut`);
      x = basicBlock(layers, x, prefix, channels, filters, stride);
      channels = filters;
    }
  });
  x = applyLayer(tfl.layers.globalAveragePooling2d({ name: 'global_pool' }), x);
  const logits = layers.dense(x, 'dense_1', spec.numClasses, 'linear');
  const model = tfl.model({ name: 'resnet20', inputs: input, outputs: logits });
  // The reference masks only its SoftMaskedConv2d layers: the 3x3 convs. Shortcuts and classifier stay dense.
  return describeZooModel(title, model, [...shortcuts, 'dense_1']);
}
