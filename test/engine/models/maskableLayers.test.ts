import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildZooModel } from '../../../engine/models/zoo';
import { listMaskableLayers } from '../../../engine/models/maskableLayers';
import { applyLayer } from '../../../engine/models/zoo/layerKit';
import type { BuiltModel } from '../../../engine/models/modelTypes';

const RESNET_3X3 = [
  'conv_1',
  ...[1, 2, 3].flatMap((s) => [1, 2, 3].flatMap((b) => [1, 2].map((c) => `stage${s}_block${b}_conv${c}`))),
];

/** A functional model wrapping a Sequential, with every kind of layer the walk must handle. */
function nestedModel(innerDenseName = 'inner_dense'): tfl.LayersModel {
  const inner = tfl.sequential({
    name: 'inner',
    layers: [
      tfl.layers.depthwiseConv2d({ name: 'inner_depthwise', inputShape: [8, 8, 4], kernelSize: 3 }),
      tfl.layers.separableConv2d({ name: 'inner_separable', filters: 6, kernelSize: 3 }),
      tfl.layers.batchNormalization({ name: 'inner_bn' }),
      tfl.layers.flatten({ name: 'inner_flatten' }),
      tfl.layers.dense({ name: innerDenseName, units: 5 }),
    ],
  });
  const input = tfl.input({ name: 'in', shape: [8, 8, 3] });
  const conv = applyLayer(tfl.layers.conv2d({ name: 'outer_conv', filters: 4, kernelSize: 1 }), input);
  const features = applyLayer(inner, conv);
  const logits = applyLayer(tfl.layers.dense({ name: 'outer_dense', units: 2 }), features);
  return tfl.model({ name: 'nested', inputs: input, outputs: logits });
}

