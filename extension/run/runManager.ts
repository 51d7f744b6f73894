// One search per workspace folder. The manager owns each folder's engine supervisor, folds the
// engine's messages into a LiveStatus, and tells the UI when anything changes. It does not import
// vscode: the folder is a plain key, and the supervisor comes from a factory, so tests can stand in
// for the engine.
import { EventEmitter } from 'node:events';
import type { EngineMessage, RewindTarget } from '../../engine/protocol/engineProtocol';
import type { EngineExit, StartedInfo, StartRequest, SupervisorOptions } from '../engine/engineSupervisor';
import {
  applyEngineMessage,
  isLive,
  startingStatus,
  withExit,
  withStarted,
  type LiveStatus,
} from './liveStatus';

/** What the manager needs of an EngineSupervisor. */
export interface SupervisorHandle {
  start(request: StartRequest): Promise<StartedInfo>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  rewind(target: RewindTarget): Promise<void>;
  exportTicket(dir?: string, overwrite?: boolean): Promise<{ dir: string; files: string[] }>;
  stop(): Promise<EngineExit | null>;
  kill(): void;
  readonly isRunning: boolean;
  on(event: 'message', listener: (message: EngineMessage) => void): unknown;
  on(event: 'exit', listener: (exit: EngineExit) => void): unknown;
  on(event: 'log', listener: (line: string) => void): unknown;
}

export type SupervisorFactory = (options: Omit<SupervisorOptions, 'enginePath'>) => SupervisorHandle;

export interface ManagedRun {
  /** The workspace folder's key (its URI as a string). */
  readonly folder: string;
  readonly request: StartRequest;
  readonly supervisor: SupervisorHandle;
  status: LiveStatus;
  /** Whether `started` has arrived, so the run folder exists and can be resumed. */
  started: boolean;
}

interface ManagerEvents {
  /** The run's status changed (any message, start, exit). */
  changed: [ManagedRun];
  /** The engine process is gone. */
  exited: [ManagedRun, EngineExit];
  message: [ManagedRun, EngineMessage];
  log: [ManagedRun, string];
}

export class RunBusyError extends Error {
  constructor(readonly folder: string) {
    super('a search is already running in this folder');
    this.name = 'RunBusyError';
  }
}

export class RunManager extends EventEmitter<ManagerEvents> {
  private readonly runs = new Map<string, ManagedRun>();
  private focusKey: string | undefined;

  constructor(private readonly createSupervisor: SupervisorFactory) {
    super();
  }

  get(folder: string): ManagedRun | undefined {
    return this.runs.get(folder);
  }

  /** Runs whose engine process is alive. */
  live(): ManagedRun[] {
    return [...this.runs.values()].filter((r) => isLive(r.status));
  }

  isBusy(folder: string): boolean {
    const run = this.runs.get(folder);
    return run !== undefined && isLive(run.status);
  }

  /**
   * The run the UI shows and commands act on when none is named: the last one started, or else any
   * live one. A failed run stays in focus so its state is visible until the next start.
   */
  get focus(): ManagedRun | undefined {
    const focused = this.focusKey ? this.runs.get(this.focusKey) : undefined;
    if (focused && (isLive(focused.status) || focused.status.state === 'failed')) return focused;
    return this.live()[0] ?? focused;
  }

  focusOn(folder: string): void {
    if (!this.runs.has(folder)) return;
    this.focusKey = folder;
    const run = this.runs.get(folder);
    if (run) this.emit('changed', run);
  }

  /**
   * Starts the engine for `folder`. Refuses (RunBusyError) while that folder's engine is alive: the
   * caller asks the user and stops it first. Resolves with the engine's `started`; rejects with the
   * supervisor's EngineRequestError (a config error names file and field).
   */
  async start(
    folder: string,
    request: StartRequest,
    options: Omit<SupervisorOptions, 'enginePath'>,
  ): Promise<StartedInfo> {
    if (this.isBusy(folder)) throw new RunBusyError(folder);
    const supervisor = this.createSupervisor(options);
    const run: ManagedRun = { folder, request, supervisor, status: startingStatus(), started: false };
    this.runs.set(folder, run);
    this.focusKey = folder;
    supervisor.on('message', (message) => {
      run.status = applyEngineMessage(run.status, message);
      this.emit('message', run, message);
      this.emit('changed', run);
    });
    supervisor.on('log', (line) => this.emit('log', run, line));
    supervisor.on('exit', (exit) => {
      // A start the engine refused (a config error, say) is answered to the start request and
      // leaves the folder idle; an error after the start means the search failed.
      run.status = withExit(run.status, {
        expected: exit.expected,
        failure: run.started ? exit.fatalError?.message : undefined,
      });
      this.emit('exited', run, exit);
      this.emit('changed', run);
    });
    this.emit('changed', run);
    try {
      const started = await supervisor.start(request);
      run.started = true;
      run.status = withStarted(run.status, started);
      this.emit('changed', run);
      return started;
    } catch (e) {
      // A timeout leaves the process behind; an engine that will never answer is of no use.
      if (supervisor.isRunning) supervisor.kill();
      throw e;
    }
  }

  /** Asks the folder's engine to stop; resolves once the process has exited. */
  async stop(folder: string): Promise<void> {
    const run = this.runs.get(folder);
    if (!run || !run.supervisor.isRunning) return;
    run.status = { ...run.status, state: 'stopping' };
    this.emit('changed', run);
    await run.supervisor.stop();
  }

  /** Ends every engine process at once (deactivate): no grace period, no orphans. */
  killAll(): void {
    for (const run of this.runs.values()) if (run.supervisor.isRunning) run.supervisor.kill();
  }

  dispose(): void {
    this.killAll();
    this.removeAllListeners();
  }
}
