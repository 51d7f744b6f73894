// Owns one engine child process: forks dist/engine.js with an IPC channel, checks the protocol version
// in the handshake, turns requests into promises answered by the engine's replies, and keeps the
// process's lifetime (a grace period on stop, then SIGKILL; never an orphan). It does not import
// vscode: the extension host and the CLI's sweep both use it, and it is tested against the real engine.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import {
  PROTOCOL_VERSION,
  parseEngineMessage,
  type BackendReport,
  type EngineMessage,
  type EngineMessageOf,
  type ErrorCode,
  type HostRequest,
  type RewindTarget,
  type RunState,
} from '../protocol/engineProtocol';

/** An error the engine reported, with the file and field it named. */
export class EngineRequestError extends Error {
  constructor(
    readonly code: ErrorCode | 'exited' | 'timeout',
    message: string,
    readonly file?: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'EngineRequestError';
  }
}

export interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the host asked for it (stop, dispose), or the engine ended after reporting why. */
  expected: boolean;
  /** The fatal error the engine reported before exiting, if any (a bad config, say). */
  fatalError?: EngineRequestError;
  /** The engine's last log and stderr lines, to show why it died. */
  lastLines: string[];
}

export interface SupervisorOptions {
  /** Absolute path of dist/engine.js. */
  enginePath: string;
  backend?: string;
  nativeBackendPath?: string;
  /** The engine's working directory (it also looks for native packages there); default the host's. */
  cwd?: string;
  /** How long the engine may take to load its backend and answer `ready`. */
  readyTimeoutMs?: number;
  /** How long a stop may take before the process is killed. */
  stopGraceMs?: number;
  /**
   * Run the engine in its own process group, so a terminal's Ctrl-C reaches only the parent, which
   * then stops the engine gracefully. The engine still exits when its IPC channel closes.
   */
  ownProcessGroup?: boolean;
}

export interface StartRequest {
  config: Record<string, unknown>;
  workDir: string;
  configFile?: string;
  resumeRunId?: string;
}

export type StartedInfo = EngineMessageOf<'started'> & { backend: BackendReport };

interface Events {
  message: [EngineMessage];
  exit: [EngineExit];
  log: [string];
}

const LAST_LINES = 20;

export class EngineSupervisor extends EventEmitter<Events> {
  private child: ChildProcess | null = null;
  private state: RunState | 'idle' = 'idle';
  private targets: RewindTarget[] = [];
  private nextId = 1;
  private stopping = false;
  private readonly lastLines: string[] = [];
  private exitPromise: Promise<EngineExit> | null = null;
  private fatalError: EngineRequestError | undefined;

  constructor(private readonly options: SupervisorOptions) {
    super();
  }

  get runState(): RunState | 'idle' {
    return this.state;
  }

  get rewindTargets(): RewindTarget[] {
    return this.targets;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isRunning(): boolean {
    return this.child !== null;
  }

  /** Forks the engine, waits for `ready` (version-checked), sends `start` and waits for `started`. */
  async start(request: StartRequest): Promise<StartedInfo> {
    const ready = await this.launch();
    const id = this.send({ type: 'start', protocolVersion: PROTOCOL_VERSION, ...request });
    const started = await this.reply(
      id,
      (m): m is EngineMessageOf<'started'> => m.type === 'started',
      5 * 60_000,
    );
    this.state = 'running';
    return { ...started, backend: started.backend ?? ready.backend };
  }

  /**
   * Forks the engine and waits for its version-checked `ready`, which reports the backend it loaded.
   * start() goes on to start a search; the backend installer only asks whether the backend loads.
   */
  async launch(): Promise<EngineMessageOf<'ready'>> {
    if (this.child) throw new EngineRequestError('state', 'an engine is already running for this supervisor');
    this.stopping = false;
    this.fatalError = undefined;
    this.lastLines.length = 0;
    const child = fork(this.options.enginePath, [], {
      env: {
        ...process.env,
        SPARSITY_LAB_BACKEND: this.options.backend ?? 'auto',
        SPARSITY_LAB_NATIVE_BACKEND_PATH: this.options.nativeBackendPath ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: this.options.ownProcessGroup ?? false,
      ...(this.options.cwd === undefined ? {} : { cwd: this.options.cwd }),
    });
    this.child = child;
    this.state = 'starting';
    const remember = (line: string) => {
      this.lastLines.push(line);
      if (this.lastLines.length > LAST_LINES) this.lastLines.shift();
      this.emit('log', line);
    };
    const lines = (prefix: string) => (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter((l) => l.trim())
        .forEach((l) => remember(`${prefix}${l}`));
    child.stdout?.on('data', lines(''));
    child.stderr?.on('data', lines('[stderr] '));
    child.on('message', (raw: unknown) => {
      const parsed = parseEngineMessage(raw);
      if (!parsed.ok) {
        remember(`[protocol] ignored a message from the engine: ${parsed.error}`);
        return;
      }
      const message = parsed.value;
      if (message.type === 'state') {
        this.state = message.state;
        this.targets = message.rewindTargets;
      }
      if (message.type === 'log') remember(message.message);
      if (message.type === 'error') {
        remember(`[${message.code} error] ${message.message}`);
        if (message.fatal) {
          this.fatalError = new EngineRequestError(
            message.code,
            message.message,
            message.file,
            message.field,
          );
        }
      }
      this.emit('message', message);
    });
    this.exitPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        const exit: EngineExit = {
          code,
          signal,
          expected: this.stopping || (code === 0 && signal === null) || this.fatalError !== undefined,
          fatalError: this.fatalError,
          lastLines: [...this.lastLines],
        };
        this.child = null;
        this.state = exit.expected ? (this.state === 'finished' ? 'finished' : 'stopped') : 'failed';
        this.emit('exit', exit);
        resolve(exit);
      });
    });

