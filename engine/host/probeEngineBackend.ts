// Starts a real engine process the way the extension does (EngineSupervisor.launch), only to learn
// whether it can load a given backend: the engine picks its backend right after spawn and answers
// `ready` with its BackendReport, or a fatal `error` saying why not, and exits. Nothing is trained;
// the process is ended as soon as it has answered.
import type { BackendReport } from '../protocol/engineProtocol';
import { EngineRequestError, EngineSupervisor, type EngineExit } from './engineSupervisor';

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

/** The engine's handshake, through the same supervisor a search uses (version check included). */
export async function probeEngineBackend(request: ProbeRequest): Promise<ProbeResult> {
  if (request.signal.aborted) return { outcome: 'aborted' };
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const engine = new EngineSupervisor({
    enginePath: request.enginePath,
    backend: request.backend,
    nativeBackendPath: request.nativeBackendPath,
    cwd: request.cwd,
    readyTimeoutMs: timeoutMs,
    stopGraceMs: EXIT_GRACE_MS,
  });
  engine.on('log', (line) => request.onLine(`[engine] ${line}`));
  // Registered before launch(), so it hears the exit before launch() rejects because of it.
  let exit: EngineExit | undefined;
  engine.on('exit', (e) => (exit = e));
  const onAbort = () => engine.kill();
  request.signal.addEventListener('abort', onAbort, { once: true });
  let result: ProbeResult;
  try {
    result = { outcome: 'ready', report: (await engine.launch()).backend };
  } catch (err) {
    result = request.signal.aborted
      ? { outcome: 'aborted' }
      : { outcome: 'failed', error: failureOf(err, exit, timeoutMs) };
    // One stuck loading a library (a timeout) is not waited for.
    engine.kill();
  } finally {
    request.signal.removeEventListener('abort', onAbort);
  }
  // Resolved only once the process is gone: Windows will not rename a folder holding a loaded DLL.
  await engine.stop();
  return result;
}

/** Why the engine did not get ready: its own fatal error when it sent one, else how it ended. */
function failureOf(err: unknown, exit: EngineExit | undefined, timeoutMs: number): string {
  if (exit?.fatalError) return exit.fatalError.message;
  if (exit) {
    const why = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    const said = exit.lastLines.length ? `: ${exit.lastLines.slice(-5).join(' | ')}` : '';
    return `the engine exited before it was ready (${why})${said}`;
  }
  if (err instanceof EngineRequestError && err.code === 'timeout') {
    return `the engine did not answer within ${timeoutMs / 1000} s`;
  }
  return `the engine could not start: ${err instanceof Error ? err.message : String(err)}`;
}
