import { strict as assert } from 'node:assert';
import { ConfigError, resolveConfig } from '../../../engine/config/resolveConfig';

function rejects(raw: Record<string, unknown>, field: string, message: RegExp): void {
  assert.throws(
    () => resolveConfig(raw, '/w/sparsity.json'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.file, '/w/sparsity.json');
      assert.equal(e.field, field);
      assert.match(e.message, message);
      assert.ok(e.message.startsWith(`/w/sparsity.json: ${field}: `), e.message);
      return true;
    },
  );
}

describe('config: resolveConfig', () => {
  it('fills the reference defaults', () => {
    const c = resolveConfig({}, 'x');
    assert.equal(c.model, 'lenet-300-100');
    assert.deepEqual(c.data, { format: 'mnist-bundled', testSize: 2000 });
    assert.equal(c.rounds, 3);
    assert.equal(c.epochsPerRound, 85);
    assert.equal(c.lambda, 1e-8);
    assert.equal(c.finalTemperature, 200);
    assert.equal(c.rewindEpoch, 2);
    assert.equal(c.momentum, 0.9);
    assert.equal(c.weightDecay, 1e-4);
    assert.equal(c.roundResetTemperature, 'final');
  });

  it('names unknown keys, wrong types and out-of-range values', () => {
    rejects({ epochz: 3 }, 'epochz', /unknown setting; expected one of: .*epochsPerRound/);
    rejects({ batchSize: 'big' }, 'batchSize', /Expected integer \(got "big"\)/);
    rejects({ rounds: 0 }, 'rounds', /greater or equal to 1 \(got 0\)/);
    rejects({ backend: 'tpu' }, 'backend', /got "tpu"/);
  });

  it('checks data against the variant its format names', () => {
    rejects(
      { data: { format: 'imagenet' } },
      'data.format',
      /expected one of mnist-bundled, mnist-idx, cifar10, npz, npy, csv \(got "imagenet"\)/,
    );
    rejects({ data: { format: 'cifar10' } }, 'data.dir', /Expected required property/);
    rejects(
      { data: { format: 'cifar10', dir: 'd', path: 'x' } },
      'data.path',
      /unknown setting for format "cifar10"; expected one of: format, dir/,
    );
    rejects(
      { data: { format: 'mnist-bundled', limit: 'many' } },
      'data.limit',
      /Expected integer \(got "many"\)/,
    );
    rejects({ data: 'mnist' }, 'data', /expected an object with a "format"/);
  });

  it('checks rules across fields', () => {
    rejects({ epochsPerRound: 2, rewindEpoch: 2 }, 'rewindEpoch', /less than epochsPerRound \(2\)/);
    rejects(
      { epochsPerRound: 4, lrDropEpochs: [4] },
      'lrDropEpochs',
      /epoch 4 is not inside a round of 4 epochs/,
    );
    rejects({ includeLayers: ['a'], excludeLayers: ['a'] }, 'excludeLayers', /both included and excluded: a/);
  });
});
