// IMP's pruning counts and choices on known weights: exact per-round remaining counts, layer-wise and
// global, the smallest magnitudes first and ties broken by position.
import { strict as assert } from 'node:assert';
import {
  countKept,
  pruneByMagnitude,
  pruneCount,
  type PrunableLayer,
} from '../../../engine/imp/magnitudePruning';

/** Distinct magnitudes with mixed signs, in a scrambled order, so sorting really has work to do. */
function scrambledWeights(size: number, offset: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => {
    const rank = (i * 37 + offset) % size; // a permutation of 0..size-1 when gcd(37, size) = 1
    return (rank + 1 + offset * 1000) * (i % 2 ? -1 : 1);
  });
}

function layersOf(sizes: number[]): PrunableLayer[] {
  return sizes.map((size, l) => ({ weights: scrambledWeights(size, l), mask: new Uint8Array(size).fill(1) }));
}

function runRounds(layers: PrunableLayer[], rounds: number, scope: 'layer' | 'global'): number[][] {
  const remaining: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    const masks = pruneByMagnitude(layers, 0.2, scope);
    layers = layers.map((l, i) => ({ weights: l.weights, mask: masks[i] }));
    remaining.push(masks.map(countKept));
    // Every kept weight is larger than every pruned one (per layer, or across layers for global).
    const groups = scope === 'layer' ? layers.map((l) => [l]) : [layers];
    for (const group of groups) {
      const kept = group.flatMap((l) => magnitudes(l, 1));
      const pruned = group.flatMap((l) => magnitudes(l, 0));
      assert.ok(Math.min(...kept) > Math.max(...pruned), `round ${r + 1}: a larger weight was pruned`);
    }
  }
  return remaining;
}

const magnitudes = (l: PrunableLayer, bit: number) =>
  Array.from(l.weights, Math.abs).filter((_, i) => l.mask[i] === bit);

describe('IMP: magnitude pruning', () => {
  it('rounds p * remaining half up', () => {
    assert.equal(pruneCount(100, 0.2), 20);
    assert.equal(pruneCount(24, 0.2), 5); // 4.8
    assert.equal(pruneCount(19, 0.2), 4); // 3.8
    assert.equal(pruneCount(6, 0.2), 1); // 1.2
    assert.equal(pruneCount(5, 0.5), 3); // 2.5 rounds up
    assert.equal(pruneCount(2, 0.2), 0); // 0.4: nothing left to prune at this rate
  });

  it('layer-wise: each layer loses round(0.2 * its remaining), 3 rounds of 100/30/10', () => {
    // 100 -> 80 -> 64 -> 51 (12.8 rounds to 13); 30 -> 24 -> 19 (4.8 -> 5) -> 15 (3.8 -> 4);
    // 10 -> 8 -> 6 (1.6 -> 2) -> 5 (1.2 -> 1).
    assert.deepEqual(runRounds(layersOf([100, 30, 10]), 3, 'layer'), [
      [80, 24, 8],
      [64, 19, 6],
      [51, 15, 5],
    ]);
  });

  it('global: round(0.2 * all remaining) go, 3 rounds of 100/30/10', () => {
    // 140 -> 112 -> 90 (22.4 -> 22) -> 72; layer 2 (magnitudes over 2000) is pruned last, layer 0
    // (magnitudes 1..100) first.
    const remaining = runRounds(layersOf([100, 30, 10]), 3, 'global');
    assert.deepEqual(
      remaining.map((r) => r.reduce((a, b) => a + b, 0)),
      [112, 90, 72],
    );
    assert.deepEqual(remaining, [
      [72, 30, 10],
      [50, 30, 10],
      [32, 30, 10],
    ]);
  });

  it('prunes exactly the smallest magnitudes of the remaining weights, ties by index', () => {
    const weights = Float32Array.from([0.5, -0.1, 0.3, -0.3, 0.1, 2, -0.05, 0.3, 1, 0.2]);
    const mask = Uint8Array.from([1, 1, 1, 1, 1, 1, 0, 1, 1, 1]); // -0.05 was pruned before
    // 9 remaining, round(0.5 * 9) = 5 go: 0.1 (index 1), 0.1 (index 4), 0.2, then of the three 0.3s
    // the first two by index (2 and 3), not 7.
    const [next] = pruneByMagnitude([{ weights, mask }], 0.5, 'layer');
    assert.deepEqual(Array.from(next), [1, 0, 0, 0, 0, 1, 0, 1, 1, 0]);
    assert.deepEqual(Array.from(mask), [1, 1, 1, 1, 1, 1, 0, 1, 1, 1], 'the input mask is left alone');
  });

  it('global ties go by layer order, then index', () => {
    const a = { weights: Float32Array.from([1, 3]), mask: Uint8Array.from([1, 1]) };
    const b = { weights: Float32Array.from([-1, 1]), mask: Uint8Array.from([1, 1]) };
    // 4 remaining, round(0.5 * 4) = 2 go among the three |W| = 1: a[0] and b[0].
    const masks = pruneByMagnitude([a, b], 0.5, 'global');
    assert.deepEqual(
      masks.map((m) => Array.from(m)),
      [
        [0, 1],
        [0, 1],
      ],
    );
  });

  it('refuses fractions outside (0, 1) and masks that do not fit their weights', () => {
    const layer = { weights: new Float32Array(3), mask: new Uint8Array(3).fill(1) };
    assert.throws(() => pruneByMagnitude([layer], 1, 'layer'), /\(0, 1\)/);
    assert.throws(() => pruneByMagnitude([layer], 0, 'global'), /\(0, 1\)/);
    assert.throws(
      () => pruneByMagnitude([{ weights: new Float32Array(3), mask: new Uint8Array(2) }], 0.2, 'layer'),
      /3 weights but 2 mask entries/,
    );
  });
});
