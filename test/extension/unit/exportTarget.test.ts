import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { EngineRequestError } from '../../../extension/engine/engineSupervisor';
import { defaultExportDir, isTargetExistsError, resolveExportDir } from '../../../extension/run/exportTarget';

describe('exportTarget', () => {
  it("defaults to <ticketsDir>/<run-id>, the run's own ticketsDir first", () => {
    assert.equal(defaultExportDir('r1', 'mine', 'tickets'), path.join('mine', 'r1'));
    assert.equal(defaultExportDir('r1', undefined, 'out'), path.join('out', 'r1'));
    assert.equal(defaultExportDir('r1', '', ''), path.join('tickets', 'r1'));
  });

  it('resolves relative answers against the folder and keeps absolute ones', () => {
    const work = path.resolve('/w');
    assert.equal(resolveExportDir(' tickets/r1 ', work), path.join(work, 'tickets', 'r1'));
    assert.equal(resolveExportDir(path.resolve('/abs/t'), work), path.resolve('/abs/t'));
  });

  it("recognises the engine's refusal to overwrite, and nothing else", () => {
    const exists = new EngineRequestError(
      'state',
      '/w/tickets/r1 already exists; refusing to overwrite it',
      '/w/tickets/r1',
    );
    assert.equal(isTargetExistsError(exists), true);
    assert.equal(isTargetExistsError(new EngineRequestError('state', 'no ticket to export yet')), false);
    assert.equal(isTargetExistsError(new EngineRequestError('internal', 'x already exists')), false);
    assert.equal(isTargetExistsError(new Error('already exists')), false);
    assert.equal(isTargetExistsError(undefined), false);
  });
});
