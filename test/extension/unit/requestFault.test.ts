import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { EngineRequestError } from '../../../extension/engine/engineSupervisor';
import { describeRequestFault, displayPath, problemText } from '../../../extension/faults/requestFault';

const work = path.resolve('/work/project');
const file = path.join(work, 'sparsity.json');

describe('requestFault', () => {
  it('names file, field and problem of a config error once each, and opens the file at the field', () => {
    const error = new EngineRequestError(
      'config',
      `${file}: batchSize: Expected integer (got "big")`,
      file,
      'batchSize',
    );
    assert.deepEqual(describeRequestFault(error, work, file), {
      message: 'Config error in sparsity.json, field "batchSize": Expected integer (got "big")',
      openAt: { file, field: 'batchSize' },
    });
  });

  it("opens the run's own config.json when a resume names it", () => {
    const runConfig = path.join(work, '.sparsity', 'runs', 'r1', 'config.json');
    const fault = describeRequestFault(
      new EngineRequestError('config', `${runConfig}: data.format: bad`, runConfig, 'data.format'),
      work,
    );
    assert.equal(
      fault.message,
      `Config error in ${path.join('.sparsity', 'runs', 'r1', 'config.json')}, field "data.format": bad`,
    );
    assert.deepEqual(fault.openAt, { file: runConfig, field: 'data.format' });
  });

  it('offers no file to open for a preset (the engine calls its source "config")', () => {
    const fault = describeRequestFault(
      new EngineRequestError('config', 'config: rounds: too small', 'config', 'rounds'),
      work,
    );
    assert.equal(fault.message, 'Config error, field "rounds": too small');
    assert.equal(fault.openAt, undefined);
  });

  it('points a data error at the config field that names the data file', () => {
    const data = path.join(work, 'data', 'train.gz');
    const fault = describeRequestFault(
      new EngineRequestError('data', `${data}: not an IDX file`, data, 'data.trainImages'),
      work,
      file,
    );
    assert.equal(
      fault.message,
      `Data error in ${path.join('data', 'train.gz')}, field "data.trainImages": not an IDX file`,
    );
    assert.deepEqual(fault.openAt, { file, field: 'data.trainImages' });
  });

  it('passes other refusals through with a title', () => {
    const fault = describeRequestFault(
      new EngineRequestError('state', 'cannot pause: the search is finished'),
      work,
    );
    assert.deepEqual(fault, { message: 'Not possible now: cannot pause: the search is finished' });
  });

  it('strips only a leading file and field', () => {
    assert.equal(problemText('a: b: c', 'a', 'b'), 'c');
    assert.equal(problemText('x: b: c', 'a', 'b'), 'x: b: c');
  });

  it('shows paths outside the folder in full', () => {
    const outside = path.resolve('/elsewhere/data.csv');
    assert.equal(displayPath(outside, work), outside);
    assert.equal(displayPath('config', work), 'config');
  });
});
