// The sweep scheduler with a fake launcher: the parallel limit, crashes, stop, resume, and sweep.json.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planSweep } from '../../../engine/sweep/sweepConfig';
import { SweepScheduler } from '../../../engine/sweep/sweepScheduler';
import { SweepStore, readSweepState } from '../../../engine/sweep/sweepStore';
import { tinyConfig } from '../../support/tinySearch';
import { FakeLauncher, type MemberScript } from './fakeLauncher';

async function newStore(values: number[], parallel: number): Promise<{ store: SweepStore; workDir: string }> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-sweep-'));
  const plan = planSweep({ base: tinyConfig(), values, parallel }, path.join(workDir, 'sweep.json'));
  return { store: await SweepStore.create(workDir, plan), workDir };
}

const finishes = (runFor: number): MemberScript => ({ startAfter: 1, runFor });

describe('sweep: scheduler', () => {
  it('never runs more than `parallel` members, and starts the next when one ends', async () => {
    const { store } = await newStore([-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3], 3);
    const ref: { scheduler?: SweepScheduler } = {};
    const fake = new FakeLauncher(
      (i) => finishes(5 + ((i * 7) % 4) * 10),
      (_request, alive) => {
        assert.ok(alive < 3, `launch with ${alive} members alive`);
        assert.ok((ref.scheduler?.runningCount ?? 0) < 3);
      },
    );
    const scheduler = (ref.scheduler = new SweepScheduler(store, fake.launch));
    const outcome = await scheduler.run();
    assert.equal(outcome.status, 'finished');
    assert.equal(fake.maxAlive, 3, 'the limit is used, not only respected');
    assert.deepEqual(
      fake.launches.map((l) => l.index),
      [0, 1, 2, 3, 4, 5, 6],
    );
    for (const m of outcome.members) {
      assert.equal(m.status, 'finished');
      assert.equal(m.runId, `run-${m.index}-1`);
      assert.equal(m.result?.keptFraction, (10 + m.index) / 100);
      assert.equal(m.pid, null);
    }
  });

  it('marks a member whose engine dies as failed and finishes the others', async () => {
    const { store } = await newStore([-0.2, -0.1, 0, 0.1], 2);
    const fake = new FakeLauncher((i) =>
      i === 1
        ? { startAfter: 1, runFor: 10, crash: { signal: 'SIGKILL' } }
        : i === 2
          ? { runFor: 5, crash: { code: 1, signal: null, lastLines: ['[stderr] out of memory'] } }
          : finishes(30),
    );
    const scheduler = new SweepScheduler(store, fake.launch);
    const outcome = await scheduler.run();
    assert.equal(outcome.status, 'failed');
    assert.deepEqual(
      outcome.members.map((m) => m.status),
      ['finished', 'failed', 'failed', 'finished'],
    );
    assert.match(outcome.members[1].failure ?? '', /killed \(SIGKILL\)/);
    assert.match(
      outcome.members[2].failure ?? '',
      /exited with code 1; its last line: \[stderr\] out of memory/,
    );
    assert.equal(outcome.members[1].runId, 'run-1-1', 'the run it had started is kept for a resume');
    assert.equal(outcome.members[2].runId, null);
    assert.ok(outcome.members[3].result);
  });

  it('resume relaunches only unfinished members, each from its own run, after re-reading sweep.json', async () => {
    const { store, workDir } = await newStore([-0.2, -0.1, 0, 0.1], 2);
    const first = new FakeLauncher((i) =>
      i === 1
        ? { startAfter: 1, runFor: 10, crash: {} }
        : i === 2
          ? { runFor: 5, crash: { code: 3 } }
          : finishes(20),
    );
    await new SweepScheduler(store, first.launch).run();

    // As after a killed CLI: a member the file still shows running.
    const reopened = SweepStore.open(workDir, store.state.sweepId);
    reopened.state.members[3].status = 'running';
    await reopened.save();

    const again = SweepStore.open(workDir, store.state.sweepId);
    assert.deepEqual(
      again.state.members.map((m) => m.status),
      ['finished', 'failed', 'failed', 'running'],
    );
    const second = new FakeLauncher(() => finishes(10));
    const outcome = await new SweepScheduler(again, second.launch).resume();
    assert.equal(outcome.status, 'finished');
    assert.deepEqual(
      second.launches.map((l) => [l.index, l.resumeRunId]),
      [
        [1, 'run-1-1'],
        [2, undefined],
        [3, 'run-3-1'],
      ],
    );
    const final = readSweepState(again.file);
    assert.deepEqual(
      final.members.map((m) => [m.status, m.runId, m.attempts, m.failure]),
      [
        ['finished', 'run-0-1', 1, null],
        ['finished', 'run-1-1', 2, null],
        ['finished', 'run-2-1', 2, null],
        ['finished', 'run-3-1', 2, null],
      ],
    );
  });

  it('stop() stops the running members, starts no more, and leaves the rest to resume', async () => {
    const { store } = await newStore([-0.2, -0.1, 0], 2);
    const fake = new FakeLauncher(() => finishes(60_000));
    const scheduler = new SweepScheduler(store, fake.launch);
    const running = scheduler.run();
    await new Promise((r) => setTimeout(r, 30));
    await scheduler.stop();
    const outcome = await running;
    assert.equal(outcome.status, 'stopped');
    assert.deepEqual(fake.stopped.sort(), [0, 1]);
    assert.deepEqual(
      outcome.members.map((m) => m.status),
      ['stopped', 'stopped', 'pending'],
    );
    const resumed = new FakeLauncher(() => finishes(5));
    assert.equal((await new SweepScheduler(store, resumed.launch).resume()).status, 'finished');
    assert.deepEqual(
      resumed.launches.map((l) => [l.index, l.resumeRunId]),
      [
        [0, 'run-0-1'],
        [1, 'run-1-1'],
        [2, undefined],
      ],
    );
  });

  it('writes sweep.json atomically on every change: every read finds a whole, valid state', async () => {
    const { store } = await newStore([-0.3, -0.2, -0.1, 0, 0.1], 2);
    const reads: string[] = [];
    const fake = new FakeLauncher((i) => (i === 3 ? { startAfter: 1, runFor: 8, crash: {} } : finishes(8)));
    const scheduler = new SweepScheduler(store, fake.launch);
    let changes = 0;
    scheduler.on('member', () => changes++);
    // Read as fast as the event loop allows while the sweep runs.
    let done = false;
    const reader = (async () => {
      while (!done) {
        const state = readSweepState(store.file);
        reads.push(state.members.map((m) => m.status).join(','));
        await new Promise((r) => setImmediate(r));
      }
    })();
    const outcome = await scheduler.run();
    done = true;
    await reader;
    assert.ok(reads.length > 20, `only ${reads.length} reads`);
    assert.ok(changes >= 5 * 3, `only ${changes} changes`);
    assert.ok(
      reads.some((r) => r.includes('running')),
      'a reader saw members running',
    );
    assert.deepEqual(readSweepState(store.file).members, outcome.members);
    assert.deepEqual(
      readdirSync(store.dir).filter((f) => f !== 'sweep.json'),
      [],
      'no temporary files are left',
    );
  });
});