    const ready = await this.waitFor(
      (m): m is EngineMessageOf<'ready'> => m.type === 'ready',
      this.options.readyTimeoutMs ?? 60_000,
      'the engine did not become ready',
    );
    if (ready.protocolVersion !== PROTOCOL_VERSION) {
      this.kill();
      throw new EngineRequestError(
        'protocol',
        `the engine speaks protocol ${ready.protocolVersion}, this extension ${PROTOCOL_VERSION}; reinstall the extension`,
      );
    }
    return ready;
  }

  /** Resolves once the engine has finished its step in flight and stands still. */
  async pause(): Promise<void> {
    const id = this.send({ type: 'pause' });
    await this.reply(id, (m): m is EngineMessageOf<'state'> => m.type === 'state' && m.state === 'paused');
  }

  async resume(): Promise<void> {
    const id = this.send({ type: 'resume' });
    await this.reply(id, (m): m is EngineMessageOf<'state'> => m.type === 'state');
  }

  async rewind(target: RewindTarget): Promise<void> {
    const id = this.send({ type: 'rewind', target });
    await this.reply(id, (m): m is EngineMessageOf<'state'> => m.type === 'state');
  }

  async exportTicket(dir?: string, overwrite = false): Promise<EngineMessageOf<'exported'>> {
    const id = this.send({ type: 'export', ...(dir ? { dir } : {}), overwrite });
    return this.reply(id, (m): m is EngineMessageOf<'exported'> => m.type === 'exported', 5 * 60_000);
  }

  /** Asks the engine to stop after its step in flight; kills it if it has not exited in time. */
  async stop(): Promise<EngineExit | null> {
    const child = this.child;
    if (!child || !this.exitPromise) return null;
    this.stopping = true;
    this.state = 'stopping';
    if (child.connected) this.send({ type: 'stop' });
    const grace = this.options.stopGraceMs ?? 10_000;
    const timer = setTimeout(() => this.kill(), grace);
    const exit = await this.exitPromise;
    clearTimeout(timer);
    return exit;
  }

  /** Ends the process at once (deactivate, or a stop that did not finish). */
  kill(): void {
    if (!this.child) return;
    this.stopping = true;
    this.child.kill('SIGKILL');
  }

  private send(request: HostRequest): string {
    const child = this.child;
    if (!child || !child.connected) throw new EngineRequestError('exited', 'the engine is not running');
    const id = request.id ?? `host-${this.nextId++}`;
    child.send({ ...request, id });
    return id;
  }

  /** The engine's answer to request `id`: the matching message, or its error as a rejection. */
  private reply<T extends EngineMessage>(
    id: string,
    matches: (m: EngineMessage) => m is T,
    timeoutMs = 60_000,
  ): Promise<T> {
    return this.waitFor(
      (m): m is T | EngineMessageOf<'error'> =>
        (matches(m) && (!('inReplyTo' in m) || m.inReplyTo === id || m.inReplyTo === undefined)) ||
        (m.type === 'error' && (m.inReplyTo === id || m.fatal)),
      timeoutMs,
      `no answer from the engine to request ${id}`,
    ).then((m) => {
      if (m.type === 'error') throw new EngineRequestError(m.code, m.message, m.file, m.field);
      return m as T;
    });
  }

  private waitFor<T extends EngineMessage>(
    matches: (m: EngineMessage) => m is T,
    timeoutMs: number,
    timeoutMessage: string,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onMessage = (m: EngineMessage) => {
        if (!matches(m)) return;
        cleanup();
        resolve(m);
      };
      const onExit = (exit: EngineExit) => {
        cleanup();
        const why = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
        reject(
          new EngineRequestError(
            'exited',
            `the engine exited (${why}): ${exit.lastLines.slice(-3).join(' | ')}`,
          ),
        );
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new EngineRequestError('timeout', timeoutMessage));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('message', onMessage);
        this.off('exit', onExit);
      };
      this.on('message', onMessage);
      this.on('exit', onExit);
    });
  }
}
