// `sparsity-lab sweep` with real engine processes: one member's engine is killed mid-run, the others
// finish, the CLI exits non-zero naming it, and `--resume` finishes it from its own run folder.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SWEEPS_DIR, SWEEP_FILE, readSweepState, type SweepState } from '../../../engine/sweep/sweepStore';
import { requireBuilt } from '../ipc/engineProcess';
import { isAlive } from '../../support/processes';
import { tinyConfig } from '../../support/tinySearch';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The sweep's state as the CLI last wrote it, or null before it exists. */
function currentState(workDir: string): SweepState | null {
  const root = path.join(workDir, SWEEPS_DIR);
  const ids = existsSync(root) ? readdirSync(root) : [];
  const file = ids.length === 1 ? path.join(root, ids[0], SWEEP_FILE) : '';
  return file && existsSync(file) ? readSweepState(file) : null;
}

interface RunningCli {
  stdout: string;
  stderr: string;
  done: boolean;
  exited: Promise<number | null>;
  signalGroup(signal: NodeJS.Signals): void;
}

const started: RunningCli[] = [];

/** The CLI in a process group of its own, as a shell runs a foreground job. */
function startSweep(workDir: string): RunningCli {
  const child = spawn(process.execPath, [requireBuilt('cli.js'), 'sweep', '--config', 'sweep.json'], {
    cwd: workDir,
    detached: true,
  });
  const cli: RunningCli = {
    stdout: '',
    stderr: '',
    done: false,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    // To the whole group, as a terminal's Ctrl-C: the engines must not get it, the CLI stops them.
    signalGroup: (signal) => process.kill(-(child.pid as number), signal),
  };
  child.stdout.on('data', (d: Buffer) => (cli.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (cli.stderr += d.toString()));
  void cli.exited.then(() => (cli.done = true));
  started.push(cli);
  return cli;
}

function writeSweep(workDir: string, epochsPerRound: number): void {
  writeFileSync(
    path.join(workDir, 'sweep.json'),
    JSON.stringify({
      base: tinyConfig({ backend: 'wasm', epochsPerRound }),
      values: [-0.1, 0, 0.1],
      parallel: 2,
    }),
  );
}

describe('CLI: sparsity-lab sweep with real engines', function () {
  this.timeout(300_000);
  // A failed assertion must not leave a sweep running (its engines exit with it).
  afterEach(() => started.filter((c) => !c.done).forEach((c) => c.signalGroup('SIGKILL')));

  it('survives a killed member, exits non-zero naming it, and --resume finishes it', async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-sweep-cli-'));
    writeSweep(workDir, 3);
    const cli = startSweep(workDir);

    // Kill member 0's engine once it has saved a snapshot mid-run.
    const pids = new Set<number>();
    let killed: { pid: number; runId: string } | null = null;
    while (!killed && !cli.done) {
      const state = currentState(workDir);
      const running = state?.members.filter((m) => m.status === 'running') ?? [];
      assert.ok(running.length <= 2, `${running.length} members running at once`);
      running.forEach((m) => m.pid !== null && pids.add(m.pid));
      const m0 = state?.members[0];
      if (
        m0?.status === 'running' &&
        m0.pid !== null &&
        m0.runDir &&
        existsSync(path.join(m0.runDir, 'latest.safetensors'))
      ) {
        process.kill(m0.pid, 'SIGKILL');
        killed = { pid: m0.pid, runId: m0.runId as string };
      }
      await sleep(50);
    }
    assert.ok(killed, `member 0 was never seen mid-run; stderr: ${cli.stderr}`);
    const code = await cli.exited;
    assert.equal(code, 1, `stdout: ${cli.stdout}\nstderr: ${cli.stderr}`);

    const afterKill = currentState(workDir) as SweepState;
    const id = afterKill.sweepId;
    assert.deepEqual(
      afterKill.members.map((m) => m.status),
      ['failed', 'finished', 'finished'],
    );
    assert.equal(afterKill.members[0].runId, killed.runId);
    assert.match(cli.stderr, /member 0 \(maskInit=-0\.1\) failed: the engine was killed \(SIGKILL\)/);
    assert.ok(cli.stderr.includes(`sparsity-lab sweep --resume ${id}`), cli.stderr);
    for (const m of afterKill.members.slice(1)) {
      assert.ok(m.result && m.result.ticketDir && existsSync(path.join(m.result.ticketDir, 'ticket.json')));
    }
    for (const pid of pids) assert.equal(isAlive(pid), false, `engine ${pid} outlived the sweep`);

    const resumed = spawnSync(process.execPath, [requireBuilt('cli.js'), 'sweep', '--resume', id], {
      cwd: workDir,
      encoding: 'utf8',
      timeout: 150_000,
    });
    assert.equal(resumed.status, 0, `${resumed.stdout}\n${resumed.stderr}`);
    const final = currentState(workDir) as SweepState;
    assert.deepEqual(
      final.members.map((m) => [m.status, m.attempts]),
      [
        ['finished', 2],
        ['finished', 1],
        ['finished', 1],
      ],
    );
    const m0 = final.members[0];
    assert.equal(m0.runId, killed.runId, 'the killed member resumed its own run');
    const starts = readFileSync(path.join(m0.runDir as string, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"started"'))
      .map((l) => (JSON.parse(l) as { resumed: boolean }).resumed);
    assert.deepEqual(starts, [false, true]);
    // The final table: every member's ticket with its density and test accuracy.
    for (const m of final.members) {
      const row = resumed.stdout
        .split('\n')
        .find((l) => l.includes(m.label) && l.includes(m.runId as string));
      assert.ok(row, `no row for ${m.label} in:\n${resumed.stdout}`);
      assert.match(row, /finished/);
      assert.ok(row.includes(`${((m.result?.keptFraction ?? NaN) * 100).toFixed(2)}%`), row);
      assert.ok(row.includes(`${((m.result?.testAccuracy ?? NaN) * 100).toFixed(2)}%`), row);
    }
    assert.ok(resumed.stdout.includes(`sweep folder: ${path.join(SWEEPS_DIR, id)}`), resumed.stdout);
  });

  it('stops every member gracefully on Ctrl-C, leaves no engine behind and says how to resume', async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-sweep-cli-'));
    writeSweep(workDir, 20);
    const cli = startSweep(workDir);
    let state: SweepState | null = null;
    while (!cli.done && !(state?.members.filter((m) => m.runId !== null).length === 2)) {
      await sleep(50);
      state = currentState(workDir);
    }
    const pids = (state?.members ?? []).map((m) => m.pid).filter((p): p is number => p !== null);
    assert.equal(pids.length, 2, cli.stderr);
    cli.signalGroup('SIGINT');
    assert.equal(await cli.exited, 130, `stdout: ${cli.stdout}\nstderr: ${cli.stderr}`);
    const after = currentState(workDir) as SweepState;
    assert.deepEqual(
      after.members.map((m) => m.status),
      ['stopped', 'stopped', 'pending'],
    );
    assert.ok(
      cli.stderr.includes(`stopped. Resume with: sparsity-lab sweep --resume ${after.sweepId}`),
      cli.stderr,
    );
    assert.deepEqual(
      after.members.slice(0, 2).map((m) => m.lastExit),
      [
        { code: 0, signal: null },
        { code: 0, signal: null },
      ],
      'each engine stopped when asked, none had to be killed',
    );
    for (const pid of pids) assert.equal(isAlive(pid), false, `engine ${pid} outlived the sweep`);
  });
});
