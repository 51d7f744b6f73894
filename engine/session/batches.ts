// The training batches of one epoch: their order comes from the seed and the position alone, so a
// resumed run, or the same seed in another run, sees exactly the same batches.
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import type { SearchConfig } from '../config/configSchema';
import type { Batch } from '../cs/trainStep';
import type { LabeledSplit } from '../data/dataTypes';
import { shuffledOrder } from '../data/split';
import type { Phase } from '../protocol/engineProtocol';

export function epochOrder(
  config: Pick<SearchConfig, 'shuffle' | 'seed'>,
  phase: Phase,
  round: number,
  epoch: number,
  count: number,
): Int32Array {
  if (!config.shuffle) return Int32Array.from({ length: count }, (_, i) => i);
  return shuffledOrder(count, seedrandom(`${config.seed}:${phase}:${round}:${epoch}`));
}

export function makeBatch(
  split: LabeledSplit,
  order: Int32Array,
  start: number,
  batchSize: number,
  inputSize: number,
  inputShape: number[],
): Batch {
  const n = Math.min(batchSize, split.count - start);
  const x = new Float32Array(n * inputSize);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const idx = order[start + i];
    x.set(split.x.subarray(idx * inputSize, (idx + 1) * inputSize), i * inputSize);
    y[i] = split.y[idx];
  }
  return { x: tf.tensor(x, [n, ...inputShape]), labels: tf.tensor1d(y, 'int32'), size: n };
}
