import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { zipSync } from 'fflate';
import { loadData } from '../../../engine/data/loadData';
import { npyBytes, rejectsWithDataError, TempDir } from './fixtures';

describe('data: NumPy .npy / .npz', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = new TempDir();
  });
  afterEach(() => tmp.remove());

  const npySpec = {
    format: 'npy',
    trainX: 'tx.npy',
    trainY: 'ty.npy',
    testX: 'sx.npy',
    testY: 'sy.npy',
  } as const;
  // x[n, f] = n + f / 10 for 4 examples of 3 features.
  const xValues = Array.from({ length: 12 }, (_, i) => Math.floor(i / 3) + (i % 3) / 10);

  function writeNpy(): void {
    tmp.write('tx.npy', npyBytes('<f4', [4, 3], xValues));
    tmp.write('ty.npy', npyBytes('<i8', [4], [0, 1, 2, 1]));
    tmp.write('sx.npy', npyBytes('<f8', [2, 3], xValues.slice(0, 6)));
    tmp.write('sy.npy', npyBytes('<f8', [2], [3, 0]));
  }

  it('reads float32 / float64 inputs and int64 / integral-float labels', async () => {
    writeNpy();
    const data = await loadData(npySpec, tmp.dir, 0);
    assert.deepEqual(data.inputShape, [3]);
    assert.equal(data.train.count, 4);
    assert.ok(Math.abs(data.train.x[2 * 3 + 1] - 2.1) < 1e-6);
    assert.deepEqual(Array.from(data.train.y), [0, 1, 2, 1]);
    assert.deepEqual(Array.from(data.test.y), [3, 0]);
    assert.equal(data.numClasses, 4);
  });

  it('scales uint8 inputs to [0, 1], adds a channel to (N, H, W) and reorders Fortran arrays', async () => {
    writeNpy();
    // 2 images of 2x3: C-order value at (n, h, w) = 100n + 10h + w.
    const c = (n: number, h: number, w: number) => 100 * n + 10 * h + w;
    const fortran: number[] = [];
    for (let w = 0; w < 3; w++)
      for (let h = 0; h < 2; h++) for (let n = 0; n < 2; n++) fortran.push(c(n, h, w));
    tmp.write('tx.npy', npyBytes('|u1', [2, 2, 3], fortran, true));
    tmp.write('ty.npy', npyBytes('|u1', [2], [1, 0]));
    tmp.write('sx.npy', npyBytes('<i2', [1, 2, 3], [1, 2, 3, 4, 5, -6]));
    tmp.write('sy.npy', npyBytes('<i4', [1], [0]));
    const data = await loadData(npySpec, tmp.dir, 0);
    assert.deepEqual(data.inputShape, [2, 3, 1]);
    const expected = [0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112].map((v) => v / 255);
    Array.from(data.train.x).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-7, `x[${i}] = ${v}`));
    assert.equal(data.test.x[5], -6); // int16 is not scaled
  });

  it('reads x and y from an .npz archive', async () => {
    tmp.write(
      'train.npz',
      zipSync({ 'x.npy': npyBytes('<f4', [4, 3], xValues), 'y.npy': npyBytes('<i8', [4], [0, 1, 0, 1]) }),
    );
    tmp.write(
      'test.npz',
      zipSync(
        { 'x.npy': npyBytes('<f4', [1, 3], [7, 8, 9]), 'y.npy': npyBytes('<i8', [1], [1]) },
        { level: 0 },
      ),
    );
    const data = await loadData({ format: 'npz', train: 'train.npz', test: 'test.npz' }, tmp.dir, 0);
    assert.equal(data.train.count, 4);
    assert.deepEqual(Array.from(data.test.x), [7, 8, 9]);
    assert.deepEqual(Array.from(data.train.y), [0, 1, 0, 1]);
  });

  it('rejects NaN and Inf inputs, naming the index', async () => {
    writeNpy();
    const bad = [...xValues];
    bad[2 * 3 + 1] = NaN;
    tmp.write('tx.npy', npyBytes('<f4', [4, 3], bad));
    await rejectsWithDataError(loadData(npySpec, tmp.dir, 0), 'tx.npy', 'x[2, 1]', /NaN/);
    bad[2 * 3 + 1] = 0;
    bad[11] = -Infinity;
    tmp.write('tx.npy', npyBytes('<f4', [4, 3], bad));
    await rejectsWithDataError(loadData(npySpec, tmp.dir, 0), 'tx.npy', 'x[3, 2]', /-Infinity/);
  });

  it('rejects x and y of different lengths', async () => {
    writeNpy();
    tmp.write('sy.npy', npyBytes('<f8', [3], [0, 1, 2]));
    await rejectsWithDataError(loadData(npySpec, tmp.dir, 0), 'sy.npy', 'y.shape', /3 labels, expected 2/);
  });

  it('rejects non-integer, negative and one-hot labels', async () => {
    writeNpy();
    tmp.write('ty.npy', npyBytes('<f4', [4], [0, 1, 1.5, 1]));
    await rejectsWithDataError(loadData(npySpec, tmp.dir, 0), 'ty.npy', 'y[2]', /1\.5.*integer/);
    tmp.write('ty.npy', npyBytes('<i4', [4], [0, -1, 1, 1]));
    await rejectsWithDataError(loadData(npySpec, tmp.dir, 0), 'ty.npy', 'y[1]', /-1/);
    tmp.write('ty.npy', npyBytes('<f4', [4, 2], [1, 0, 0, 1, 1, 0, 0, 1]));
    await rejectsWithDataError(loadData(npySpec, tmp.dir, 0), 'ty.npy', 'y.shape', /one-hot/);
  });

  it('rejects truncated data, a bad magic and big-endian arrays', async () => {
    writeNpy();
    const full = npyBytes('<f4', [4, 3], xValues);
    tmp.write('tx.npy', full.subarray(0, full.length - 8));
    await rejectsWithDataError(loadData(npySpec, tmp.dir, 0), 'tx.npy', 'x.data', /truncated/);
    tmp.write('tx.npy', full.subarray(0, full.length - 3));
    await rejectsWithDataError(loadData(npySpec, tmp.dir, 0), 'tx.npy', 'x.data', /truncated/);
    tmp.write('tx.npy', 'x,y\n1,2\n');
    await rejectsWithDataError(loadData(npySpec, tmp.dir, 0), 'tx.npy', 'x.header.magic');
    tmp.write('tx.npy', npyBytes('>f4', [4, 3], xValues));
    await rejectsWithDataError(loadData(npySpec, tmp.dir, 0), 'tx.npy', 'x.dtype', /big-endian/);
  });

  it('rejects test inputs shaped unlike the training inputs', async () => {
    writeNpy();
    tmp.write('sx.npy', npyBytes('<f4', [2, 4], new Array<number>(8).fill(0)));
    await rejectsWithDataError(loadData(npySpec, tmp.dir, 0), 'sx.npy', 'x.shape', /\[4\].*\[3\]/);
  });

  it('rejects an .npz without y, listing what it holds, and a file that is not a zip', async () => {
    tmp.write(
      'train.npz',
      zipSync({ 'x.npy': npyBytes('<f4', [1, 1], [0]), 'labels.npy': npyBytes('<i4', [1], [0]) }),
    );
    const spec = { format: 'npz', train: 'train.npz', test: 'test.npz' } as const;
    tmp.write(
      'test.npz',
      zipSync({ 'x.npy': npyBytes('<f4', [1, 1], [0]), 'y.npy': npyBytes('<i4', [1], [0]) }),
    );
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'train.npz', 'y', /x, labels/);
    tmp.write('train.npz', 'not a zip');
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'train.npz', 'zip');
  });

  it('reads files written by NumPy itself (np.save, np.savez, savez_compressed, Fortran order)', async function () {
    this.timeout(60_000); // starts a Python interpreter
    const script = [
      'import numpy as np, sys',
      'd = sys.argv[1]',
      'x = (np.arange(24, dtype=np.float32).reshape(4, 2, 3) / 7)',
      'y = np.array([0, 2, 1, 2])',
      "np.savez(d + '/a.npz', x=x, y=y)",
      "np.savez_compressed(d + '/b.npz', x=x, y=y)",
      "np.save(d + '/x.npy', np.asfortranarray(x)); np.save(d + '/y.npy', y)",
    ].join('\n');
    // .ci/run makes sure one of these has NumPy (the image's pyenv Python does; else Debian's python3-numpy).
    const pythons = ['python3', '/usr/bin/python3'];
    const py = pythons
      .map((python) => spawnSync(python, ['-c', script, tmp.dir], { encoding: 'utf8' }))
      .find((r) => !r.error && r.status === 0);
    assert.ok(py, `none of ${pythons.join(', ')} could run NumPy; install python3-numpy`);
    const expected = Array.from({ length: 24 }, (_, i) => i / 7);
    for (const data of [
      await loadData({ format: 'npz', train: 'a.npz', test: 'b.npz' }, tmp.dir, 0),
      await loadData(
        { format: 'npy', trainX: 'x.npy', trainY: 'y.npy', testX: 'x.npy', testY: 'y.npy' },
        tmp.dir,
        0,
      ),
    ]) {
      assert.deepEqual(data.inputShape, [2, 3, 1]);
      for (const split of [data.train, data.test]) {
        Array.from(split.x).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `x[${i}] = ${v}`));
        assert.deepEqual(Array.from(split.y), [0, 2, 1, 2]);
      }
    }
  });
});
