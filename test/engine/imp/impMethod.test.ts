// IMP inside the engine, on a tiny model with known weights: binary masks with no scale (the effective
// weight is exactly W * m), and a round's end: test, prune the trained weights, rewind, fresh optimiser.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { resolveConfig } from '../../../engine/config/resolveConfig';
import { MaskedModel } from '../../../engine/cs/maskedModel';
import { ImpMethod } from '../../../engine/imp/impMethod';
import { readBinaryMasks, writeBinaryMasks } from '../../../engine/imp/impMasks';
import { listMaskableLayers } from '../../../engine/models/maskableLayers';
import type { EngineMessage } from '../../../engine/protocol/engineProtocol';
import type { PreparedData } from '../../../engine/session/prepareRun';
import type { SearchMethodHost } from '../../../engine/session/searchMethod';

/** 4 inputs -> 5 units (20 kernel weights, masked) -> 2 classes (10 kernel weights, masked). */
function tinyModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [4] });
  const hidden = tfl.layers.dense({ units: 5, name: 'a' }).apply(input) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, name: 'b' }).apply(hidden) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

function binaryModel(maskInit = 0): MaskedModel {
  const model = tinyModel();
  return new MaskedModel(model, listMaskableLayers(model, []), maskInit, { binary: true });
}

const kernelOf = async (mm: MaskedModel, layer: string) =>
  Array.from(await mm.model.getLayer(layer).getWeights()[0].data());
const rawOf = async (mm: MaskedModel, i: number) => Array.from(await mm.masked[i].weight.data());

const tinyData: PreparedData = {
  description: 'four points',
  inputShape: [4],
  numClasses: 2,
  train: { x: new Float32Array(0), y: new Int32Array(0), count: 0 },
  validation: { x: new Float32Array(0), y: new Int32Array(0), count: 0 },
  test: {
    x: Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
    y: Int32Array.from([0, 1, 0, 1]),
    count: 4,
  },
};

describe('IMP: binary masks and a round end', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('computes with exactly W * m: no 1/sigmoid(s0) scale, whatever maskInit says', async () => {
    const mm = binaryModel(0); // CS would scale by 1/sigmoid(0) = 2
    assert.equal(mm.scale, 1);
    const raw = await rawOf(mm, 0);
    assert.deepEqual(await kernelOf(mm, 'a'), raw, 'a fresh IMP mask keeps every weight as it is');
    const mask = Uint8Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    writeBinaryMasks(mm, [mask, new Uint8Array(10).fill(1)]);
    const effective = await kernelOf(mm, 'a');
    // === rather than assert.equal: W * 0 is -0 for a negative W, which is the 0 we mean.
    effective.forEach((w, i) => assert.ok(w === (mask[i] ? raw[i] : 0), `weight ${i}: ${w}`));
    assert.deepEqual(Array.from((await readBinaryMasks(mm))[0]), Array.from(mask));
    assert.deepEqual(await mm.keptCounts(), [13, 10]);
    assert.throws(() => mm.setMode({ kind: 'soft', temperature: 1 }), /no soft mode/);
  });

  it('ends a round: tests, then prunes the smallest trained |W|, rewinds and resets the optimiser', async () => {
    const mm = binaryModel();
    const config = resolveConfig({ method: 'imp', rounds: 3, epochsPerRound: 4, rewindEpoch: 0 }, 'test');
    // "Trained" weights with known magnitudes: layer a holds +-1..20, layer b +-0.1..1.0.
    const trainedA = Array.from({ length: 20 }, (_, i) => (i % 2 ? -1 : 1) * (((i * 7) % 20) + 1));
    const trainedB = Array.from({ length: 10 }, (_, i) => (i + 1) / 10);
    mm.masked[0].weight.assign(tf.tensor(trainedA, [4, 5]));
    mm.masked[1].weight.assign(tf.tensor(trainedB, [5, 2]));
    const messages: EngineMessage[] = [];
    const calls: string[] = [];
    const host: SearchMethodHost = {
      config,
      mm,
      data: tinyData,
      emit: (m) => messages.push(m),
      log: () => undefined,
      rewindWeights: () => calls.push('rewind'),
      resetWeightOptimizer: () => calls.push('reset'),
    };
    const imp = new ImpMethod(host);
    assert.equal(imp.maskOptimizer, null);
    assert.equal(imp.lambda, 0);
    assert.equal(imp.beginEpoch(), 1);
    assert.equal(imp.finalTicketRound, 4);

    const keptFraction = await imp.endRound(0, false);
    // Layer-wise: a loses round(0.2 * 20) = 4 (|W| 1..4), b loses 2 (0.1 and 0.2).
    const [maskA, maskB] = await readBinaryMasks(mm);
    assert.deepEqual(
      Array.from(maskA),
      trainedA.map((w) => (Math.abs(w) <= 4 ? 0 : 1)),
    );
    assert.deepEqual(Array.from(maskB), [0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    assert.equal(keptFraction, 24 / 30);
    assert.deepEqual(calls, ['rewind', 'reset']);
    // The round's ticket is reported at its density before pruning, after its training.
    const [result] = messages;
    assert.ok(result.type === 'ticketResult');
    assert.deepEqual(
      { ...result, testAccuracy: 0 },
      {
        type: 'ticketResult',
        method: 'imp',
        round: 1,
        kept: 30,
        total: 30,
        keptFraction: 1,
        testAccuracy: 0,
        trainEpochs: 4,
      },
    );
    assert.ok(result.testAccuracy >= 0 && result.testAccuracy <= 1);

    // The last round prunes too but leaves the rewinding to the ticket phase; pruned weights stay
    // pruned even where their trained magnitude is now large.
    mm.masked[1].weight.assign(
      tf.tensor(
        trainedB.map((w, i) => (i < 2 ? 100 : w)),
        [5, 2],
      ),
    );
    calls.length = 0;
    await imp.endRound(1, true);
    assert.deepEqual(calls, []);
    assert.deepEqual(await mm.keptCounts(), [13, 6]); // 16 - round(3.2) = 13; 8 - round(1.6) = 6
    assert.deepEqual(Array.from((await readBinaryMasks(mm))[1]), [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  });
});
