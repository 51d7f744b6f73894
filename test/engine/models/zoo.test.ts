import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ZOO_MODELS, type ZooModelName } from '../../../engine/config/configSchema';
import { buildZooModel } from '../../../engine/models/zoo';
import { layerSeed } from '../../../engine/models/zoo/layerKit';
import type { BuiltModel, ModelSpec } from '../../../engine/models/modelTypes';

const MNIST = [28, 28, 1];
const CIFAR = [32, 32, 3];

function sizeOf(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? 0), 1);
}

function trainableParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + sizeOf(w.shape), 0);
}

/** Every weight of the model, as raw bytes, keyed by its layer-scoped name. */
function weightBytes(model: tfl.LayersModel): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const w of model.weights) {
    const data = w.read().dataSync();
    out.set(w.originalName, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  return out;
}

function outputActivation(model: tfl.LayersModel): unknown {
  const layer = model.outputLayers[0];
  return layer.getConfig().activation;
}

function withModel(name: ZooModelName, spec: ModelSpec, body: (built: BuiltModel) => void): void {
  const built = buildZooModel(name, spec);
  try {
    body(built);
  } finally {
    built.model.dispose();
  }
}

describe('engine/models/zoo', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  // Counts worked out by hand from the architectures (kernels + biases + BN gamma/beta/mean/variance).
  const cases: { name: ZooModelName; shape: number[]; total: number; trainable: number }[] = [
    // 784*300+300 + 300*100+100 + 100*10+10
    { name: 'lenet-300-100', shape: MNIST, total: 266_610, trainable: 266_610 },
    { name: 'lenet-300-100', shape: [784], total: 266_610, trainable: 266_610 },
    // Frankle & Carbin's 4.3M / 2.4M; Conv-6 works out at 2.26M for this layout.
    { name: 'conv2', shape: CIFAR, total: 4_301_642, trainable: 4_301_642 },
    { name: 'conv4', shape: CIFAR, total: 2_425_930, trainable: 2_425_930 },
    { name: 'conv6', shape: CIFAR, total: 2_262_602, trainable: 2_262_602 },
    { name: 'conv6', shape: MNIST, total: 1_802_698, trainable: 1_802_698 },
    // 267,696 3x3 conv weights + 2,560 shortcut weights + 19 BN layers (2,752; half are moving statistics) + 650 classifier.
    { name: 'resnet20', shape: CIFAR, total: 273_658, trainable: 272_282 },
    { name: 'resnet20', shape: MNIST, total: 273_370, trainable: 271_994 },
    // 14,710,464 conv weights + 13 BN layers (16,896) + 5,130 classifier.
    { name: 'vgg16', shape: CIFAR, total: 14_732_490, trainable: 14_724_042 },
  ];

  for (const c of cases) {
    it(`${c.name} on [${c.shape.join(', ')}]: logits of shape [batch, classes] and ${c.total} parameters`, () => {
      withModel(c.name, { inputShape: c.shape, numClasses: 10, seed: 1 }, ({ model, description }) => {
        const y = tf.tidy(() => model.predict(tf.ones([3, ...c.shape])) as tf.Tensor);
        assert.deepEqual(y.shape, [3, 10]);
        y.dispose();
        assert.equal(model.countParams(), c.total);
        assert.equal(trainableParams(model), c.trainable);
        assert.equal(outputActivation(model), 'linear', 'the output must be logits, not softmax');
        assert.match(description, new RegExp(c.total.toLocaleString('en-US')));
      });
    });
  }

  it('resnet20 has about 0.27M parameters', () => {
    withModel('resnet20', { inputShape: CIFAR, numClasses: 10, seed: 1 }, ({ model }) => {
      assert.ok(model.countParams() > 260_000 && model.countParams() < 280_000);
    });
  });

  it('uses numClasses for the classifier', () => {
    withModel('conv2', { inputShape: MNIST, numClasses: 3, seed: 1 }, ({ model }) => {
      assert.deepEqual(model.outputs[0].shape, [null, 3]);
    });
  });

  it('gives layers stable readable names', () => {
    withModel('lenet-300-100', { inputShape: MNIST, numClasses: 10, seed: 1 }, ({ model }) => {
      assert.deepEqual(
        model.layers.map((l) => l.name),
        ['input', 'flatten', 'dense_1', 'dense_2', 'dense_3'],
      );
    });
    withModel('conv4', { inputShape: MNIST, numClasses: 10, seed: 1 }, ({ model }) => {
      const names = model.layers.map((l) => l.name);
      for (const n of ['conv_1', 'conv_4', 'pool_1', 'pool_2', 'dense_1', 'dense_3'])
        assert.ok(names.includes(n), n);
    });
    withModel('resnet20', { inputShape: CIFAR, numClasses: 10, seed: 1 }, ({ model }) => {
      const names = model.layers.map((l) => l.name);
      for (const n of [
        'conv_1',
        'bn_1',
        'stage1_block1_conv1',
        'stage2_block1_conv1',
        'stage2_block1_shortcut',
        'stage3_block1_shortcut',
        'stage3_block3_conv2',
        'dense_1',
      ]) {
        assert.ok(names.includes(n), n);
      }
      assert.ok(!names.includes('stage1_block1_shortcut'), 'stage 1 keeps the identity shortcut');
    });
  });

  it('resnet20 downsamples 32 -> 16 -> 8 and ends in 64 channels', () => {
    withModel('resnet20', { inputShape: CIFAR, numClasses: 10, seed: 1 }, ({ model }) => {
      assert.deepEqual(model.getLayer('stage1_block3_add').outputShape, [null, 32, 32, 16]);
      assert.deepEqual(model.getLayer('stage2_block1_add').outputShape, [null, 16, 16, 32]);
      assert.deepEqual(model.getLayer('stage3_block3_add').outputShape, [null, 8, 8, 64]);
      assert.deepEqual(model.getLayer('stage2_block1_shortcut').getWeights()[0].shape, [1, 1, 16, 32]);
      assert.equal(model.getLayer('conv_1').getWeights().length, 1, 'convs before BN have no bias');
    });
  });

  describe('determinism', () => {
    for (const name of ['lenet-300-100', 'conv2', 'resnet20'] as const) {
      it(`${name}: the same seed gives bit-identical weights, another seed different ones`, () => {
        const spec = { inputShape: MNIST, numClasses: 10, seed: 42 };
        withModel(name, spec, (a) =>
          withModel(name, spec, (b) =>
            withModel(name, { ...spec, seed: 43 }, (c) => {
              const wa = weightBytes(a.model);
              const wb = weightBytes(b.model);
              const wc = weightBytes(c.model);
              assert.deepEqual([...wa.keys()], [...wb.keys()]);
              for (const [key, bytes] of wa) {
                assert.ok(bytes.equals(wb.get(key)!), `${key} differs between two builds with one seed`);
              }
              for (const w of a.model.weights) {
                if (!w.originalName.endsWith('/kernel')) continue;
                assert.ok(
                  !wa.get(w.originalName)!.equals(wc.get(w.originalName)!),
                  `${w.originalName} ignores the seed`,
                );
              }
            }),
          ),
        );
      });
    }

    it('layers of the same shape get different weights', () => {
      withModel('resnet20', { inputShape: CIFAR, numClasses: 10, seed: 5 }, ({ model }) => {
        const a = model.getLayer('stage1_block1_conv2').getWeights()[0].dataSync();
        const b = model.getLayer('stage1_block2_conv1').getWeights()[0].dataSync();
        assert.notDeepEqual(Array.from(a.slice(0, 50)), Array.from(b.slice(0, 50)));
      });
    });

    it('layerSeed mixes seed and index so neighbouring runs do not share layer streams', () => {
      assert.notEqual(layerSeed(1, 2), layerSeed(2, 1));
      assert.notEqual(layerSeed(0, 0), layerSeed(0, 1));
      assert.equal(layerSeed(1234, 3), layerSeed(1234, 3));
    });
  });

  describe('initialisation', () => {
    function stats(t: tf.Tensor): { mean: number; std: number; maxAbs: number } {
      const d = t.dataSync();
      let sum = 0;
      let sq = 0;
      let maxAbs = 0;
      for (const v of d) {
        sum += v;
        sq += v * v;
        maxAbs = Math.max(maxAbs, Math.abs(v));
      }
      const mean = sum / d.length;
      return { mean, std: Math.sqrt(sq / d.length - mean * mean), maxAbs };
    }

    it('conv kernels are Xavier normal as in the reference (std sqrt(2/(fanIn+fanOut)), untruncated), biases zero, BN gamma 1 beta 0', () => {
      withModel('resnet20', { inputShape: CIFAR, numClasses: 10, seed: 9 }, ({ model }) => {
        const kernel = model.getLayer('stage3_block2_conv1').getWeights()[0]; // 3x3x64x64
        const s = stats(kernel);
        const expected = Math.sqrt(2 / (3 * 3 * 64 + 3 * 3 * 64));
        assert.ok(Math.abs(s.std / expected - 1) < 0.03, `std ${s.std} vs ${expected}`);
        assert.ok(Math.abs(s.mean) < 0.01);
        // A truncated normal would never exceed 2 std; 36,864 untruncated draws almost surely do.
        assert.ok(s.maxAbs > 2.5 * expected, 'kernel looks truncated');
        const [gamma, beta, movingMean, movingVar] = model.getLayer('bn_1').getWeights();
        assert.deepEqual(Array.from(new Set(gamma.dataSync())), [1]);
        assert.deepEqual(Array.from(new Set(beta.dataSync())), [0]);
        assert.deepEqual(Array.from(new Set(movingMean.dataSync())), [0]);
        assert.deepEqual(Array.from(new Set(movingVar.dataSync())), [1]);
      });
    });

    it('dense kernels are Glorot uniform and biases zero', () => {
      withModel('lenet-300-100', { inputShape: MNIST, numClasses: 10, seed: 9 }, ({ model }) => {
        const [kernel, bias] = model.getLayer('dense_1').getWeights();
        const limit = Math.sqrt(6 / (784 + 300));
        const s = stats(kernel);
        assert.ok(s.maxAbs <= limit && s.maxAbs > 0.99 * limit, `max ${s.maxAbs} vs limit ${limit}`);
        assert.ok(Math.abs(s.std / (limit / Math.sqrt(3)) - 1) < 0.02);
        assert.deepEqual(Array.from(new Set(bias.dataSync())), [0]);
      });
    });
  });

  describe('errors', () => {
    it('rejects inputs too small for the pools, naming the sizes', () => {
      assert.throws(
        () => buildZooModel('conv6', { inputShape: [4, 4, 1], numClasses: 10, seed: 1 }),
        /Conv-6 needs inputs of at least 8x8.*4x4x1/,
      );
      assert.throws(
        () => buildZooModel('vgg16', { inputShape: MNIST, numClasses: 10, seed: 1 }),
        /VGG-16.*at least 32x32.*28x28x1/,
      );
    });

    it('rejects flat inputs for image networks', () => {
      for (const name of ['conv2', 'resnet20', 'vgg16'] as const) {
        assert.throws(
          () => buildZooModel(name, { inputShape: [784], numClasses: 10, seed: 1 }),
          /needs image inputs of shape \[height, width, channels\].*\[784\]/,
        );
      }
    });

    it('rejects fewer than two classes and bad shapes', () => {
      assert.throws(
        () => buildZooModel('lenet-300-100', { inputShape: MNIST, numClasses: 1, seed: 1 }),
        /at least 2/,
      );
      assert.throws(
        () => buildZooModel('lenet-300-100', { inputShape: [0, 3], numClasses: 10, seed: 1 }),
        /positive integers/,
      );
    });

    it('rejects unknown zoo names', () => {
      assert.throws(
        () => buildZooModel('resnet18' as ZooModelName, { inputShape: CIFAR, numClasses: 10, seed: 1 }),
        /resnet20/,
      );
    });
  });

  it('builds every zoo model', () => {
    // Guards against a name added to the config schema without a factory.
    for (const name of ZOO_MODELS) {
      const shape = name === 'lenet-300-100' ? MNIST : CIFAR;
      withModel(name, { inputShape: shape, numClasses: 10, seed: 1 }, ({ model }) =>
        assert.ok(model.countParams() > 0),
      );
    }
  });
});
