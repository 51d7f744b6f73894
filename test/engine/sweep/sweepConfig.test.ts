// Sweep files: defaults, a base config from a file, and errors that name the file and the field.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../../engine/config/resolveConfig';
import { DEFAULT_MASK_INIT_VALUES, planSweep, readSweepFile } from '../../../engine/sweep/sweepConfig';
import { tinyConfig } from '../../support/tinySearch';

const SWEEP = '/w/sweep.json';

function rejects(run: () => unknown, file: string, field: string, detail: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.file, file);
    assert.equal(e.field, field);
    assert.match(e.detail, detail);
    assert.ok(e.message.startsWith(`${file}: ${field ? `${field}: ` : ''}`), e.message);
    return true;
  });
}

const plan = (raw: Record<string, unknown>) => () => planSweep(raw, SWEEP);

describe('sweep: sweep.json', () => {
  it('varies maskInit over the default values on all cores by default', () => {
    const p = planSweep({ base: tinyConfig() }, SWEEP);
    assert.equal(p.vary, 'maskInit');
    assert.deepEqual(p.values, DEFAULT_MASK_INIT_VALUES);
    assert.equal(p.parallel, os.availableParallelism());
    assert.deepEqual(
      p.members.map((m) => [m.index, m.label, m.value, m.config.maskInit, m.config.batchSize]),
      DEFAULT_MASK_INIT_VALUES.map((v, i) => [i, `maskInit=${v}`, v, v, 50]),
    );
  });

  it('reads the base from a file relative to the sweep file, and adds the extra runs', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-sweepcfg-'));
    mkdirSync(path.join(dir, 'configs'));
    writeFileSync(path.join(dir, 'configs/base.json'), JSON.stringify(tinyConfig({ seed: 9 })));
    const file = path.join(dir, 'configs/sweep.json');
    writeFileSync(
      file,
      JSON.stringify({
        base: 'base.json',
        vary: 'lambda',
        values: [1e-8, 1e-6],
        parallel: 2,
        extraRuns: [{ maskInit: 0.5, rounds: 1 }],
      }),
    );
    const p = readSweepFile(file, { parallel: 1 });
    assert.equal(p.parallel, 1, 'the command line wins');
    assert.deepEqual(
      p.members.map((m) => [m.label, m.vary, m.value, m.extraRun, m.config.lambda, m.config.seed]),
      [
        ['lambda=1e-8', 'lambda', 1e-8, null, 1e-8, 9],
        ['lambda=0.000001', 'lambda', 1e-6, null, 1e-6, 9],
        ['maskInit=0.5 rounds=1', null, null, 0, undefined, 9],
      ],
    );
    assert.equal(p.members[2].config.rounds, 1);
  });

  it('names the sweep file and its field for a bad plan', () => {
    rejects(plan({ base: {}, valuez: [1] }), SWEEP, 'valuez', /unknown setting; expected one of: base, vary/);
    rejects(plan({ base: {}, vary: 'learningRate' }), SWEEP, 'vary', /got "learningRate"/);
    rejects(plan({ base: {}, vary: 'lambda' }), SWEEP, 'values', /required when varying lambda/);
    rejects(plan({ base: {}, values: [] }), SWEEP, 'values', /minimum of 1|at least 1|length/i);
    rejects(plan({ base: {}, values: [0, 'x'] }), SWEEP, 'values.1', /got "x"/);
    rejects(plan({ base: {}, values: [0, 0.1, 0] }), SWEEP, 'values.2', /already values.0/);
    rejects(plan({ base: {}, parallel: 0 }), SWEEP, 'parallel', /got 0/);
    rejects(plan({ values: [0] }), SWEEP, 'base', /got nothing/);
    rejects(() => planSweep({ base: {} }, SWEEP, { parallel: 0 }), 'command line', 'parallel', /got 0/);
  });

  it('checks every member with resolveConfig before anything runs', () => {
    rejects(
      plan({ base: tinyConfig({ batchSize: 'big' }) }),
      SWEEP,
      'base.batchSize',
      /Expected integer \(got "big"\)/,
    );
    rejects(
      plan({ base: tinyConfig(), vary: 'finalTemperature', values: [200, 0.5] }),
      SWEEP,
      'values.1',
      /^finalTemperature: .*got 0.5/,
    );
    rejects(
      plan({ base: tinyConfig(), values: [0], extraRuns: [{}, { lambda: -1 }] }),
      SWEEP,
      'extraRuns.1.lambda',
      /got -1/,
    );
    rejects(
      plan({ base: tinyConfig(), values: [0], extraRuns: [{ epochsPerRound: 1, rewindEpoch: 1 }] }),
      SWEEP,
      'extraRuns.0.rewindEpoch',
      /less than epochsPerRound/,
    );
  });

  it('names the base file for mistakes written there, and the sweep file for a missing one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-sweepcfg-'));
    const base = path.join(dir, 'base.json');
    writeFileSync(base, JSON.stringify(tinyConfig({ rounds: 0 })));
    const file = path.join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify({ base: 'base.json' }));
    rejects(() => readSweepFile(file), base, 'rounds', /got 0/);
    writeFileSync(file, JSON.stringify({ base: 'nowhere.json' }));
    rejects(() => readSweepFile(file), file, 'base', /no config file at .*nowhere\.json/);
    writeFileSync(file, '{ "base": ');
    rejects(() => readSweepFile(file), file, '', /not valid JSON/);
  });
});