describe('engine/models/maskableLayers', () => {
  let resnet: BuiltModel;

  before(async () => {
    await tf.setBackend('cpu');
    resnet = buildZooModel('resnet20', { inputShape: [32, 32, 3], numClasses: 10, seed: 3 });
  });
  after(() => resnet.model.dispose());

  it('resnet20 masks the 19 3x3 convs: the stem and 18 block convs, not the shortcuts nor the classifier', () => {
    const layers = listMaskableLayers(resnet.model, resnet.denseByDefault);
    assert.deepEqual(
      layers.map((l) => l.layerName),
      RESNET_3X3,
    );
    assert.equal(layers.length, 19);
    assert.ok(layers.every((l) => l.kind === 'conv2d'));
    assert.deepEqual(resnet.denseByDefault, ['stage2_block1_shortcut', 'stage3_block1_shortcut', 'dense_1']);
  });

  it('returns the very kernel variable of each layer, never biases or BatchNorm', () => {
    for (const m of listMaskableLayers(resnet.model, [])) {
      const layer = resnet.model.getLayer(m.layerName);
      assert.equal(m.kernel, layer.weights[0], m.layerName);
      assert.match(m.kernel.originalName, /\/kernel$/);
    }
    const lenet = buildZooModel('lenet-300-100', { inputShape: [784], numClasses: 10, seed: 1 });
    const layers = listMaskableLayers(lenet.model, lenet.denseByDefault);
    assert.deepEqual(
      layers.map((l) => [l.layerName, l.kind, l.kernel.shape]),
      [
        ['dense_1', 'dense', [784, 300]],
        ['dense_2', 'dense', [300, 100]],
        ['dense_3', 'dense', [100, 10]],
      ],
    );
    lenet.model.dispose();
  });

  it('vgg16 masks its 13 convs and keeps the classifier dense; the Frankle-Carbin nets mask everything', () => {
    const vgg = buildZooModel('vgg16', { inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
    assert.deepEqual(vgg.denseByDefault, ['dense_1']);
    assert.deepEqual(
      listMaskableLayers(vgg.model, vgg.denseByDefault).map((l) => l.layerName),
      Array.from({ length: 13 }, (_, i) => `conv_${i + 1}`),
    );
    vgg.model.dispose();
    const conv2 = buildZooModel('conv2', { inputShape: [8, 8, 1], numClasses: 10, seed: 1 });
    assert.deepEqual(conv2.denseByDefault, []);
    assert.equal(listMaskableLayers(conv2.model, conv2.denseByDefault).length, 5);
    conv2.model.dispose();
  });

  describe('include / exclude', () => {
    it('include gives exactly those layers (in model order), even ones dense by default', () => {
      const layers = listMaskableLayers(resnet.model, resnet.denseByDefault, [
        'dense_1',
        'stage2_block1_shortcut',
        'conv_1',
      ]);
      assert.deepEqual(
        layers.map((l) => l.layerName),
        ['conv_1', 'stage2_block1_shortcut', 'dense_1'],
      );
    });

    it('an empty include means the default', () => {
      assert.equal(listMaskableLayers(resnet.model, resnet.denseByDefault, []).length, 19);
    });

    it('exclude removes layers; excluding a dense-by-default layer is harmless', () => {
      const layers = listMaskableLayers(resnet.model, resnet.denseByDefault, undefined, [
        'conv_1',
        'dense_1',
      ]);
      assert.deepEqual(
        layers.map((l) => l.layerName),
        RESNET_3X3.slice(1),
      );
    });

    it('include then exclude', () => {
      const layers = listMaskableLayers(
        resnet.model,
        resnet.denseByDefault,
        ['conv_1', 'dense_1'],
        ['conv_1'],
      );
      assert.deepEqual(
        layers.map((l) => l.layerName),
        ['dense_1'],
      );
    });

    it('an unknown include name is an error listing the maskable layers', () => {
      assert.throws(
        () => listMaskableLayers(resnet.model, resnet.denseByDefault, ['conv_99']),
        (err: Error) =>
          /includeLayers: cannot use "conv_99"/.test(err.message) &&
          /no layer of that name/.test(err.message) &&
          /"stage3_block3_conv2"/.test(err.message) &&
          /"stage2_block1_shortcut"/.test(err.message),
      );
    });

    it('naming a layer without a maskable kernel is an error that says what it is', () => {
      assert.throws(
        () => listMaskableLayers(resnet.model, resnet.denseByDefault, ['bn_1']),
        /"bn_1".*BatchNormalization layer, which has no maskable kernel.*Maskable layers: "conv_1"/,
      );
      assert.throws(
        () => listMaskableLayers(resnet.model, resnet.denseByDefault, undefined, ['global_pool']),
        /excludeLayers: cannot use "global_pool".*GlobalAveragePooling2D/,
      );
    });

    it('an unknown exclude name is an error', () => {
      assert.throws(
        () => listMaskableLayers(resnet.model, resnet.denseByDefault, undefined, ['conv1']),
        /excludeLayers: cannot use "conv1".*no layer of that name/,
      );
    });

    it('excluding everything is an error rather than a search with no masks', () => {
      assert.throws(
        () => listMaskableLayers(resnet.model, resnet.denseByDefault, ['conv_1'], ['conv_1']),
        /No layers .* left to mask/,
      );
    });

    it('a denseByDefault name that is not maskable is an error (a zoo bug)', () => {
      assert.throws(() => listMaskableLayers(resnet.model, ['bn_1']), /denseByDefault: cannot use "bn_1"/);
    });
  });

  describe('nested models', () => {
    it('walks into a Sequential inside a functional model; depthwise kernels, not separable convs', () => {
      const model = nestedModel();
      const layers = listMaskableLayers(model, []);
      assert.deepEqual(
        layers.map((l) => [l.layerName, l.kind]),
        [
          ['outer_conv', 'conv2d'],
          ['inner_depthwise', 'depthwiseConv2d'],
          ['inner_dense', 'dense'],
          ['outer_dense', 'dense'],
        ],
      );
      const depthwise = layers[1];
      assert.match(depthwise.kernel.originalName, /depthwise_kernel$/);
      assert.deepEqual(depthwise.kernel.shape, [3, 3, 4, 1]);
      assert.throws(
        () => listMaskableLayers(model, [], ['inner_separable']),
        /SeparableConv2D, which is not maskable/,
      );
      model.dispose();
    });

    it('refuses two maskable layers with one name', () => {
      const model = nestedModel('outer_dense');
      assert.throws(() => listMaskableLayers(model, []), /more than one maskable layer named "outer_dense"/);
      model.dispose();
    });
  });
});
