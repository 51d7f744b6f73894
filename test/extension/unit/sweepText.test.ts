import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { planSweep } from '../../../engine/sweep/sweepConfig';
import { initialMemberState, type MemberState, type SweepState } from '../../../engine/sweep/sweepStore';
import { countMembers, describeSweep, sweepFileText } from '../../../extension/sweep/sweepText';

describe('sweep commands: files and words', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'sparsity-sweeptext-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const plan = (text: string) => {
    const file = path.join(dir, 'sweep.json');
    writeFileSync(file, text);
    return planSweep(JSON.parse(text) as Record<string, unknown>, file);
  };

  it('writes a sweep file the engine plans as is: five maskInit values and IMP alongside', () => {
    writeFileSync(path.join(dir, 'sparsity.json'), JSON.stringify({ model: 'lenet-300-100', rounds: 2 }));
    const onBase = plan(sweepFileText(true));
    assert.equal(onBase.vary, 'maskInit');
    assert.deepEqual(onBase.values, [-0.3, -0.2, -0.1, 0, 0.1]);
    assert.equal(onBase.members.length, 6);
    assert.deepEqual(onBase.members[5].config.method, 'imp');
    // Without a sparsity.json the quick preset is written inline.
    const onPreset = plan(sweepFileText(false));
    assert.equal(onPreset.members.length, 6);
    assert.equal(onPreset.members[0].config.model, 'lenet-300-100');
  });

  it('sums a sweep and its members up', () => {
    const p = plan(sweepFileText(false));
    const members: MemberState[] = p.members.map(initialMemberState);
    const state = { vary: p.vary, values: p.values, parallel: 2, members } as unknown as SweepState;
    assert.equal(describeSweep(state), '5 searches over maskInit (-0.3 … 0.1) and 1 more run, 2 at a time');
    members[0].status = 'finished';
    members[1].status = 'running';
    members[2].status = 'failed';
    assert.equal(countMembers(members), '1 finished · 1 running · 3 waiting · 1 failed');
  });
});
