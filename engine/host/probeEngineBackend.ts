// Starts a real engine process the way the extension does, only to learn whether it can load a given
// backend: the engine picks its backend from SPARSITY_LAB_BACKEND and SPARSITY_LAB_NATIVE_BACKEND_PATH
// right after spawn and answers `ready` with its BackendReport, or a fatal `error` saying why not.
// Nothing is trained; the process is ended as soon as it has answered.
import { fork } from 'node:child_process';
import { parseEngineMessage, type BackendReport } from '../protocol/engineProtocol';

export interface ProbeRequest {
  /** Absolute path of dist/engine.js. */
  enginePath: string;
  backend: string;
  nativeBackendPath: string;
  /**
   * The engine also looks for native packages in its working directory; the probe runs it in the
   * folder under test so that nothing installed elsewhere can make the check pass.
   */
  cwd: string;
  signal: AbortSignal;
  onLine(line: string): void;
  /** How long loading the backend may take (a GPU backend initialises CUDA). */
  timeoutMs?: number;
}

export type ProbeResult =
  { outcome: 'ready'; report: BackendReport } | { outcome: 'failed'; error: string } | { outcome: 'aborted' };

const DEFAULT_TIMEOUT_MS = 120_000;
const EXIT_GRACE_MS = 5000;

export function probeEngineBackend(request: ProbeRequest): Promise<ProbeResult> {
  return new Promise((resolve) => {
    if (request.signal.aborted) {
      resolve({ outcome: 'aborted' });
      return;
    }
    const child = fork(request.enginePath, [], {
      cwd: request.cwd,
      env: {
        ...process.env,
        SPARSITY_LAB_BACKEND: request.backend,
        SPARSITY_LAB_NATIVE_BACKEND_PATH: request.nativeBackendPath,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const lastLines: string[] = [];
    const onOutput = (prefix: string) => (chunk: Buffer) => {
      for (const line of chunk.toString().split(/\r?\n/)) {
        if (line.trim() === '') continue;
        lastLines.push(line);
        if (lastLines.length > 5) lastLines.shift();
        request.onLine(`${prefix}${line}`);
      }
    };
    child.stdout?.on('data', onOutput('[engine] '));
    child.stderr?.on('data', onOutput('[engine stderr] '));

    let result: ProbeResult | undefined;
    const settle = (r: ProbeResult) => {
      if (result !== undefined) return;
      result = r;
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
      end();
      // Resolved only once the process is gone: Windows will not rename a folder holding a loaded DLL.
      const gone = child.pid === undefined || child.exitCode !== null || child.signalCode !== null;
      if (gone) resolve(r);
      else child.once('exit', () => resolve(r));
    };
    // The engine exits when its IPC channel closes; the kill is for one stuck loading a library.
    const end = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.disconnect();
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, EXIT_GRACE_MS).unref();
    };
    const onAbort = () => {
      settle({ outcome: 'aborted' });
      child.kill('SIGKILL');
    };
    request.signal.addEventListener('abort', onAbort, { once: true });
    const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => {
      settle({ outcome: 'failed', error: `the engine did not answer within ${timeoutMs / 1000} s` });
      child.kill('SIGKILL');
    }, timeoutMs);

    child.on('message', (raw: unknown) => {
      const parsed = parseEngineMessage(raw);
      if (!parsed.ok) return;
      const message = parsed.value;
      if (message.type === 'ready') settle({ outcome: 'ready', report: message.backend });
      else if (message.type === 'error' && message.fatal)
        settle({ outcome: 'failed', error: message.message });
      else if (message.type === 'log') request.onLine(`[engine] ${message.message}`);
    });
    child.on('error', (err) =>
      settle({ outcome: 'failed', error: `the engine could not start: ${err.message}` }),
    );
    child.on('exit', (code, signal) => {
      const why = signal ? `signal ${signal}` : `exit code ${code}`;
      const said = lastLines.length ? `: ${lastLines.join(' | ')}` : '';
      settle({ outcome: 'failed', error: `the engine exited before it was ready (${why})${said}` });
    });
  });
}
