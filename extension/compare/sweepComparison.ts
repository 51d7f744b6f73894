// The comparison the dashboard shows: the newest sweep of the workspace folders (or a given one), its
// members' tickets read from their run folders. A member not started yet counts as still to come.
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { SWEEP_FILE, readSweepState, sweepsRoot, type SweepState } from '../../engine/sweep/sweepStore';
import type { Comparison } from '../../webview/protocol/viewProtocol';
import { comparisonFromRuns } from './comparisonFromRuns';

/** The sweep.json files under the folders, newest first (sweep ids sort by creation time). */
export function findSweeps(workDirs: readonly string[]): string[] {
  const found: { id: string; file: string }[] = [];
  for (const workDir of workDirs) {
    const root = sweepsRoot(workDir);
    if (!existsSync(root)) continue;
    for (const id of readdirSync(root)) {
      const file = path.join(root, id, SWEEP_FILE);
      if (existsSync(file)) found.push({ id, file });
    }
  }
  return found.sort((a, b) => b.id.localeCompare(a.id)).map((f) => f.file);
}

const VARIED: Record<SweepState['vary'], string> = {
  maskInit: 's0',
  lambda: 'λ',
  finalTemperature: 'final T',
};

export async function sweepComparison(state: SweepState): Promise<Comparison | null> {
  return comparisonFromRuns(
    `Sweep ${state.sweepId} · ${VARIED[state.vary]} over ${state.values.join(', ')}`,
    state.members.map((m) => ({
      label: m.vary && m.value !== null ? `${VARIED[m.vary]} = ${m.value}` : m.label,
      // Not started: no folder yet, nothing to read.
      runDir: m.runDir ?? path.join(state.workDir, '.sparsity', 'runs', `(member ${m.index} not started)`),
      running: m.status === 'pending' || m.status === 'running',
    })),
  );
}

/** The newest readable sweep's comparison, or null when the folders hold none. */
export async function latestSweepComparison(workDirs: readonly string[]): Promise<Comparison | null> {
  for (const file of findSweeps(workDirs)) {
    let state: SweepState;
    try {
      state = readSweepState(file);
    } catch {
      continue; // a sweep.json of another version, or being replaced: the next one
    }
    return sweepComparison(state);
  }
  return null;
}
