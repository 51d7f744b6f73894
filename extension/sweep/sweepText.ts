// The words and files of the sweep commands, apart from vscode so they are tested: which files are
// sweep files, what "Create Sweep File…" writes, and how a sweep and its members are summed up.
import { PRESETS } from '../../engine/config/presets';
import { DEFAULT_MASK_INIT_VALUES } from '../../engine/sweep/sweepConfig';
import type { MemberState, SweepState } from '../../engine/sweep/sweepStore';

export const SWEEP_GLOB = '{**/sweep.json,**/*.sweep.json}';

/**
 * A sweep over maskInit (the paper's way to reach several sparsities at once) on the folder's
 * sparsity.json, or on the quick preset when there is none, with IMP alongside: its rounds prune 20%
 * each, so 8 rounds reach about 17% of the weights, where the CS tickets are.
 */
export function sweepFileText(hasSparsityJson: boolean): string {
  const base = hasSparsityJson ? 'sparsity.json' : { ...PRESETS.quick };
  const sweep = {
    base,
    vary: 'maskInit',
    values: DEFAULT_MASK_INIT_VALUES,
    extraRuns: [{ method: 'imp', rounds: 8 }],
  };
  return `${JSON.stringify(sweep, null, 2)}\n`;
}

/** "5 searches over maskInit (-0.3 … 0.1) and 1 more run, 2 at a time" */
export function describeSweep(state: SweepState): string {
  const varied = state.members.filter((m) => m.extraRun === null).length;
  const extra = state.members.length - varied;
  const values =
    state.values.length > 1
      ? `${state.values[0]} … ${state.values[state.values.length - 1]}`
      : String(state.values[0]);
  return (
    `${varied} searches over ${state.vary} (${values})` +
    (extra ? ` and ${extra} more run${extra > 1 ? 's' : ''}` : '') +
    `, ${state.parallel} at a time`
  );
}

/** "2 finished · 2 running · 1 waiting · 1 failed" */
export function countMembers(members: readonly MemberState[]): string {
  const words: [MemberState['status'], string][] = [
    ['finished', 'finished'],
    ['running', 'running'],
    ['pending', 'waiting'],
    ['failed', 'failed'],
    ['stopped', 'stopped'],
  ];
  return words
    .map(([status, word]) => [members.filter((m) => m.status === status).length, word] as const)
    .filter(([n]) => n > 0)
    .map(([n, word]) => `${n} ${word}`)
    .join(' · ');
}
