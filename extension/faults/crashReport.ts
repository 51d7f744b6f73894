// Turns the end of an engine process into what the user is told, or nothing when it ended as asked.
// A crash names the exit code or signal and the engine's last lines, and offers to resume: the run's
// snapshots are written atomically, so the last complete one is always there to continue from.
import type { EngineExit } from '../engine/engineSupervisor';

export type CrashAction = 'resume' | 'showLog' | 'openConfig';

export interface CrashReport {
  message: string;
  actions: CrashAction[];
}

export const ACTION_LABELS: Record<CrashAction, string> = {
  resume: 'Resume from Last Snapshot',
  showLog: 'Show Log',
  openConfig: 'Open Config',
};

const SHOWN_LINES = 3;
const LINE_CHARS = 200;

export function describeExitCause(exit: Pick<EngineExit, 'code' | 'signal'>): string {
  if (exit.signal) return `killed by signal ${exit.signal}`;
  if (exit.code !== null) return `exit code ${exit.code}`;
  return 'no exit code';
}

/** The last few non-empty lines, shortened, joined for a one-paragraph notification. */
export function lastLinesText(lines: readonly string[]): string {
  return lines
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-SHOWN_LINES)
    .map((l) => (l.length > LINE_CHARS ? `${l.slice(0, LINE_CHARS - 1)}…` : l))
    .join(' | ');
}

/**
 * `runId` is set once the engine said `started` (a run folder exists). Errors the engine reported
 * while starting are answered to the start request, so they are not reported again here.
 */
export function describeExit(exit: EngineExit, runId: string | undefined): CrashReport | null {
  const where = runId ? ` during run ${runId}` : ' while starting';
  const intact = runId ? ` The run's files in .sparsity/runs/${runId} are intact.` : '';
  if (!exit.expected) {
    const tail = lastLinesText(exit.lastLines);
    return {
      message:
        `The Sparsity Lab engine stopped unexpectedly${where} (${describeExitCause(exit)}).` +
        intact +
        (tail ? ` Last output: ${tail}` : ''),
      actions: runId ? ['resume', 'showLog'] : ['showLog'],
    };
  }
  if (exit.fatalError && runId) {
    const { code, message } = exit.fatalError;
    const canResume = code !== 'config' && code !== 'protocol';
    return {
      message: `The search failed (${code} error): ${message}.${canResume ? intact : ''}`,
      actions: [...(canResume ? (['resume'] as const) : []), 'showLog'],
    };
  }
  return null;
}
