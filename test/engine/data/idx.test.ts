import * as assert from 'node:assert/strict';
import { gzipSync } from 'fflate';
import { loadData } from '../../../engine/data/loadData';
import { concat, idxBytes, rejectsWithDataError, TempDir } from './fixtures';

// 3 train images of 2x3 and 2 test images; pixel (n, r, c) = 10n + 3r + c so each is identifiable.
const pixels = (count: number) =>
  Array.from({ length: count * 6 }, (_, i) => 10 * Math.floor(i / 6) + (i % 6) + (i === 0 ? 255 : 0));

describe('data: MNIST IDX', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = new TempDir();
  });
  afterEach(() => tmp.remove());

  const spec = {
    format: 'mnist-idx',
    trainImages: 'train-images',
    trainLabels: 'train-labels.gz',
    testImages: 'test-images.gz',
    testLabels: 'test-labels',
  } as const;

  function writeValid(): void {
    tmp.write('train-images', idxBytes([3, 2, 3], pixels(3)));
    tmp.write('train-labels.gz', gzipSync(idxBytes([3], [7, 0, 11])));
    tmp.write('test-images.gz', gzipSync(idxBytes([2, 2, 3], pixels(2))));
    tmp.write('test-labels', idxBytes([2], [1, 2]));
  }

  it('reads plain and gzipped files into [rows, cols, 1] images scaled to [0, 1]', async () => {
    writeValid();
    const data = await loadData(spec, tmp.dir, 0);
    assert.deepEqual(data.inputShape, [2, 3, 1]);
    assert.equal(data.train.count, 3);
    assert.equal(data.test.count, 2);
    assert.equal(data.train.x.length, 18);
    assert.equal(data.train.x[0], 1); // 255 / 255
    // image 2, row 1, col 2 -> 20 + 3 + 2
    assert.ok(Math.abs(data.train.x[2 * 6 + 1 * 3 + 2] - 25 / 255) < 1e-7);
    assert.ok(Math.abs(data.test.x[1 * 6 + 4] - 14 / 255) < 1e-7);
    assert.deepEqual(Array.from(data.train.y), [7, 0, 11]);
    assert.deepEqual(Array.from(data.test.y), [1, 2]);
    assert.equal(data.numClasses, 12);
  });

  it('reads float32 images as they are', async () => {
    writeValid();
    tmp.write('train-images', idxBytes([3, 2, 3], [0.5, -2, ...new Array<number>(16).fill(0)], 0x0d));
    tmp.write('test-images.gz', gzipSync(idxBytes([2, 2, 3], new Array<number>(12).fill(0), 0x0d)));
    const data = await loadData(spec, tmp.dir, 0);
    assert.deepEqual(Array.from(data.train.x.subarray(0, 2)), [0.5, -2]);
  });

  it('rejects a truncated file, naming it', async () => {
    writeValid();
    tmp.write('train-images', idxBytes([3, 2, 3], pixels(3)).subarray(0, 16 + 10));
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'train-images', 'data', /truncated/);
  });

  it('rejects a truncated gzip stream', async () => {
    writeValid();
    const gz = gzipSync(idxBytes([2, 2, 3], pixels(2)));
    tmp.write('test-images.gz', gz.subarray(0, gz.length - 12));
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'test-images.gz', 'gzip', /truncated/);
  });

  it('rejects a wrong magic number', async () => {
    writeValid();
    const bad = idxBytes([3, 2, 3], pixels(3));
    bad[0] = 0x12;
    tmp.write('train-images', bad);
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'train-images', 'header.magic', /0x00000803/);
  });

  it('rejects an unknown dtype and a labels file given as images', async () => {
    writeValid();
    const bad = idxBytes([3, 2, 3], pixels(3));
    bad[2] = 0x07;
    tmp.write('train-images', bad);
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'train-images', 'header.dtype');
    tmp.write('train-images', idxBytes([3], [1, 2, 3]));
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'train-images', 'header.ndims', /expected 3/);
  });

  it('rejects label and image counts that differ', async () => {
    writeValid();
    tmp.write('test-labels', idxBytes([3], [1, 2, 3]));
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'test-labels', 'header.dims[0]', /expected 2/);
  });

  it('rejects a negative label, naming its index', async () => {
    writeValid();
    tmp.write('test-labels', idxBytes([2], [1, -4], 0x09));
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'test-labels', 'labels[1]', /-4/);
  });

  it('rejects NaN pixels in a float file, naming the index', async () => {
    writeValid();
    const values = new Array<number>(18).fill(0);
    values[6 + 4] = NaN;
    tmp.write('train-images', idxBytes([3, 2, 3], values, 0x0d));
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'train-images', 'images[1, 1, 1, 0]', /NaN/);
  });

  it('rejects test images of another size than the training images', async () => {
    writeValid();
    tmp.write('test-images.gz', idxBytes([2, 3, 2], pixels(2)));
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'test-images.gz', 'header.dims', /\[3, 2, 1\]/);
  });

  it('rejects a missing file and a file with trailing bytes', async () => {
    writeValid();
    await rejectsWithDataError(
      loadData({ ...spec, testLabels: 'nope-labels' }, tmp.dir, 0),
      'nope-labels',
      'file',
      /not found/,
    );
    tmp.write('test-labels', concat([idxBytes([2], [1, 2]), new Uint8Array(3)]));
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'test-labels', 'data', /too long/);
  });
});
