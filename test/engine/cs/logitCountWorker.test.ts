import { strict as assert } from 'node:assert';
import { countLogits } from '../../../engine/cs/countLogits';
import { countLogitsOffThread } from '../../../engine/cs/logitCountWorker';

describe('counting mask logits in a worker thread', () => {
  const edges = Float32Array.from({ length: 9 }, (_, i) => -1 + (i + 1) * 0.2);
  const params = { temperature: 3, withSoftSum: true, lo: -1, width: 0.2, edges };

  function logits(n: number, seed: number): Float32Array {
    let a = seed;
    return Float32Array.from({ length: n }, (_, i) => {
      if (i === 7) return NaN;
      if (i === 11) return edges[3]; // exactly on an edge
      if (i === 13) return 50; // saturated
      a = (a * 1103515245 + 12345) % 2 ** 31;
      return (a / 2 ** 31) * 4 - 2;
    });
  }

  it('gives what counting on this thread gives, and moves the arrays instead of copying them', async () => {
    const inputs = [logits(5000, 1), logits(1, 2), logits(0, 3)];
    const expected = inputs.map((s) =>
      countLogits(s, params.temperature, params.withSoftSum, params.lo, params.width, params.edges),
    );
    const counted = await countLogitsOffThread(inputs, params);
    assert.deepEqual(counted, expected);
    assert.deepEqual(
      inputs.map((s) => s.length),
      [0, 0, 0],
      'the arrays were transferred to the worker',
    );
    // NaN lands in the last bin, the saturated logit counts as a whole kept weight.
    assert.equal(
      expected[0].counts.reduce((a, b) => a + b, 0),
      5000,
    );
  });

  it('answers concurrent requests each with its own counts', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map((seed) =>
        countLogitsOffThread([logits(2000, seed)], { ...params, withSoftSum: seed % 2 !== 0 }),
      ),
    );
    results.forEach((counted, i) => {
      const seed = i + 1;
      const expected = countLogits(logits(2000, seed), params.temperature, seed % 2 !== 0, -1, 0.2, edges);
      assert.deepEqual(counted, [expected]);
    });
  });
});
