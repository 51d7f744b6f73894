// What the host knows about one search while it runs: a plain object folded from the engine's
// messages. The status bar, the progress notification, the context keys and the dashboard all read
// it, so they never disagree about where the search stands.
import type { BackendReport, EngineMessage, Phase, RewindTarget } from '../../engine/protocol/engineProtocol';
import { summariseBackend, type BackendSummary } from './backendSummary';

/** The states the UI distinguishes (the engine's `stopped` reads as idle once the process is gone). */
export type SearchState = 'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'finished' | 'failed';

/** The parts of the resolved config that say how long the run is. */
export interface RunPlan {
  rounds: number;
  epochsPerRound: number;
  ticketEpochs: number;
  denseBaseline: boolean;
  ticketsDir: string;
}

export interface Position {
  phase: Phase;
  round: number;
  rounds: number;
  epoch: number;
  epochs: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
}

export interface TicketResult {
  keptFraction: number;
  testAccuracy: number;
  denseTestAccuracy: number | null;
}

export interface LiveStatus {
  state: SearchState;
  runId?: string;
  runDir?: string;
  model?: string;
  data?: string;
  resumed?: boolean;
  /** CS or the IMP baseline, as the engine said when it started. */
  method?: 'cs' | 'imp';
  /** The backend it trains on; absent for runs recorded before engines said so in `started`. */
  backend?: BackendSummary;
  plan?: RunPlan;
  position?: Position;
  keptFraction?: number;
  samplesPerSecond?: number;
  etaSeconds?: number | null;
  trainAccuracy?: number;
  validationAccuracy?: number | null;
  rewindTargets: RewindTarget[];
  ticket?: TicketResult;
  /** Why it failed, in one line. */
  failure?: string;
}

export function startingStatus(): LiveStatus {
  return { state: 'starting', rewindTargets: [] };
}

export interface StartedFacts {
  runId: string;
  runDir: string;
  model: string;
  data: string;
  resumed: boolean;
  /** Absent from engines (and metrics.jsonl files) that predate IMP: CS. */
  method?: 'cs' | 'imp';
  config: unknown;
  backend?: BackendReport;
}

/** Reads the plan from the engine's resolved config; missing numbers mean the engine's defaults changed. */
export function planOf(config: unknown): RunPlan | undefined {
  if (typeof config !== 'object' || config === null) return undefined;
  const c = config as Record<string, unknown>;
  const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
  const rounds = int(c.rounds);
  const epochsPerRound = int(c.epochsPerRound);
  const ticketEpochs = int(c.ticketEpochs);
  if (rounds === undefined || epochsPerRound === undefined || ticketEpochs === undefined) return undefined;
  return {
    rounds,
    epochsPerRound,
    ticketEpochs,
    denseBaseline: c.denseBaseline === true,
    ticketsDir: typeof c.ticketsDir === 'string' && c.ticketsDir ? c.ticketsDir : 'tickets',
  };
}

export function withStarted(status: LiveStatus, started: StartedFacts): LiveStatus {
  return {
    ...status,
    // A `state` message may already have said running or paused; `started` only ends `starting`.
    state: status.state === 'starting' ? 'running' : status.state,
    runId: started.runId,
    runDir: started.runDir,
    model: started.model,
    data: started.data,
    resumed: started.resumed,
    method: started.method ?? 'cs',
    ...(started.backend ? { backend: summariseBackend(started.backend) } : {}),
    plan: planOf(started.config),
  };
}

const sameTarget = (a: RewindTarget, b: RewindTarget) =>
  a.kind === b.kind && (a.kind !== 'round' || (b.kind === 'round' && a.round === b.round));

function addTarget(targets: RewindTarget[], target: RewindTarget): RewindTarget[] {
  return targets.some((t) => sameTarget(t, target)) ? targets : [...targets, target];
}

