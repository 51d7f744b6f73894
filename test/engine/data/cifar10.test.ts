import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { loadData } from '../../../engine/data/loadData';
import { cifarRecord, concat, rejectsWithDataError, TempDir } from './fixtures';

describe('data: CIFAR-10 binary', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = new TempDir();
  });
  afterEach(() => tmp.remove());

  // Batch b, record n: label (b + n) % 10, pixel value depends on channel, row, column and b.
  const value = (b: number, c: number, h: number, w: number) => (b * 40 + c * 80 + h * 2 + w) % 256;
  function writeBatches(dir = tmp.dir, perBatch = 2): void {
    mkdirSync(dir, { recursive: true });
    for (let b = 1; b <= 6; b++) {
      const name = b === 6 ? 'test_batch.bin' : `data_batch_${b}.bin`;
      const records = Array.from({ length: perBatch }, (_, n) =>
        cifarRecord((b + n) % 10, (c, h, w) => value(b, c, h, w)),
      );
      tmp.write(path.relative(tmp.dir, path.join(dir, name)), concat(records));
    }
  }

  it('reads all five training batches and the test batch, channels last', async () => {
    writeBatches();
    const data = await loadData({ format: 'cifar10', dir: '.' }, tmp.dir, 0);
    assert.deepEqual(data.inputShape, [32, 32, 3]);
    assert.equal(data.train.count, 10);
    assert.equal(data.test.count, 2);
    assert.equal(data.numClasses, 10);
    assert.deepEqual(Array.from(data.train.y), [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    assert.deepEqual(Array.from(data.test.y), [6, 7]);
    // Training example 4 is the first record of batch 3; NHWC offset of (h=5, w=7, c=2).
    const at = 4 * 3072 + (5 * 32 + 7) * 3 + 2;
    assert.ok(Math.abs(data.train.x[at] - value(3, 2, 5, 7) / 255) < 1e-7);
    // Neighbouring channels of the same pixel are adjacent.
    assert.ok(Math.abs(data.train.x[at - 1] - value(3, 1, 5, 7) / 255) < 1e-7);
    assert.ok(Math.abs(data.test.x[(31 * 32 + 31) * 3] - value(6, 0, 31, 31) / 255) < 1e-7);
  });

  it('finds the batches inside the cifar-10-batches-bin folder of the archive', async () => {
    writeBatches(path.join(tmp.dir, 'cifar', 'cifar-10-batches-bin'), 1);
    const data = await loadData({ format: 'cifar10', dir: 'cifar' }, tmp.dir, 0);
    assert.equal(data.train.count, 5);
  });

  it('rejects a missing training batch', async () => {
    writeBatches();
    rmSync(path.join(tmp.dir, 'data_batch_4.bin'));
    await rejectsWithDataError(
      loadData({ format: 'cifar10', dir: '.' }, tmp.dir, 0),
      'data_batch_4.bin',
      'file',
    );
  });

  it('rejects a truncated batch', async () => {
    writeBatches();
    const rec = cifarRecord(1, () => 0);
    tmp.write('test_batch.bin', concat([rec, rec.subarray(0, 100)]));
    await rejectsWithDataError(
      loadData({ format: 'cifar10', dir: '.' }, tmp.dir, 0),
      'test_batch.bin',
      'file size',
      /3173 bytes.*3073/,
    );
  });

  it('rejects a label above 9, naming the record', async () => {
    writeBatches();
    tmp.write('data_batch_2.bin', concat([cifarRecord(3, () => 0), cifarRecord(10, () => 0)]));
    await rejectsWithDataError(
      loadData({ format: 'cifar10', dir: '.' }, tmp.dir, 0),
      'data_batch_2.bin',
      'labels[1]',
      /is 10/,
    );
  });
});
