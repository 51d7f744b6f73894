// Seeded shuffling and the validation hold-out. Everything random in data preparation goes
// through a seeded PRNG so that a run is reproducible from its config alone.
import seedrandom from 'seedrandom';
import { DataError, type LabeledSplit } from './dataTypes';

/** A uniform random permutation of 0..count-1 (Fisher-Yates) driven by `rng`. */
export function shuffledOrder(count: number, rng: () => number): Int32Array {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Copies the examples at `indices` (in that order) into a new split. */
export function takeExamples(
  split: LabeledSplit,
  inputSize: number,
  indices: ArrayLike<number>,
): LabeledSplit {
  const x = new Float32Array(indices.length * inputSize);
  const y = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    x.set(split.x.subarray(i * inputSize, (i + 1) * inputSize), k * inputSize);
    y[k] = split.y[i];
  }
  return { x, y, count: indices.length };
}

/**
 * Holds out `validationSize` randomly chosen training examples. The PRNG is keyed by purpose as
 * well as seed so this shuffle does not repeat the one that split bundled MNIST into train/test.
 */
export function splitValidation(
  train: LabeledSplit,
  inputSize: number,
  validationSize: number,
  seed: number,
): { train: LabeledSplit; validation: LabeledSplit } {
  if (train.x.length !== train.count * inputSize || train.y.length !== train.count) {
    throw new Error(
      `splitValidation: split holds ${train.x.length} values and ${train.y.length} labels, ` +
        `expected ${train.count} examples of ${inputSize} values`,
    );
  }
  if (!Number.isInteger(validationSize) || validationSize < 0 || validationSize >= train.count) {
    throw new DataError(
      'config',
      'validationSize',
      `is ${validationSize}, expected an integer in [0, ${train.count - 1}] ` +
        `(fewer than the ${train.count} training examples, so some are left to train on)`,
    );
  }
  const order = shuffledOrder(train.count, seedrandom(`validation:${seed}`));
  return {
    validation: takeExamples(train, inputSize, order.subarray(0, validationSize)),
    train: takeExamples(train, inputSize, order.subarray(validationSize)),
  };
}
