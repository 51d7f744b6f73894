// Runs a sweep's members as separate engine processes, at most `parallel` at a time: the next member
// starts when one ends. A member whose engine dies is marked failed with the reason and the others go
// on. Every change of a member is saved to sweep.json, so a later resume() (in this process or after
// the CLI itself died) relaunches only what did not finish, each from its own run folder.
//
// How an engine is started is the launcher's business (engineLauncher.ts forks dist/engine.js; tests
// pass a fake), so this module knows neither processes nor TensorFlow.
import { EventEmitter } from 'node:events';
import type { EngineMessage } from '../protocol/engineProtocol';
import type { MemberResult, MemberState, MemberStatus, SweepState, SweepStore } from './sweepStore';

export interface MemberStarted {
  runId: string;
  runDir: string;
  /** True when the engine reopened an existing run (resumeRunId). */
  resumed: boolean;
}

export interface MemberExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The launcher asked for it (a stop), or the engine ended after saying why (see `error`). */
  expected: boolean;
  /** The fatal error the engine reported before it exited (a bad config, a missing run...). */
  error?: string;
  /** The engine's last log and stderr lines. */
  lastLines?: string[];
}

/** What a launcher reports while its member runs. Called by the launcher, never after `exit`. */
export interface MemberEvents {
  started(info: MemberStarted): void;
  /** Every engine message (progress, layerStats, state, ticket...), for live views. */
  message(message: EngineMessage): void;
  /** The member's ticket: its density and accuracy. */
  ticket(result: MemberResult): void;
}

export interface MemberHandle {
  /** The engine's process id, when there is a process. */
  readonly pid: number | undefined;
  /** Resolves once the process is gone; never rejects. */
  readonly exit: Promise<MemberExit>;
  /** Asks the engine to stop after its step in flight, kills it after a grace period. */
  stop(): Promise<void>;
}

export interface LaunchRequest {
  /** A copy of the member as saved (config, label, runId...). */
  member: Readonly<MemberState>;
  /** The member's run to reopen; undefined starts a fresh run. */
  resumeRunId: string | undefined;
  events: MemberEvents;
}

export type LaunchMember = (request: LaunchRequest) => MemberHandle;

export interface SweepOutcome {
  /** finished: every member has its ticket; stopped: stop() was called; failed: some member failed. */
  status: 'finished' | 'failed' | 'stopped';
  members: MemberState[];
}

interface SchedulerEvents {
  /** A member's status, run, pid or result changed (the state is being saved). */
  member: [MemberState];
  /** An engine message of member `index`. */
  message: [number, EngineMessage];
  /** Something worth telling that is no member's state (a failed save of sweep.json). */
  log: [string];
}

/** Members a resume relaunches: all but the finished ones. */
const UNFINISHED: readonly MemberStatus[] = ['pending', 'running', 'failed', 'stopped'];

export class SweepScheduler extends EventEmitter<SchedulerEvents> {
  private readonly handles = new Map<number, MemberHandle>();
  private active = false;
  private stopRequested = false;

  constructor(
    private readonly store: SweepStore,
    private readonly launch: LaunchMember,
  ) {
    super();
  }

  get state(): SweepState {
    return this.store.state;
  }

  get parallel(): number {
    return this.state.parallel;
  }

  /** Changes how many members may run at once (saved; a resume may ask for another number). */
  set parallel(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`parallel must be an integer >= 1, got ${n}`);
    this.state.parallel = n;
    void this.save();
  }

  /** Members whose engine is running now. */
  get runningCount(): number {
    return this.handles.size;
  }

  /** Runs the pending members to the end; resolves when none is left running. */
  async run(): Promise<SweepOutcome> {
    if (this.active) throw new Error('this sweep is already running');
    this.active = true;
    this.stopRequested = false;
    try {
      const queue = this.state.members.filter((m) => m.status === 'pending');
      const running = new Set<Promise<void>>();
      while (!this.stopRequested && (queue.length > 0 || running.size > 0)) {
        while (!this.stopRequested && queue.length > 0 && running.size < this.parallel) {
          const member = queue.shift() as MemberState;
          const done: Promise<void> = this.runMember(member).finally(() => running.delete(done));
          running.add(done);
        }
        if (running.size > 0) await Promise.race(running);
      }
      await Promise.all(running);
      await this.save();
    } finally {
      this.active = false;
    }
    return this.outcome();
  }

  /**
   * Relaunches every member that has not finished (failed, stopped, pending, or left "running" by a
   * process that died); one that had started resumes its own run.
   */
  resume(): Promise<SweepOutcome> {
    if (this.active) return Promise.reject(new Error('this sweep is already running'));
    for (const m of this.state.members) {
      if (!UNFINISHED.includes(m.status)) continue;
      m.status = 'pending';
      m.failure = null;
      m.pid = null;
    }
    return this.run();
  }

  /** Stops every running member (gracefully, then killed) and launches no more. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await Promise.all([...this.handles.values()].map((h) => h.stop()));
  }

  private async runMember(m: MemberState): Promise<void> {
    // The one place members start: the invariant holds here or nowhere.
    if (this.handles.size >= this.parallel) throw new Error('internal: more members than parallel');
    m.status = 'running';
    m.attempts++;
    m.failure = null;
    m.startedAt = new Date().toISOString();
    m.endedAt = null;
    const attempt = { ticket: false };
    let handle: MemberHandle;
    try {
      handle = this.launch({
        member: structuredClone(m),
        resumeRunId: m.runId ?? undefined,
        events: {
          started: (info) => {
            m.runId = info.runId;
            m.runDir = info.runDir;
            this.changed(m);
          },
          message: (message) => this.emit('message', m.index, message),
          ticket: (result) => {
            attempt.ticket = true;
            m.result = result;
            this.changed(m);
          },
        },
      });
    } catch (e) {
      this.end(m, 'failed', `could not start the engine: ${(e as Error).message}`);
      return;
    }
    this.handles.set(m.index, handle);
    m.pid = handle.pid ?? null;
    this.changed(m);
    const exit = await handle.exit;
    this.handles.delete(m.index);
    m.lastExit = { code: exit.code, signal: exit.signal };
    const clean = exit.code === 0 && exit.signal === null && !exit.error;
    if (attempt.ticket && clean) this.end(m, 'finished', null);
    else if (this.stopRequested && exit.expected) this.end(m, 'stopped', null);
    else this.end(m, 'failed', failureReason(exit, attempt.ticket));
  }

  private end(m: MemberState, status: MemberStatus, failure: string | null): void {
    m.status = status;
    m.failure = failure;
    m.pid = null;
    m.endedAt = new Date().toISOString();
    this.changed(m);
  }

  private changed(m: MemberState): void {
    this.emit('member', m);
    void this.save();
  }

  private save(): Promise<void> {
    return this.store.save().catch((e: unknown) => {
      this.emit('log', `could not save ${this.store.file}: ${(e as Error).message}`);
    });
  }

  private outcome(): SweepOutcome {
    const members = this.state.members;
    const status = this.stopRequested
      ? 'stopped'
      : members.every((m) => m.status === 'finished')
        ? 'finished'
        : 'failed';
    return { status, members };
  }
}

function failureReason(exit: MemberExit, hadTicket: boolean): string {
  if (exit.error) return exit.error;
  const last = exit.lastLines?.at(-1);
  const why = exit.signal
    ? `the engine was killed (${exit.signal})`
    : exit.code !== 0
      ? `the engine exited with code ${exit.code}`
      : hadTicket
        ? 'the engine exited before its ticket was exported'
        : 'the engine exited without a ticket';
  return last ? `${why}; its last line: ${last}` : why;
}
