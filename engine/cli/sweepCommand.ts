// `sparsity-lab sweep`: plans a sweep from a sweep.json (or reopens one with --resume), runs its
// members as engine processes (dist/engine.js, next to this bundle) with the scheduler, shows them
// live, and ends with every ticket's density and accuracy. A failed member makes the exit code
// non-zero and the last lines say how to resume; Ctrl-C stops every member cleanly.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../config/resolveConfig';
import { engineLauncher } from '../sweep/engineLauncher';
import { readSweepFile } from '../sweep/sweepConfig';
import { SweepScheduler, type SweepOutcome } from '../sweep/sweepScheduler';
import { SweepStore, type MemberState } from '../sweep/sweepStore';
import { SweepView, resultTable } from './sweepView';

export interface SweepOptions {
  config?: string;
  resume?: string;
  parallel?: string;
  json?: boolean;
}

function parseParallel(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError('command line', 'parallel', `expected an integer >= 1 (got "${text}")`);
  return n;
}

/** The engine bundle beside the CLI's; found at run time so the two always come from one build. */
function enginePath(): string {
  const p = path.join(__dirname, 'engine.js');
  if (!existsSync(p)) throw new Error(`${p} is missing: the sweep runs its members with dist/engine.js`);
  return p;
}

/** The fields of a member a JSON reader follows (its config is in sweep.json). */
const memberEvent = (m: MemberState) => ({
  kind: 'member',
  index: m.index,
  label: m.label,
  status: m.status,
  runId: m.runId,
  pid: m.pid,
  failure: m.failure,
  result: m.result,
});

export async function sweep(options: SweepOptions): Promise<number> {
  if (Boolean(options.config) === Boolean(options.resume)) {
    throw new ConfigError('command line', '', 'give either --config <sweep.json> or --resume <sweep-id>');
  }
  const cwd = process.cwd();
  const parallel = parseParallel(options.parallel);
  const store = options.resume
    ? SweepStore.open(cwd, options.resume)
    : await SweepStore.create(cwd, readSweepFile(path.resolve(cwd, options.config as string), { parallel }));
  const state = store.state;
  const scheduler: SweepScheduler = new SweepScheduler(
    store,
    engineLauncher({ enginePath: enginePath(), workDir: state.workDir, parallel: () => scheduler.parallel }),
  );
  if (options.resume && parallel !== undefined) scheduler.parallel = parallel;
  const show = (p: string) => path.relative(cwd, p) || '.';
  const resumeHint = `sparsity-lab sweep --resume ${state.sweepId}`;

  const view = options.json ? null : new SweepView(state.members);
  const say = (text: string) => (view ? view.print(text) : process.stderr.write(`${text}\n`));
  scheduler.on('member', (m) =>
    view ? view.member(m) : process.stdout.write(`${JSON.stringify(memberEvent(m))}\n`),
  );
  scheduler.on('message', (index, message) =>
    view
      ? view.message(index, message)
      : process.stdout.write(`${JSON.stringify({ kind: 'engine', index, message })}\n`),
  );
  scheduler.on('log', say);
  say(
    `sweep ${state.sweepId} (${show(store.dir)}): ${state.members.length} members, ${scheduler.parallel} at a time`,
  );

  let interrupted = 0;
  const onSignal = () => {
    interrupted++;
    // The engines run in their own process group and exit once this process is gone.
    if (interrupted > 1) process.exit(130);
    say('stopping every member after its current step (Ctrl-C again to quit at once)...');
    void scheduler.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let outcome: SweepOutcome;
  try {
    outcome = options.resume ? await scheduler.resume() : await scheduler.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    view?.stop();
  }

  const out = options.json ? process.stderr : process.stdout;
  out.write(`\n${resultTable(outcome.members, show)}\nsweep folder: ${show(store.dir)}\n`);
  if (outcome.status === 'stopped') {
    process.stderr.write(`stopped. Resume with: ${resumeHint}\n`);
    return 130;
  }
  if (outcome.status === 'failed') {
    for (const m of outcome.members.filter((x) => x.status !== 'finished')) {
      process.stderr.write(`member ${m.index} (${m.label}) ${m.status}: ${m.failure ?? 'did not finish'}\n`);
    }
    process.stderr.write(`Resume the members that did not finish with: ${resumeHint}\n`);
    return 1;
  }
  return 0;
}
