// CIFAR-10's binary version: each record is 1 label byte then a 32x32 image stored channel by
// channel (1024 red, 1024 green, 1024 blue bytes). The rest of the engine expects NHWC, so the
// channels are interleaved here once instead of transposing a tensor on every batch.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { DataConfig } from '../config/configSchema';
import { assemble, inOrder, readBytes, type LoadedSplit } from './common';
import { DataError, type DataSource } from './dataTypes';

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const IMAGE_BYTES = 3 * PIXELS;
const RECORD_BYTES = 1 + IMAGE_BYTES;
const INPUT_SHAPE = [SIDE, SIDE, 3];

export const TRAIN_BATCHES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const TEST_BATCH = 'test_batch.bin';

/** Decodes one batch file into `x` / `y` starting at example `offset`. */
function decodeBatch(file: string, bytes: Uint8Array, x: Float32Array, y: Int32Array, offset: number): void {
  const count = bytes.length / RECORD_BYTES;
  for (let n = 0; n < count; n++) {
    const rec = n * RECORD_BYTES;
    const label = bytes[rec];
    if (label > 9) {
      throw new DataError(file, `labels[${n}]`, `is ${label} (byte ${rec}), expected a class in [0, 9]`);
    }
    y[offset + n] = label;
    const out = (offset + n) * IMAGE_BYTES;
    for (let c = 0; c < 3; c++) {
      const plane = rec + 1 + c * PIXELS;
      for (let p = 0; p < PIXELS; p++) x[out + p * 3 + c] = bytes[plane + p] / 255;
    }
  }
}

async function loadBatches(dir: string, names: string[]): Promise<LoadedSplit> {
  const files = names.map((n) => path.join(dir, n));
  const batches = await inOrder(files.map((f) => () => readBytes(f)));
  let count = 0;
  batches.forEach((b, i) => {
    if (b.length === 0 || b.length % RECORD_BYTES !== 0) {
      throw new DataError(
        files[i],
        'file size',
        `is ${b.length} bytes, expected a positive multiple of ${RECORD_BYTES} ` +
          `(1 label byte + 32x32x3 image bytes per record); truncated or not the binary version?`,
      );
    }
    count += b.length / RECORD_BYTES;
  });
  const x = new Float32Array(count * IMAGE_BYTES);
  const y = new Int32Array(count);
  let offset = 0;
  batches.forEach((b, i) => {
    decodeBatch(files[i], b, x, y, offset);
    offset += b.length / RECORD_BYTES;
  });
  return { split: { x, y, count }, inputShape: INPUT_SHAPE, file: files[0] };
}

/**
 * The official archive unpacks into cifar-10-batches-bin/, so accept either that folder or
 * its parent as `dir`. A folder holding the Python (pickle) version gets a pointed hint.
 */
function batchDir(dir: string): string {
  if (existsSync(path.join(dir, TEST_BATCH))) return dir;
  const nested = path.join(dir, 'cifar-10-batches-bin');
  if (existsSync(path.join(nested, TEST_BATCH))) return nested;
  if (existsSync(path.join(dir, 'test_batch')) || existsSync(path.join(dir, 'cifar-10-batches-py'))) {
    throw new DataError(
      dir,
      'dir',
      'holds the Python (pickle) version of CIFAR-10; download the binary version (cifar-10-binary.tar.gz)',
    );
  }
  return dir;
}

export async function loadCifar10(
  spec: Extract<DataConfig, { format: 'cifar10' }>,
  baseDir: string,
): Promise<DataSource> {
  const dir = batchDir(path.resolve(baseDir, spec.dir));
  const [train, test] = await inOrder([
    () => loadBatches(dir, TRAIN_BATCHES),
    () => loadBatches(dir, [TEST_BATCH]),
  ]);
  // CIFAR-10 has ten classes by definition, even if a cut-down copy lacks some of them.
  return { ...assemble('CIFAR-10', train, test, 'file size'), numClasses: 10 };
}
