// A launcher without processes: each member follows a script (start, report a ticket, exit; or crash)
// on timers, and the launcher counts how many members are alive, as a process table would.
import type {
  LaunchMember,
  LaunchRequest,
  MemberExit,
  MemberHandle,
} from '../../../engine/sweep/sweepScheduler';

export interface MemberScript {
  /** ms until the engine reports its run; omitted: it never gets that far. */
  startAfter?: number;
  /** ms until it exits; with `crash` it dies then, otherwise it reports its ticket and exits 0. */
  runFor: number;
  crash?: Partial<MemberExit>;
}

export interface Launch {
  index: number;
  resumeRunId: string | undefined;
  aliveBefore: number;
}

export class FakeLauncher {
  alive = 0;
  maxAlive = 0;
  readonly launches: Launch[] = [];
  readonly stopped: number[] = [];
  private nextPid = 1000;

  constructor(
    private readonly script: (index: number, attempt: number) => MemberScript,
    /** Called at each launch, before the member counts as alive (invariant checks). */
    private readonly onLaunch: (request: LaunchRequest, alive: number) => void = () => undefined,
  ) {}

  readonly launch: LaunchMember = (request) => {
    const { member, resumeRunId, events } = request;
    this.onLaunch(request, this.alive);
    const attempt = this.launches.filter((l) => l.index === member.index).length + 1;
    this.launches.push({ index: member.index, resumeRunId, aliveBefore: this.alive });
    this.alive++;
    this.maxAlive = Math.max(this.maxAlive, this.alive);
    const s = this.script(member.index, attempt);
    const timers: NodeJS.Timeout[] = [];
    let resolveExit: (exit: MemberExit) => void = () => undefined;
    const exit = new Promise<MemberExit>((resolve) => (resolveExit = resolve));
    let over = false;
    const end = (e: MemberExit) => {
      if (over) return;
      over = true;
      timers.forEach(clearTimeout);
      this.alive--;
      resolveExit(e);
    };
    if (s.startAfter !== undefined) {
      timers.push(
        setTimeout(() => {
          const runId = resumeRunId ?? `run-${member.index}-${attempt}`;
          events.started({ runId, runDir: `/runs/${runId}`, resumed: resumeRunId !== undefined });
        }, s.startAfter),
      );
    }
    timers.push(
      setTimeout(() => {
        if (s.crash) {
          end({ code: null, signal: 'SIGKILL', expected: false, ...s.crash });
          return;
        }
        events.ticket({
          kept: 10 + member.index,
          total: 100,
          keptFraction: (10 + member.index) / 100,
          testAccuracy: 0.9,
          denseTestAccuracy: null,
          ticketDir: null,
        });
        end({ code: 0, signal: null, expected: true });
      }, s.runFor),
    );
    const handle: MemberHandle = {
      pid: this.nextPid++,
      exit,
      stop: async () => {
        this.stopped.push(member.index);
        end({ code: 0, signal: null, expected: true });
        await exit;
      },
    };
    return handle;
  };
}
