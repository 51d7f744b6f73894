// Runs the PyTorch reference benchmark (engine/bench/torch/cs_step_bench.py) with the same plan and
// hyperparameters as our own step benchmark, and parses what it prints.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { ZooModelName } from '../config/configSchema';
import type { StepBenchHyper, StepBenchPlan } from './stepBench';
import { findTorchPython, torchScriptDir } from './torchPython';

/** The reference is timed exactly as our step is: same model, batch, warm-up and blocks. */
export type TorchCase = StepBenchPlan;

export interface TorchCaseResult {
  model: ZooModelName;
  batchSize: number;
  csSamplesPerSec: number;
  denseSamplesPerSec: number;
  csDenseRatio: number;
  finiteLoss: boolean;
}

export type TorchRun =
  | { ok: true; torchVersion: string; threads: number; results: TorchCaseResult[] }
  | { ok: false; reason: string };

/** Generous: the reference's own run takes well under a minute per thread count on 2 cores. */
const TIMEOUT_MS = 10 * 60_000;

function isResult(value: unknown): value is TorchCaseResult {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.model === 'string' &&
    typeof r.batchSize === 'number' &&
    typeof r.csSamplesPerSec === 'number' &&
    typeof r.denseSamplesPerSec === 'number' &&
    typeof r.csDenseRatio === 'number' &&
    typeof r.finiteLoss === 'boolean'
  );
}

/** The reference's JSON line, checked field by field: a garbled run must not become a table row. */
function parseOutput(stdout: string): { torch: string; threads: number; results: TorchCaseResult[] } {
  const line = stdout.trim().split('\n').pop() ?? '';
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed === 'object' && parsed !== null) {
    const p = parsed as Record<string, unknown>;
    if (
      typeof p.torch === 'string' &&
      typeof p.threads === 'number' &&
      Array.isArray(p.results) &&
      p.results.every(isResult)
    ) {
      return { torch: p.torch, threads: p.threads, results: p.results };
    }
  }
  throw new Error(`unexpected output: ${line.slice(0, 200)}`);
}

export function runTorchBench(
  threads: number,
  cases: TorchCase[],
  hyper: StepBenchHyper,
  seed: number,
): TorchRun {
  const found = findTorchPython();
  if (!found.ok) return found;
  const script = path.join(torchScriptDir(), 'cs_step_bench.py');
  const plan = JSON.stringify({ threads, hyper, seed, cases });
  // -B: no __pycache__ in the source tree.
  const r = spawnSync(found.python, ['-B', script, plan], { encoding: 'utf8', timeout: TIMEOUT_MS });
  if (r.error || r.status !== 0) {
    const why = r.error?.message ?? r.stderr.trim().split('\n').slice(-3).join(' | ');
    return { ok: false, reason: `${found.python} ${script} failed: ${why}` };
  }
  try {
    const out = parseOutput(r.stdout);
    return { ok: true, torchVersion: out.torch, threads: out.threads, results: out.results };
  } catch (err) {
    return { ok: false, reason: `${script}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
