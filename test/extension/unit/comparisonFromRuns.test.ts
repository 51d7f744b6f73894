// The comparison is read from run folders: one point per CS search, one per IMP round, the dense level
// from a run that trained it, and runs still going counted but not drawn.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EngineMessage } from '../../../engine/protocol/engineProtocol';
import { comparisonFromRuns, readRunTickets } from '../../../extension/compare/comparisonFromRuns';

const started = (method: 'cs' | 'imp'): EngineMessage => ({
  type: 'started',
  inReplyTo: 'h',
  runId: 'x',
  runDir: '/elsewhere',
  resumed: false,
  method,
  config: {},
  model: 'LeNet-300-100 (266,610 parameters)',
  data: 'MNIST bundled (8000 train / 2000 test)',
  stepsPerEpoch: 10,
});
const result = (
  method: 'cs' | 'imp',
  round: number,
  keptFraction: number,
  testAccuracy: number,
): EngineMessage => ({
  type: 'ticketResult',
  method,
  round,
  kept: Math.round(keptFraction * 1000),
  total: 1000,
  keptFraction,
  testAccuracy,
  trainEpochs: 2,
});
const progress: EngineMessage = {
  type: 'roundEnd',
  round: 1,
  keptFraction: 0.5,
  validationAccuracy: 0.9,
};

describe('comparison from run folders', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), 'sparsity-compare-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const run = (id: string, messages: EngineMessage[] | null) => {
    const dir = path.join(root, '.sparsity/runs', id);
    mkdirSync(dir, { recursive: true });
    if (messages) {
      const lines = messages.map((m, i) => JSON.stringify({ time: 1_790_000_000_000 + i, ...m }));
      // A line cut by a crash is skipped, not fatal.
      writeFileSync(path.join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n{"time":1,"type":"tick`);
    }
    return dir;
  };

  it('gives one point per CS ticket and per IMP round, labelled, with the dense level and the runs still going', async () => {
    const cs1 = run('cs-1', [started('cs'), progress, result('cs', 2, 0.12, 0.97)]);
    const cs2 = run('cs-2', [
      started('cs'),
      result('cs', 2, 0.05, 0.96),
      {
        type: 'ticket',
        kept: 50,
        total: 1000,
        keptFraction: 0.05,
        testAccuracy: 0.96,
        denseTestAccuracy: 0.975,
        ticketDir: null,
      },
    ]);
    const imp = run('imp-1', [
      started('imp'),
      result('imp', 1, 1, 0.97),
      result('imp', 2, 0.8, 0.972),
      // Resumed after a kill: round 2 again; the later result stands.
      started('imp'),
      result('imp', 2, 0.8, 0.974),
      result('imp', 3, 0.64, 0.971),
    ]);
    const going = run('cs-3', null);
    const comparison = await comparisonFromRuns('Sweep s1', [
      { label: 'maskInit = 0', runDir: cs1, running: false },
      { label: 'maskInit = -0.2', runDir: cs2, running: false },
      { label: 'IMP', runDir: imp, running: false },
      { label: 'maskInit = 0.1', runDir: going, running: true },
    ]);
    assert.ok(comparison);
    assert.equal(comparison.title, 'Sweep s1 · LeNet-300-100 on MNIST bundled');
    assert.equal(comparison.running, 1);
    assert.equal(comparison.denseTestAccuracy, 0.975);
    assert.deepEqual(
      comparison.points.map((p) => [p.method, p.runId, p.label, p.round, p.keptFraction, p.testAccuracy]),
      [
        ['cs', 'cs-1', 'maskInit = 0', 2, 0.12, 0.97],
        ['cs', 'cs-2', 'maskInit = -0.2', 2, 0.05, 0.96],
        ['imp', 'imp-1', 'round 1', 1, 1, 0.97],
        ['imp', 'imp-1', 'round 2', 2, 0.8, 0.974],
        ['imp', 'imp-1', 'round 3', 3, 0.64, 0.971],
      ],
    );
  });

  it('is null while nothing has a ticket and nothing runs; counts a run with no metrics yet', async () => {
    const empty = run('cs-1', [started('cs'), progress]);
    assert.equal(await comparisonFromRuns('Sweep', [{ label: 'a', runDir: empty, running: false }]), null);
    const none = await readRunTickets({ label: 'b', runDir: path.join(root, 'missing'), running: true });
    assert.deepEqual(none, { points: [], denseTestAccuracy: null, model: null, data: null });
    const waiting = await comparisonFromRuns('Sweep', [
      { label: 'b', runDir: path.join(root, 'missing'), running: true },
    ]);
    assert.deepEqual(waiting, { title: 'Sweep', points: [], denseTestAccuracy: null, running: 1 });
  });
});
