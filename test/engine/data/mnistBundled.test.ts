import * as assert from 'node:assert/strict';
import { loadData } from '../../../engine/data/loadData';
import type { DataSource } from '../../../engine/data/dataTypes';
import { rejectsWithDataError } from './fixtures';

describe('data: bundled MNIST', () => {
  let a: DataSource;
  let b: DataSource;
  let c: DataSource;
  before(async function () {
    this.timeout(60_000); // parses ~20 MB of JSON once; slow on a busy machine
    [a, b, c] = await Promise.all([
      loadData({ format: 'mnist-bundled' }, '.', 7),
      loadData({ format: 'mnist-bundled' }, '.', 7),
      loadData({ format: 'mnist-bundled' }, '.', 8),
    ]);
  });

  it('splits the 10,000 digits into 8000 train / 2000 test images of 28x28x1', () => {
    assert.equal(a.train.count, 8000);
    assert.equal(a.test.count, 2000);
    assert.equal(a.train.x.length, 8000 * 784);
    assert.equal(a.test.y.length, 2000);
    assert.deepEqual(a.inputShape, [28, 28, 1]);
    assert.equal(a.numClasses, 10);
    assert.match(a.description, /8000 train \/ 2000 test/);
  });

  it('has pixels in [0, 1] that are not all zero, and all ten classes in both splits', () => {
    for (const split of [a.train, a.test]) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of split.x) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      assert.equal(min, 0);
      assert.ok(max > 0.9 && max <= 1, `max pixel ${max}`);
      const seen = new Set(split.y);
      assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it('is reproducible for one seed and different for another', () => {
    assert.deepEqual(a.train.y, b.train.y);
    assert.deepEqual(a.test.x, b.test.x);
    assert.notDeepEqual(a.train.y, c.train.y);
    // Same digits overall: the test split of one seed is not simply the other seed's.
    const sum = (s: DataSource) => s.train.y.reduce((n, v) => n + v, 0) + s.test.y.reduce((n, v) => n + v, 0);
    assert.equal(sum(a), sum(c));
  });

  it('keeps every example intact (the image travels with its label)', () => {
    // Mean ink per class is a stable fingerprint: "1" is by far the thinnest digit.
    const ink = new Float64Array(10);
    const n = new Float64Array(10);
    for (let i = 0; i < a.train.count; i++) {
      let s = 0;
      for (let p = 0; p < 784; p++) s += a.train.x[i * 784 + p];
      ink[a.train.y[i]] += s;
      n[a.train.y[i]]++;
    }
    const mean = Array.from(ink, (s, d) => s / n[d]);
    assert.equal(mean.indexOf(Math.min(...mean)), 1);
  });

  it('honours limit and testSize, and rejects impossible sizes', async function () {
    this.timeout(60_000);
    const small = await loadData({ format: 'mnist-bundled', limit: 500 }, '.', 1);
    assert.equal(small.train.count, 400);
    assert.equal(small.test.count, 100);
    assert.equal(small.numClasses, 10);
    const custom = await loadData({ format: 'mnist-bundled', limit: 500, testSize: 50 }, '.', 1);
    assert.equal(custom.test.count, 50);
    // The first digits of a limited run are those of the full shuffle with the same seed.
    const full = await loadData({ format: 'mnist-bundled' }, '.', 1);
    assert.deepEqual(custom.train.y.subarray(0, 450), full.train.y.subarray(0, 450));
    await rejectsWithDataError(
      loadData({ format: 'mnist-bundled', testSize: 10000 }, '.', 1),
      'mnist (bundled)',
      'testSize',
    );
    await rejectsWithDataError(
      loadData({ format: 'mnist-bundled', limit: 20000 }, '.', 1),
      'mnist (bundled)',
      'limit',
    );
  });
});
