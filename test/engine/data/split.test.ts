import * as assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { DataError, type LabeledSplit } from '../../../engine/data/dataTypes';
import { shuffledOrder, splitValidation } from '../../../engine/data/split';

// 50 examples of 2 values; example i is [i, -i] with label i % 5, so any mix-up is visible.
function makeSplit(count = 50): LabeledSplit {
  const x = new Float32Array(count * 2);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
    y[i] = i % 5;
  }
  return { x, y, count };
}

describe('data: validation split', () => {
  it('shuffledOrder is a seeded permutation', () => {
    const a = shuffledOrder(100, seedrandom('s'));
    assert.deepEqual(
      Array.from(a).sort((p, q) => p - q),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.deepEqual(a, shuffledOrder(100, seedrandom('s')));
    assert.notDeepEqual(a, shuffledOrder(100, seedrandom('t')));
    assert.notDeepEqual(
      Array.from(a),
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  it('holds out validationSize examples, disjoint from train, each with its own label', () => {
    const { train, validation } = splitValidation(makeSplit(), 2, 12, 3);
    assert.equal(validation.count, 12);
    assert.equal(train.count, 38);
    assert.equal(train.x.length, 76);
    const ids = new Set<number>();
    for (const s of [train, validation]) {
      for (let k = 0; k < s.count; k++) {
        const id = s.x[2 * k];
        assert.equal(s.x[2 * k + 1], -id);
        assert.equal(s.y[k], id % 5);
        ids.add(id);
      }
    }
    assert.equal(ids.size, 50);
    // Not simply the last (or first) 12 examples.
    const held = Array.from({ length: 12 }, (_, k) => validation.x[2 * k]).sort((p, q) => p - q);
    assert.notDeepEqual(
      held,
      Array.from({ length: 12 }, (_, k) => 38 + k),
    );
    assert.notDeepEqual(
      held,
      Array.from({ length: 12 }, (_, k) => k),
    );
  });

  it('is reproducible per seed', () => {
    const a = splitValidation(makeSplit(), 2, 10, 1);
    assert.deepEqual(a, splitValidation(makeSplit(), 2, 10, 1));
    assert.notDeepEqual(a.validation.x, splitValidation(makeSplit(), 2, 10, 2).validation.x);
  });

  it('allows 0 and rejects sizes that leave nothing to train on', () => {
    const none = splitValidation(makeSplit(), 2, 0, 1);
    assert.equal(none.validation.count, 0);
    assert.equal(none.train.count, 50);
    assert.throws(
      () => splitValidation(makeSplit(), 2, 50, 1),
      (e: unknown) => e instanceof DataError && e.field === 'validationSize',
    );
    assert.throws(() => splitValidation(makeSplit(), 2, -1, 1), DataError);
    assert.throws(() => splitValidation(makeSplit(), 3, 5, 1), /expected 50 examples of 3 values/);
  });
});
