// The engine as a child process: the extension host forks dist/engine.js with an IPC channel and speaks
// the protocol of engine/protocol/engineProtocol.ts. The backend is chosen at start-up from
// SPARSITY_LAB_BACKEND / SPARSITY_LAB_NATIVE_BACKEND_PATH so `ready` can say which one runs.
import { BACKENDS, type BackendChoice } from '../config/configSchema';
import { selectBackend } from '../backend/selectBackend';
import { threadsFor } from '../backend/threadCount';
import {
  PROTOCOL_VERSION,
  parseHostMessage,
  type BackendReport,
  type EngineMessage,
  type HostMessage,
} from '../protocol/engineProtocol';
import { describeError } from '../session/errorReport';
import { openSession } from '../session/openSession';
import type { SearchSession } from '../session/searchSession';
import { ENGINE_VERSION } from '../version';

let session: SearchSession | null = null;
let loopRunning = false;
let resolveBackend: (report: BackendReport | null) => void = () => undefined;
/** Messages that arrive while the backend loads wait for it. */
const backendReady = new Promise<BackendReport | null>((resolve) => (resolveBackend = resolve));

function send(message: EngineMessage, then?: () => void): void {
  if (!process.send || !process.connected) return;
  process.send(message, undefined, undefined, () => then?.());
}

function sendError(e: unknown, inReplyTo: string | undefined, fatal: boolean): void {
  const info = describeError(e);
  send(
    { type: 'error', ...info, fatal, ...(inReplyTo ? { inReplyTo } : {}) },
    fatal ? () => process.exit(1) : undefined,
  );
}

function log(message: string): void {
  send({ type: 'log', level: 'info', message });
}

function startLoop(s: SearchSession): void {
  loopRunning = true;
  s.run().then(
    (outcome) => {
      loopRunning = false;
      if (outcome === 'stopped') send(stateOf(s), () => process.exit(0));
    },
    (e: unknown) => {
      loopRunning = false;
      sendError(e, undefined, true);
    },
  );
}

const stateOf = (s: SearchSession): EngineMessage => ({
  type: 'state',
  state: s.currentState,
  rewindTargets: s.rewindTargets(),
});

async function handle(message: HostMessage): Promise<void> {
  switch (message.type) {
    case 'start': {
      if (message.protocolVersion !== PROTOCOL_VERSION) {
        throw Object.assign(
          new Error(`protocol version ${message.protocolVersion} is not this engine's ${PROTOCOL_VERSION}`),
          {
            fatal: true,
          },
        );
      }
      if (session) throw new Error('a search is already running in this engine');
      if (typeof message.config !== 'object' || message.config === null || Array.isArray(message.config)) {
        throw new Error('start: config must be a JSON object');
      }
      const opened = await openSession({
        config: message.config as Record<string, unknown>,
        configSource: message.configFile ?? 'config',
        workDir: message.workDir,
        resumeRunId: message.resumeRunId,
        chooseBackend: async (config) => {
          const current = await backendReady;
          const threads = threadsFor(config.threads);
          if (
            current &&
            (config.backend === 'auto' ||
              config.backend === current.name ||
              config.backend === current.choice) &&
            // wasm reads its thread count when it starts: another count needs a fresh instance.
            (current.name !== 'wasm' || current.threads === threads)
          ) {
            return current;
          }
          log(`switching backend to ${config.backend} (${threads} wasm threads) as the config asks`);
          return selectBackend(config.backend, config.nativeBackendPath, { wasmThreads: threads });
        },
        emit: (m) => send(m),
        log,
      });
      session = opened.session;
      session.record({
        type: 'started',
        inReplyTo: message.id,
        runId: session.runId,
        runDir: session.runDir,
        resumed: opened.resumed,
        config: opened.config,
        model: opened.modelDescription,
        data: opened.dataDescription,
        stepsPerEpoch: session.stepsPerEpoch,
        method: opened.config.method,
        backend: opened.backend,
      });
      startLoop(session);
      return;
    }
    case 'stop': {
      if (!session || !loopRunning) {
        send(
          {
            type: 'state',
            state: 'stopped',
            rewindTargets: session?.rewindTargets() ?? [],
            inReplyTo: message.id,
          },
          () => process.exit(0),
        );
        return;
      }
      session.stop();
      return;
    }
    default:
      break;
  }
  const s = session;
  if (!s) throw new Error(`${message.type}: no search has been started`);
  switch (message.type) {
    case 'pause':
      s.pause(message.id);
      return;
    case 'resume':
      s.resume(message.id);
      return;
    case 'rewind':
      await s.rewind(message.target);
      if (!loopRunning) startLoop(s);
      s.emitState(message.id);
      return;
    case 'export': {
      const result = await s.exportTicket({ dir: message.dir, overwrite: message.overwrite });
      s.record({ type: 'exported', inReplyTo: message.id, dir: result.dir, files: result.files });
      return;
    }
  }
}

async function main(): Promise<void> {
  if (!process.send) {
    process.stderr.write(
      'dist/engine.js is the engine for the extension and needs an IPC channel; use dist/cli.js in a terminal.\n',
    );
    process.exit(2);
  }
  // Without the host the engine has no purpose: exit when the channel closes (e.g. the host died).
  process.on('disconnect', () => process.exit(0));
  process.on('message', (raw: unknown) => {
    const parsed = parseHostMessage(raw);
    if (!parsed.ok) {
      send({ type: 'error', code: 'protocol', message: parsed.error, fatal: false });
      return;
    }
    const message = parsed.value;
    backendReady
      .then(() => handle(message))
      .catch((e: unknown) => {
        const fatal = message.type === 'start' || (e as { fatal?: boolean }).fatal === true;
        sendError(e, message.id, fatal);
      });
  });
  const requested = process.env.SPARSITY_LAB_BACKEND ?? 'auto';
  if (!(BACKENDS as readonly string[]).includes(requested)) {
    sendError(
      new Error(`SPARSITY_LAB_BACKEND: "${requested}" is not one of ${BACKENDS.join(', ')}`),
      undefined,
      true,
    );
    return;
  }
  let backend: BackendReport;
  try {
    // 'auto' threads, the config's default: a config that asks for another count switches at start.
    backend = await selectBackend(
      requested as BackendChoice,
      process.env.SPARSITY_LAB_NATIVE_BACKEND_PATH || undefined,
      { wasmThreads: threadsFor('auto') },
    );
  } catch (e) {
    sendError(e, undefined, true);
    return;
  }
  resolveBackend(backend);
  send({ type: 'ready', protocolVersion: PROTOCOL_VERSION, engineVersion: ENGINE_VERSION, backend });
}

void main();
