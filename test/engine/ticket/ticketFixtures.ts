// Shared fixtures: a small two-layer model, its ticket (random masks, folded model) and manifest.
import { maskScale } from '../../../engine/cs/maskedModel';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import seedrandom from 'seedrandom';
import { Value } from '@sinclair/typebox/value';
import { SearchConfigSchema, type SearchConfig } from '../../../engine/config/configSchema';
import type { NamedArray } from '../../../engine/ticket/safetensors';
import {
  describeMaskConvention,
  TICKET_FORMAT_VERSION,
  type TicketManifest,
} from '../../../engine/ticket/ticketManifest';
import type { TicketArtifacts } from '../../../engine/ticket/exportTicket';

export const MASKED_LAYERS = ['fc1', 'fc2'];

export function buildModel(seed: number): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(
    tfl.layers.dense({
      name: 'fc1',
      units: 6,
      inputShape: [4],
      activation: 'relu',
      kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      biasInitializer: tfl.initializers.randomNormal({ seed: seed + 1 }),
    }),
  );
  model.add(
    tfl.layers.dense({
      name: 'fc2',
      units: 3,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }),
    }),
  );
  return model;
}

/** Raw weights of a model as F32 NamedArrays, named like the weights in model.json. */
export function namedWeights(model: tfl.LayersModel): NamedArray[] {
  return model.weights.map((w) => {
    const t = w.read();
    return {
      name: w.originalName,
      dtype: 'F32' as const,
      shape: t.shape,
      data: t.dataSync() as Float32Array,
    };
  });
}

export function randomMask(name: string, shape: number[], rng: () => number): NamedArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = rng() < 0.4 ? 1 : 0;
  return { name, dtype: 'U8', shape, data };
}

/** A copy of `raw` whose masked kernels are W * mask * scale: the engine's ticket as a plain model. */
export function foldedModel(
  raw: tfl.LayersModel,
  masks: NamedArray[],
  scale: number,
  seed: number,
): tfl.LayersModel {
  const folded = buildModel(seed);
  for (const layer of raw.layers) {
    const mask = masks.find((m) => m.name === layer.name);
    const weights = layer.getWeights();
    if (mask) {
      const [kernel, ...rest] = weights;
      const m = tf.tensor(Float32Array.from(mask.data), mask.shape);
      folded.getLayer(layer.name).setWeights([tf.mul(tf.mul(kernel, m), scale), ...rest]);
    } else {
      folded.getLayer(layer.name).setWeights(weights);
    }
  }
  return folded;
}

/** A valid config from the schema's defaults, so the fixture follows schema changes. */
export function fakeConfig(): SearchConfig {
  const config = Value.Default(SearchConfigSchema, {
    model: 'test-mlp',
    data: { format: 'mnist-bundled' },
    backend: 'cpu',
    seed: 7,
  });
  if (!Value.Check(SearchConfigSchema, config)) {
    throw new Error(
      `fixture config invalid: ${[...Value.Errors(SearchConfigSchema, config)].map((e) => e.message).join('; ')}`,
    );
  }
  return config;
}

export function countOnes(data: NamedArray['data']): number {
  let n = 0;
  for (const v of data) n += v;
  return n;
}

export function manifestFor(masks: NamedArray[], config: SearchConfig): TicketManifest {
  const layers = masks.map((m) => {
    const kept = countOnes(m.data);
    return {
      name: m.name,
      kind: 'Dense',
      shape: m.shape,
      kept,
      total: m.data.length,
      density: kept / m.data.length,
    };
  });
  const kept = layers.reduce((a, l) => a + l.kept, 0);
  const total = layers.reduce((a, l) => a + l.total, 0);
  return {
    formatVersion: TICKET_FORMAT_VERSION,
    engineVersion: '0.1.0',
    runId: 'run-test',
    createdAt: new Date(0).toISOString(),
    backend: 'cpu',
    model: { name: 'test-mlp', description: 'MLP 4-6-3', inputShape: [4], numClasses: 3 },
    data: { description: 'random numbers', trainCount: 10, validationCount: 2, testCount: 2 },
    hyperparameters: config,
    maskConvention: describeMaskConvention(maskScale(config.maskInit)),
    layers,
    kept,
    total,
    density: kept / total,
    accuracies: { ticketTest: 0.5, ticketTestAtRewind: null, denseTest: null, searchValidation: 0.25 },
    files: {},
  };
}

export interface TicketFixture {
  artifacts: TicketArtifacts;
  rawRewound: tfl.LayersModel;
  rawTrained: tfl.LayersModel;
}

export function makeTicket(seed = 11): TicketFixture {
  const rng = seedrandom(String(seed));
  const config = fakeConfig();
  const scale = maskScale(config.maskInit);
  const rawRewound = buildModel(seed);
  const rawTrained = buildModel(seed + 100);
  const masks = MASKED_LAYERS.map((name) => {
    const shape = rawRewound.getLayer(name).getWeights()[0].shape;
    return randomMask(name, shape, rng);
  });
  return {
    rawRewound,
    rawTrained,
    artifacts: {
      manifest: manifestFor(masks, config),
      rewoundModel: foldedModel(rawRewound, masks, scale, seed),
      trainedModel: foldedModel(rawTrained, masks, scale, seed),
      masks,
      rewoundWeights: namedWeights(rawRewound),
      trainedWeights: namedWeights(rawTrained),
    },
  };
}
