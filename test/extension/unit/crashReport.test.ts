import { strict as assert } from 'node:assert';
import { EngineRequestError, type EngineExit } from '../../../extension/engine/engineSupervisor';
import { describeExit, describeExitCause, lastLinesText } from '../../../extension/faults/crashReport';

const exit = (over: Partial<EngineExit>): EngineExit => ({
  code: null,
  signal: null,
  expected: false,
  lastLines: [],
  ...over,
});

describe('crashReport', () => {
  it('names the signal or the exit code', () => {
    assert.equal(describeExitCause({ code: null, signal: 'SIGKILL' }), 'killed by signal SIGKILL');
    assert.equal(describeExitCause({ code: 134, signal: null }), 'exit code 134');
  });

  it('reports an unexpected death with the last lines and offers to resume the run', () => {
    const report = describeExit(
      exit({
        signal: 'SIGKILL',
        lastLines: ['loading data...', '', 'epoch 1', '[stderr] Aborted (core dumped)'],
      }),
      '20261128-054201-289983',
    );
    assert.ok(report);
    assert.match(
      report.message,
      /stopped unexpectedly during run 20261128-054201-289983 \(killed by signal SIGKILL\)/,
    );
    assert.match(report.message, /\.sparsity\/runs\/20261128-054201-289983 are intact/);
    assert.match(
      report.message,
      /Last output: loading data\.\.\. \| epoch 1 \| \[stderr\] Aborted \(core dumped\)$/,
    );
    assert.deepEqual(report.actions, ['resume', 'showLog']);
  });

  it('offers no resume when the engine died before a run existed', () => {
    const report = describeExit(exit({ code: 1 }), undefined);
    assert.ok(report);
    assert.match(report.message, /while starting \(exit code 1\)/);
    assert.doesNotMatch(report.message, /Last output/);
    assert.deepEqual(report.actions, ['showLog']);
  });

  it('says nothing about a stop the user asked for or a clean exit', () => {
    assert.equal(describeExit(exit({ expected: true, code: 0 }), 'r'), null);
    assert.equal(describeExit(exit({ expected: true, signal: 'SIGKILL' }), 'r'), null);
  });

  it('reports a fatal engine error after the start, but not one the start request already answered', () => {
    const fatalError = new EngineRequestError('data', 'train.csv: row 3: not a number');
    const failed = describeExit(exit({ expected: true, code: 1, fatalError }), 'run-1');
    assert.ok(failed);
    assert.match(failed.message, /search failed \(data error\): train\.csv: row 3: not a number/);
    assert.deepEqual(failed.actions, ['resume', 'showLog']);
    assert.equal(describeExit(exit({ expected: true, code: 1, fatalError }), undefined), null);
    const config = describeExit(
      exit({ expected: true, code: 1, fatalError: new EngineRequestError('config', 'x') }),
      'r',
    );
    assert.deepEqual(config?.actions, ['showLog']);
  });

  it('shortens long lines', () => {
    const text = lastLinesText(['x'.repeat(500)]);
    assert.equal(text.length, 200);
    assert.ok(text.endsWith('…'));
  });
});
