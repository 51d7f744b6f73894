// `sparsity-lab`: the engine in a terminal. `search` runs a whole ticket search with a progress bar and
// per-layer tables, exports the ticket and prints where it is; Ctrl-C stops cleanly and says how to
// resume. `sweep` runs several searches as engine processes (sweepCommand.ts); `doctor` says which
// backend a search would use and why not a faster one (doctorCommand.ts). Errors print one line naming the file and field, and the exit code is non-zero.
import * as path from 'node:path';
import { Command } from 'commander';
import { selectBackend } from '../backend/selectBackend';
import { threadsFor } from '../backend/threadCount';
import { BACKENDS } from '../config/configSchema';
import { PRESETS, PRESET_NAMES } from '../config/presets';
import { ConfigError, configJsonSchema, readConfigFile } from '../config/resolveConfig';
import { backendsNotUsed, type EngineMessage } from '../protocol/engineProtocol';
import { describeError } from '../session/errorReport';
import { ticketAdvice } from '../session/ticketAdvice';
import { openSession } from '../session/openSession';
import { ENGINE_VERSION } from '../version';
import { ProgressView } from './progressView';
import { addSearchFlags, flagsSetField, flagsToConfig, mergeFlags } from './searchFlags';
import { doctor, type DoctorOptions } from './doctorCommand';
import { sweep, type SweepOptions } from './sweepCommand';

const pct = (x: number | null) => (x === null || Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(2)}%`);

interface SearchOptions extends Record<string, unknown> {
  config?: string;
  preset?: string;
  resume?: string;
  out?: string;
  overwrite?: boolean;
  json?: boolean;
}

async function search(options: SearchOptions, command: Command): Promise<number> {
  const workDir = process.cwd();
  let raw: Record<string, unknown> = {};
  let source = 'flags';
  if (options.preset) {
    const preset = PRESETS[options.preset];
    if (!preset)
      throw new ConfigError(
        '--preset',
        '',
        `unknown preset "${options.preset}"; known: ${PRESET_NAMES.join(', ')}`,
      );
    raw = { ...preset };
    source = `preset ${options.preset}`;
  }
  if (options.config) {
    const file = path.resolve(workDir, options.config);
    raw = { ...raw, ...readConfigFile(file) };
    source = file;
  }
  const flags = flagsToConfig(options, command);
  raw = mergeFlags(raw, flags);

  const view = new ProgressView();
  const emit = (m: EngineMessage) => {
    if (options.json) process.stdout.write(`${JSON.stringify(m)}\n`);
    else view.handle(m);
  };
  const opened = await openSession({
    config: raw,
    configSource: source,
    workDir,
    resumeRunId: options.resume,
    chooseBackend: async (config) => {
      const report = await selectBackend(config.backend, config.nativeBackendPath, {
        wasmThreads: threadsFor(config.threads),
      });
      const skipped = backendsNotUsed(report).map((n) => `${n.candidate} (${n.reason})`);
      const on = report.device === undefined ? '' : ` on ${report.device}`;
      view.print(`backend: ${report.name}${on}${skipped.length ? `; not used: ${skipped.join('; ')}` : ''}`);
      return report;
    },
    emit,
    log: (m) => view.print(m),
  }).catch((e: unknown) => {
    // A bad value that came from a flag is the flag's fault, not the config file's.
    if (e instanceof ConfigError && flagsSetField(flags, e.field))
      throw new ConfigError('command line', e.field, e.detail);
    throw e;
  });
  const { session } = opened;
  view.print(`run ${session.runId} (${path.relative(workDir, session.runDir)})`);

  let interrupted = 0;
  const onSignal = () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    view.print('stopping after the current step (Ctrl-C again to quit at once)...');
    session.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const outcome = await session.run();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (outcome === 'stopped') {
    view.stop();
    process.stderr.write(`stopped. Resume with: sparsity-lab search --resume ${session.runId}\n`);
    return 130;
  }
  const exported = await session.exportTicket({ dir: options.out, overwrite: options.overwrite ?? false });
  view.stop();
  const r = session.finalResults;
  const rel = path.relative(workDir, exported.dir) || '.';
  const keptNow = await session.keptFractionNow();
  const lines = [
    '',
    `ticket: ${rel}`,
    `  kept weights:     ${pct(keptNow)} of the masked weights`,
    `  ticket test acc:  ${pct(r.ticketTest)} (at the rewind point, before retraining: ${pct(r.ticketTestAtRewind)})`,
    `  dense test acc:   ${r.denseTest === null ? 'not trained (add --dense-baseline)' : pct(r.denseTest)}`,
    '',
  ];
  const advice = ticketAdvice(opened.config.method, keptNow);
  if (advice) lines.push(`warning: ${advice}`, '');
  if (options.json) process.stderr.write(lines.join('\n'));
  else process.stdout.write(lines.join('\n'));
  return 0;
}

function main(): void {
  const program = new Command();
  program
    .name('sparsity-lab')
    .description('Find lottery tickets with Continuous Sparsification (or the IMP baseline).')
    .version(ENGINE_VERSION);
  const searchCommand = program
    .command('search')
    .description('run a ticket search and export the ticket')
    .option('--config <file>', 'a sparsity.json config file')
    .option('--preset <name>', `start from a preset (${PRESET_NAMES.join(', ')})`)
    .option('--resume <run-id>', 'continue a run from its last snapshot')
    .option('--out <dir>', 'ticket folder (default: <ticketsDir>/<run-id>)')
    .option('--overwrite', 'replace an existing ticket folder')
    .option('--json', 'print every engine event as a JSON line on stdout');
  addSearchFlags(searchCommand);
  searchCommand.action(async (options: SearchOptions, command: Command) => {
    process.exitCode = await search(options, command);
  });
  program
    .command('sweep')
    .description('run CS searches that differ in one hyperparameter, several at a time')
    .option('--config <file>', 'a sweep file (sweep.json): base config, vary, values, parallel, extraRuns')
    .option('--resume <sweep-id>', 'relaunch the members of a sweep that did not finish')
    .option('--parallel <n>', 'members at once (default: the sweep file, else the number of cores)')
    .option('--json', 'print member changes and engine events as JSON lines on stdout')
    .action(async (options: SweepOptions) => {
      process.exitCode = await sweep(options);
    });
  program
    .command('doctor')
    .description('show the backend a search would use, its device and versions, and why not a faster one')
    .option('--backend <name>', `the backend to check (${BACKENDS.join(', ')}; default auto)`)
    .option('--native-backend-path <dir>', 'where the native and WebGPU packages are installed')
    .option('--json', 'print the report as JSON')
    .action(async (options: DoctorOptions) => {
      process.exitCode = await doctor(options);
    });
  program
    .command('schema')
    .description('print the JSON Schema of sparsity.json')
    .action(() => {
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });

  program.parseAsync(process.argv).catch((e: unknown) => {
    const info = describeError(e);
    process.stderr.write(`sparsity-lab: ${info.code} error: ${info.message}\n`);
    process.exitCode = info.code === 'internal' ? 70 : 1;
  });
}

main();
