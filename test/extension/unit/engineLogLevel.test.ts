import { strict as assert } from 'node:assert';
import { engineLogLevel } from '../../../extension/log/engineLogLevel';

describe('engineLogLevel', () => {
  it("logs the supervisor's error lines as errors, stderr as warnings, the rest as info", () => {
    assert.equal(engineLogLevel('[config error] /w/sparsity.json: rounds: too small'), 'error');
    assert.equal(engineLogLevel('[stderr] (node:12) Warning: something'), 'warn');
    assert.equal(engineLogLevel('[protocol] ignored a message from the engine'), 'warn');
    assert.equal(engineLogLevel('loading data...'), 'info');
  });
});
