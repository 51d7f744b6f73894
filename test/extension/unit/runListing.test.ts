import { strict as assert } from 'node:assert';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  describeRun,
  describeSnapshot,
  describeTicket,
  isResumable,
  listRuns,
  listTickets,
  orderSnapshots,
  readTail,
  summarizeMetrics,
  type RunCache,
} from '../../../extension/runs/runListing';

const progress = (over: Record<string, unknown> = {}) => ({
  time: 1000,
  type: 'progress',
  phase: 'search',
  round: 1,
  rounds: 2,
  epoch: 3,
  epochs: 4,
  step: 300,
  stepInEpoch: 80,
  stepsPerEpoch: 110,
  keptFraction: 0.4,
  samplesPerSecond: 1800,
  ...over,
});
const jsonl = (...events: object[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

async function writeRun(root: string, runId: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(root, runId);
  await fsp.mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await fsp.writeFile(path.join(dir, name), text);
  return dir;
}

const CONFIG = JSON.stringify({
  model: 'lenet-300-100',
  data: { format: 'mnist-bundled', testSize: 2000 },
  rounds: 2,
  epochsPerRound: 4,
});

describe('runListing', () => {
  let root: string;
  beforeEach(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'sparsity-runs-'));
  });
  afterEach(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  describe('summarizeMetrics', () => {
    it('takes the last position and kept fraction of a run that stopped', () => {
      const s = summarizeMetrics(
        jsonl(progress({ keptFraction: 0.5 }), progress({ time: 2000, epoch: 4 }), { type: 'checkpoint' }),
      );
      assert.equal(s.outcome, 'incomplete');
      assert.equal(s.keptFraction, 0.4);
      assert.deepEqual(s.lastPosition, { phase: 'search', round: 1, rounds: 2, epoch: 4, epochs: 4 });
      assert.equal(s.updatedAt, 2000);
    });

    it('sees the ticket of a finished run', () => {
      const s = summarizeMetrics(
        jsonl(progress(), {
          type: 'ticket',
          keptFraction: 0.1618,
          testAccuracy: 0.95,
          denseTestAccuracy: 0.9465,
          ticketDir: null,
        }),
      );
      assert.equal(s.outcome, 'ticket');
      assert.equal(s.keptFraction, 0.1618);
      assert.equal(s.testAccuracy, 0.95);
      assert.equal(s.denseTestAccuracy, 0.9465);
    });

    it('marks a fatal error as a failure, unless the run went on after it (resumed)', () => {
      const failed = summarizeMetrics(
        jsonl(progress(), { type: 'error', fatal: true, message: 'out of memory' }),
      );
      assert.equal(failed.outcome, 'failed');
      assert.equal(failed.error, 'out of memory');
      const resumed = summarizeMetrics(
        jsonl(progress(), { type: 'error', fatal: true, message: 'oom' }, progress()),
      );
      assert.equal(resumed.outcome, 'incomplete');
      assert.equal(resumed.error, undefined);
      const nonFatal = summarizeMetrics(
        jsonl(progress(), { type: 'error', fatal: false, message: 'exists' }),
      );
      assert.equal(nonFatal.outcome, 'incomplete');
    });

    it('sees a run rewound after its ticket as under way again', () => {
      const s = summarizeMetrics(
        jsonl(
          { type: 'ticket', keptFraction: 0.16, testAccuracy: 0.95, denseTestAccuracy: null },
          progress({ round: 1 }),
        ),
      );
      assert.equal(s.outcome, 'incomplete');
      assert.equal(s.testAccuracy, undefined);
    });

    it('skips a line cut short by a crash', () => {
      const s = summarizeMetrics(jsonl(progress({ keptFraction: 0.3 })) + '{"type":"progress","keptFr');
      assert.equal(s.keptFraction, 0.3);
    });
  });

  it('reads only the tail of a long file, dropping the partial first line', async () => {
    const file = path.join(root, 'metrics.jsonl');
    const line = JSON.stringify(progress({ pad: 'x'.repeat(100) }));
    await fsp.writeFile(file, `${line}\n`.repeat(50));
    const tail = await readTail(file, 1000);
    const lines = tail.split('\n').filter(Boolean);
    assert.ok(lines.length >= 1 && lines.length < 10);
    for (const l of lines) assert.deepEqual(JSON.parse(l), JSON.parse(line));
  });

  it('orders snapshots as a run writes them and ignores other files', () => {
    assert.deepEqual(
      orderSnapshots([
        'latest.safetensors',
        'round-10.safetensors',
        'metrics.jsonl',
        'round-2.safetensors',
        'initial.safetensors',
        'rewind.safetensors',
        'ticket-trained.safetensors',
        'x.safetensors',
      ]),
      ['initial', 'rewind', 'round-2', 'round-10', 'latest', 'ticket-trained'],
    );
    assert.match(describeSnapshot('round-2'), /end of round 2/);
    assert.match(describeSnapshot('latest'), /resume/);
  });

  it('lists runs newest first with model, data, snapshots and outcome; skips folders that are not runs', async () => {
    await writeRun(root, '20261128-054201-289983', {
      'config.json': CONFIG,
      'metrics.jsonl': jsonl(progress(), {
        type: 'ticket',
        keptFraction: 0.16,
        testAccuracy: 0.95,
        denseTestAccuracy: null,
      }),
      'initial.safetensors': '',
      'rewind.safetensors': '',
      'round-1.safetensors': '',
      'round-2.safetensors': '',
      'latest.safetensors': '',
      'ticket-trained.safetensors': '',
    });
    await writeRun(root, '20261128-055326-b7e599', {
      'config.json': CONFIG,
      'metrics.jsonl': jsonl(progress({ epoch: 2 })),
      'initial.safetensors': '',
      'rewind.safetensors': '',
      '.latest.safetensors.tmp-1-abc': '',
    });
    await writeRun(root, 'not-a-run', { 'notes.txt': 'hi' });
    await writeRun(root, '.hidden', { 'config.json': CONFIG });
    const runs = await listRuns(root);
    assert.deepEqual(
      runs.map((r) => r.runId),
      ['20261128-055326-b7e599', '20261128-054201-289983'],
    );
    const [stopped, finished] = runs;
    assert.equal(stopped.model, 'lenet-300-100');
    assert.equal(stopped.data, 'mnist-bundled');
    assert.deepEqual(stopped.snapshots, ['initial', 'rewind']);
    assert.equal(stopped.outcome, 'incomplete');
    assert.equal(isResumable(stopped), true);
    assert.equal(
      describeRun(stopped),
      'lenet-300-100 · mnist-bundled · kept 40.0% · stopped in round 1/2, epoch 2/4',
    );
    assert.equal(finished.outcome, 'ticket');
    assert.equal(isResumable(finished), false);
    assert.equal(describeRun(finished), 'lenet-300-100 · mnist-bundled · kept 16.0% · ticket 95.00% test');
  });

  it('re-reads a run only when its files changed', async () => {
    const dir = await writeRun(root, 'r1', {
      'config.json': CONFIG,
      'metrics.jsonl': jsonl(progress({ keptFraction: 0.5 })),
    });
    const cache: RunCache = new Map();
    assert.equal((await listRuns(root, cache))[0].keptFraction, 0.5);
    const cached = (await listRuns(root, cache))[0];
    assert.equal(cached, cache.get(dir)?.summary);
    await fsp.appendFile(path.join(dir, 'metrics.jsonl'), jsonl(progress({ keptFraction: 0.25 })));
    assert.equal((await listRuns(root, cache))[0].keptFraction, 0.25);
  });

  it('lists nothing for a missing folder', async () => {
    assert.deepEqual(await listRuns(path.join(root, 'none')), []);
    assert.deepEqual(await listTickets(path.join(root, 'none')), []);
  });

  it('reads exported tickets from ticket.json', async () => {
    const ticketDir = path.join(root, 'tickets', '20261128-054201-289983');
    await fsp.mkdir(ticketDir, { recursive: true });
    await fsp.writeFile(
      path.join(ticketDir, 'ticket.json'),
      JSON.stringify({
        runId: '20261128-054201-289983',
        createdAt: '2026-11-28T05:43:05.782Z',
        model: { name: 'lenet-300-100' },
        data: { description: 'MNIST bundled (8000 train / 2000 test)' },
        kept: 43071,
        total: 266200,
        density: 0.1618,
        accuracies: {
          ticketTest: 0.95,
          ticketTestAtRewind: 0.871,
          denseTest: 0.9465,
          searchValidation: 0.955,
        },
      }),
    );
    await fsp.mkdir(path.join(root, 'tickets', 'half-written'));
    const tickets = await listTickets(path.join(root, 'tickets'));
    assert.equal(tickets.length, 1);
    const [t] = tickets;
    assert.equal(t.name, '20261128-054201-289983');
    assert.equal(t.dir, ticketDir);
    assert.equal(t.ticketTestAtRewind, 0.871);
    assert.equal(describeTicket(t), 'lenet-300-100 · kept 16.18% · test 95.00% · dense 94.65%');
  });
});
