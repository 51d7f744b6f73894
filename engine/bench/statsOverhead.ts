// What streaming the per-layer statistics costs: the same short CS search on LeNet-300-100 with
// statistics every `statsIntervalMs` (the default, 250 ms) and with the interval statistics off (only
// those at epoch ends, which the views need, remain). Throughput is taken epoch to epoch, as a user's
// run feels it. The two kinds of run alternate and medians are compared, as the step benchmark does.
import { SearchConfigSchema } from '../config/configSchema';
import { runSearchInProcess } from './inProcessSearch';
import type { BackendReport } from '../backend/selectBackend';

export interface StatsOverheadResult {
  intervalMs: number;
  onSamplesPerSec: number;
  offSamplesPerSec: number;
  /** Median of the paired on/off ratios: 1 means streaming costs nothing. */
  ratio: number;
}

/** "Off": the interval never elapses within an epoch, so only the epoch-end statistics are sent. */
const NEVER_MS = 2 ** 31 - 1;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/**
 * Samples/s of one search, epoch to epoch: from the last step of one epoch to the last of the next
 * (every epoch's last step reports progress, whatever the interval), so the interval statistics, and
 * the epoch-end work both kinds of run share, are inside the time.
 */
async function trainingThroughput(
  statsIntervalMs: number,
  chooseBackend: () => Promise<BackendReport>,
): Promise<number> {
  const epochEnds: { at: number; step: number }[] = [];
  const batchSize = 64;
  const config = {
    model: 'lenet-300-100',
    data: { format: 'mnist-bundled', limit: 4000, testSize: 500 },
    validationSize: 200,
    rounds: 1,
    epochsPerRound: 5,
    ticketEpochs: 0,
    batchSize,
    statsIntervalMs,
  };
  await runSearchInProcess(config, chooseBackend, (m) => {
    if (m.type === 'progress' && m.phase === 'search' && m.stepInEpoch === m.stepsPerEpoch) {
      epochEnds.push({ at: performance.now(), step: m.step });
    }
  });
  // From the end of the first epoch on: the first one warms up (kernels compile, pages fault in).
  const first = epochEnds[0];
  const last = epochEnds[epochEnds.length - 1];
  if (!first || last === first) throw new Error('the statistics benchmark saw fewer than two epochs');
  return ((last.step - first.step) * batchSize) / ((last.at - first.at) / 1000);
}

export async function benchStatsOverhead(
  chooseBackend: () => Promise<BackendReport>,
  repetitions = 3,
): Promise<StatsOverheadResult> {
  const intervalMs = SearchConfigSchema.properties.statsIntervalMs.default as number;
  const on: number[] = [];
  const off: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const a = await trainingThroughput(intervalMs, chooseBackend);
    const b = await trainingThroughput(NEVER_MS, chooseBackend);
    on.push(a);
    off.push(b);
    ratios.push(a / b);
  }
  return { intervalMs, onSamplesPerSec: median(on), offSamplesPerSec: median(off), ratio: median(ratios) };
}
