// How commands reach a training loop that runs on the same thread: the loop calls `boundary()` between
// steps, which yields to the event loop (so IPC messages and signals get handled), runs queued jobs
// (exports, rewinds) while no step is in flight, and holds the loop while paused.
import type { RewindTarget } from '../protocol/engineProtocol';

export type BoundaryOutcome =
  { kind: 'continue' } | { kind: 'stop' } | { kind: 'jump'; target: RewindTarget };

type Job = () => Promise<void>;

export class RunControl {
  private paused = false;
  private stopping = false;
  private jump: RewindTarget | null = null;
  private readonly jobs: Job[] = [];
  private wake: (() => void) | null = null;

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.signal();
  }

  stop(): void {
    this.stopping = true;
    this.signal();
  }

  /** The loop will leave its current position and continue from `target`. */
  requestJump(target: RewindTarget): void {
    this.jump = target;
    this.signal();
  }

  /** Runs the jobs waiting for a boundary; the loop calls it when it ends, so none waits forever. */
  async runQueuedJobs(): Promise<void> {
    while (this.jobs.length) await this.jobs.shift()?.();
  }

  /** Runs `job` at the next step boundary; resolves or rejects with the job. */
  runBetweenSteps<T>(job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push(() => job().then(resolve, reject));
      this.signal();
    });
  }

  /**
   * Called by the loop between steps. `onPaused` runs once each time the loop comes to rest; `settle`
   * runs before anything other than continuing happens.
   */
  async boundary(onPaused: () => void, settle?: () => Promise<void>): Promise<BoundaryOutcome> {
    await new Promise((resolve) => setImmediate(resolve));
    // Anything but carrying on (a job, a pause, a stop, a jump) first lets the loop finish what it
    // left in flight, so its messages come before whatever the request causes.
    if (settle && (this.jobs.length || this.stopping || this.jump || this.paused)) await settle();
    let announced = false;
    for (;;) {
      await this.runQueuedJobs();
      if (this.stopping) return { kind: 'stop' };
      if (this.jump) {
        const target = this.jump;
        this.jump = null;
        return { kind: 'jump', target };
      }
      if (!this.paused) return { kind: 'continue' };
      if (!announced) {
        announced = true;
        onPaused();
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
