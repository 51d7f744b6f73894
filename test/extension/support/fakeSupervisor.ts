// Stands in for an engine process behind the RunManager, for unit tests of the host's run logic.
import { EventEmitter } from 'node:events';
import type { EngineMessage, RewindTarget } from '../../../engine/protocol/engineProtocol';
import type { EngineExit, StartedInfo, StartRequest } from '../../../extension/engine/engineSupervisor';
import type { SupervisorHandle } from '../../../extension/run/runManager';

/** Stands in for the engine process: the test decides what it answers and when it exits. */
export class FakeSupervisor
  extends EventEmitter<{ message: [EngineMessage]; exit: [EngineExit]; log: [string] }>
  implements SupervisorHandle
{
  isRunning = true;
  killed = false;
  stopped = false;
  requests: StartRequest[] = [];
  private answer: { resolve: (s: StartedInfo) => void; reject: (e: unknown) => void } | undefined;

  constructor(readonly options: Record<string, unknown>) {
    super();
  }

  start(request: StartRequest): Promise<StartedInfo> {
    this.requests.push(request);
    return new Promise((resolve, reject) => (this.answer = { resolve, reject }));
  }
  /** Answers the start as the engine does: `started` is a message first, then the request's reply. */
  answerStarted(runId = 'run-1', over: { runDir?: string; resumed?: boolean } = {}): void {
    const started = {
      type: 'started' as const,
      inReplyTo: 'host-1',
      runId,
      runDir: over.runDir ?? `/w/.sparsity/runs/${runId}`,
      resumed: over.resumed ?? false,
      config: { rounds: 1, epochsPerRound: 2, ticketEpochs: 1 },
      model: 'LeNet',
      data: 'MNIST',
      stepsPerEpoch: 10,
    };
    this.emit('message', started);
    this.answer?.resolve({ ...started, backend: { name: 'cpu', choice: 'auto', attempts: [] } });
  }
  refuse(error: unknown): void {
    this.answer?.reject(error);
  }
  exit(over: Partial<EngineExit> = {}): void {
    this.isRunning = false;
    this.emit('exit', { code: 0, signal: null, expected: true, lastLines: [], ...over });
  }
  pause = async () => undefined;
  resume = async () => undefined;
  rewind = async (_target: RewindTarget) => undefined;
  exportTicket = async () => ({ dir: '/w/tickets/run-1', files: [] });
  async stop(): Promise<EngineExit | null> {
    this.stopped = true;
    this.exit();
    return null;
  }
  kill(): void {
    this.killed = true;
    this.exit({ signal: 'SIGKILL', code: null });
  }
}
