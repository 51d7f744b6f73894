// Helpers every format loader shares: reading a file with a DataError instead of a bare ENOENT,
// checking labels and inputs, and assembling the final DataSource so that the class count and
// the train/test shape agreement are decided in one place for all formats.
import { readFile } from 'node:fs/promises';
import { DataError, type DataSource, type LabeledSplit } from './dataTypes';

/**
 * Labels are class indices, so the output layer gets max(label) + 1 units. A cap catches the
 * common mistake of pointing the label at an id or a measurement column, which would otherwise
 * silently build a network with hundreds of thousands of outputs.
 */
export const MAX_CLASSES = 10_000;

/** Reads a whole file; a missing or unreadable file becomes a DataError that names it. */
export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(file, 'file', 'not found');
    if (code === 'EISDIR') throw new DataError(file, 'file', 'is a folder, expected a file');
    throw new DataError(file, 'file', `cannot be read (${(err as Error).message})`);
  }
}

/**
 * Turns raw label values into class indices. `field(i)` names the i-th label in errors, e.g.
 * `labels[17]` or `row 5, column "species"`, so the user can find the bad value.
 */
export function toLabels(
  file: string,
  values: ArrayLike<number | bigint>,
  field: (i: number) => string,
): Int32Array {
  const labels = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (!Number.isInteger(v)) {
      throw new DataError(file, field(i), `is ${v}, expected an integer class index`);
    }
    if (v < 0 || v >= MAX_CLASSES) {
      throw new DataError(file, field(i), `is ${v}, expected a class index in [0, ${MAX_CLASSES - 1}]`);
    }
    labels[i] = v;
  }
  return labels;
}

/** Formats a flat element index of an (N, ...shape) array as `name[n, i, j]`. */
export function indexName(name: string, flat: number, fullShape: readonly number[]): string {
  const idx: number[] = new Array<number>(fullShape.length);
  let rest = flat;
  for (let d = fullShape.length - 1; d >= 0; d--) {
    idx[d] = rest % fullShape[d];
    rest = Math.floor(rest / fullShape[d]);
  }
  return `${name}[${idx.join(', ')}]`;
}

/** NaN or Inf inputs poison training without an error anywhere else, so reject them here. */
export function assertFinite(
  file: string,
  name: string,
  x: Float32Array,
  fullShape: readonly number[],
): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new DataError(file, indexName(name, i, fullShape), `is ${x[i]}, expected a finite number`);
    }
  }
}

export function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}

/** One split as a loader produced it, with where it came from for error messages. */
export interface LoadedSplit {
  split: LabeledSplit;
  inputShape: number[];
  /** The file (or folder) errors about this split should name. */
  file: string;
}

/**
 * Builds the DataSource: both splits must be non-empty and share one input shape (the network
 * has a single input layer), and the class count covers the labels of both splits.
 */
export function assemble(
  name: string,
  train: LoadedSplit,
  test: LoadedSplit,
  shapeField: string,
): DataSource {
  for (const s of [train, test]) {
    if (s.split.count === 0) throw new DataError(s.file, shapeField, 'has no examples');
  }
  if (test.inputShape.join('x') !== train.inputShape.join('x')) {
    throw new DataError(
      test.file,
      shapeField,
      `examples have shape [${test.inputShape.join(', ')}] but the training data (${train.file}) ` +
        `has [${train.inputShape.join(', ')}]; both splits must match`,
    );
  }
  let maxLabel = 0;
  for (const s of [train, test]) {
    for (const y of s.split.y) if (y > maxLabel) maxLabel = y;
  }
  return {
    description: `${name} (${train.split.count} train / ${test.split.count} test)`,
    inputShape: train.inputShape,
    // A classifier needs at least two outputs even if a tiny subset happens to hold one class.
    numClasses: Math.max(2, maxLabel + 1),
    train: train.split,
    test: test.split,
  };
}

/**
 * Runs loads one after another, in the order the user listed the files, so that when several are
 * bad the error always names the first (parallel loads would name whichever failed first).
 */
export async function inOrder<T>(loads: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (const load of loads) results.push(await load());
  return results;
}