export function applyEngineMessage(status: LiveStatus, message: EngineMessage): LiveStatus {
  switch (message.type) {
    case 'state':
      return {
        ...status,
        // The engine's `stopped` is its last word before it exits; the exit makes it idle.
        state: message.state === 'stopped' ? 'stopping' : message.state,
        rewindTargets: message.rewindTargets,
      };
    case 'progress':
      return {
        ...status,
        position: {
          phase: message.phase,
          round: message.round,
          rounds: message.rounds,
          epoch: message.epoch,
          epochs: message.epochs,
          stepInEpoch: message.stepInEpoch,
          stepsPerEpoch: message.stepsPerEpoch,
        },
        keptFraction: message.keptFraction,
        samplesPerSecond: message.samplesPerSecond,
        etaSeconds: message.etaSeconds,
        trainAccuracy: message.trainAccuracy,
      };
    case 'layerStats':
      return {
        ...status,
        keptFraction: message.keptFraction,
        ...(message.epochEnd ? { validationAccuracy: message.validationAccuracy } : {}),
      };
    // Targets appear with their snapshots, between the engine's `state` messages.
    case 'checkpoint':
      if (message.kind === 'rewind')
        return { ...status, rewindTargets: addTarget(status.rewindTargets, { kind: 'rewindPoint' }) };
      if (message.kind === 'round')
        return {
          ...status,
          rewindTargets: addTarget(status.rewindTargets, { kind: 'round', round: message.round }),
        };
      return status;
    case 'ticket':
      return {
        ...status,
        keptFraction: message.keptFraction,
        ticket: {
          keptFraction: message.keptFraction,
          testAccuracy: message.testAccuracy,
          denseTestAccuracy: message.denseTestAccuracy,
        },
      };
    case 'error':
      return message.fatal ? { ...status, failure: message.message } : status;
    default:
      return status;
  }
}

/** After the process is gone: idle when it ended as asked or finished, failed otherwise. */
export function withExit(status: LiveStatus, exit: { expected: boolean; failure?: string }): LiveStatus {
  const failed = !exit.expected || exit.failure !== undefined;
  return {
    ...status,
    state: failed ? 'failed' : 'idle',
    rewindTargets: [],
    ...(failed ? { failure: exit.failure ?? status.failure ?? 'the engine stopped unexpectedly' } : {}),
  };
}

const LIVE: readonly SearchState[] = ['running', 'paused', 'finished'];

export const canPause = (s: LiveStatus) => s.state === 'running';
export const canResume = (s: LiveStatus) => s.state === 'paused';
export const canStop = (s: LiveStatus) => s.state === 'starting' || LIVE.includes(s.state);
export const canRewind = (s: LiveStatus) => LIVE.includes(s.state) && s.rewindTargets.length > 0;
/** A ticket needs the rewound weights, which exist once the rewind point has been taken. */
export const canExport = (s: LiveStatus) =>
  LIVE.includes(s.state) && s.rewindTargets.some((t) => t.kind === 'rewindPoint');
/** Whether the engine process is (still) there. */
export const isLive = (s: LiveStatus) => s.state !== 'idle' && s.state !== 'failed';

/** How far the whole run is, 0..1: search rounds, then the ticket, then the dense baseline. */
export function overallFraction(status: LiveStatus): number | undefined {
  const { plan, position } = status;
  if (!plan || !position) return undefined;
  const phaseEpochs = plan.ticketEpochs * (plan.denseBaseline ? 2 : 1);
  const total = plan.rounds * plan.epochsPerRound + phaseEpochs;
  if (total === 0) return undefined;
  const inEpoch = position.stepsPerEpoch > 0 ? position.stepInEpoch / position.stepsPerEpoch : 0;
  const epochDone = position.epoch - 1 + inEpoch;
  const searchEpochs = plan.rounds * plan.epochsPerRound;
  let done: number;
  if (position.phase === 'search') done = (position.round - 1) * plan.epochsPerRound + epochDone;
  else if (position.phase === 'ticket') done = searchEpochs + epochDone;
  else done = searchEpochs + plan.ticketEpochs + epochDone;
  return Math.min(1, Math.max(0, done / total));
}
