import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { EngineRequestError } from '../../../extension/engine/engineSupervisor';
import { preflightConfig } from '../../../extension/config/preflightConfig';
import { describeRequestFault } from '../../../extension/faults/requestFault';

const work = path.resolve('/work/project');
const file = path.join(work, 'sparsity.json');

describe('preflightConfig (the host checks a config before it starts an engine)', () => {
  it('passes a well-formed config, with or without a file', () => {
    assert.equal(preflightConfig({ model: 'lenet-300-100', rounds: 2 }, file), undefined);
    assert.equal(preflightConfig({}, undefined), undefined);
  });

  it('refuses an unknown key as the engine would: a config error naming the file and the key', () => {
    const refusal = preflightConfig({ model: 'lenet-300-100', epochsPerRund: 3 }, file);
    assert.ok(refusal instanceof EngineRequestError);
    assert.equal(refusal.code, 'config');
    assert.equal(refusal.file, file);
    assert.equal(refusal.field, 'epochsPerRund');
    assert.match(
      describeRequestFault(refusal, work, file).message,
      /^Config error in sparsity\.json, field "epochsPerRund": unknown setting/,
    );
  });

  it('refuses a value of the wrong type, naming the field and what was expected', () => {
    const refusal = preflightConfig({ batchSize: 'big' }, file);
    assert.ok(refusal);
    assert.equal(refusal.field, 'batchSize');
    assert.equal(
      describeRequestFault(refusal, work, file).message,
      'Config error in sparsity.json, field "batchSize": Expected integer (got "big")',
    );
  });

  it('names a config without a file (a preset) "config", as the engine does', () => {
    const refusal = preflightConfig({ rounds: 0 }, undefined);
    assert.ok(refusal);
    assert.equal(refusal.file, 'config');
    assert.equal(refusal.field, 'rounds');
  });
});
