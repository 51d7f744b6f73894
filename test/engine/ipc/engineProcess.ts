// Drives the real, built engine (dist/engine.js) as the extension host will: fork with IPC, send
// protocol messages, and wait for the engine's answers.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  parseEngineMessage,
  type EngineMessage,
  type HostRequest,
} from '../../../engine/protocol/engineProtocol';

export const DIST = path.resolve(__dirname, '../../../dist');

export function requireBuilt(file: string): string {
  const p = path.join(DIST, file);
  if (!existsSync(p)) throw new Error(`${p} is missing: run "npm run build" first (npm test does)`);
  return p;
}

export class EngineProcess {
  readonly child: ChildProcess;
  readonly messages: EngineMessage[] = [];
  readonly invalid: string[] = [];
  readonly stderr: string[] = [];
  private listeners: (() => void)[] = [];
  private nextId = 1;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(env: Record<string, string> = {}) {
    this.child = fork(requireBuilt('engine.js'), [], {
      env: { ...process.env, SPARSITY_LAB_BACKEND: 'wasm', ...env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child.stderr?.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.child.on('message', (raw: unknown) => {
      // The host validates what enters, as the extension will.
      const parsed = parseEngineMessage(raw);
      if (parsed.ok) this.messages.push(parsed.value);
      else this.invalid.push(parsed.error);
      this.listeners.forEach((l) => l());
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  send(message: HostRequest): string {
    const id = message.id ?? `req-${this.nextId++}`;
    this.child.send({ ...message, id });
    return id;
  }

  /** Resolves with the first message (at or after index `from`) matching `predicate`. */
  waitFor<T extends EngineMessage>(
    predicate: (m: EngineMessage) => m is T,
    timeoutMs = 60_000,
    from = 0,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.slice(from).find(predicate);
        if (found) {
          cleanup();
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `timed out; last messages: ${JSON.stringify(this.messages.slice(-3))}; stderr: ${this.stderr.join('')}`,
          ),
        );
      }, timeoutMs);
      const onExit = () => {
        cleanup();
        reject(
          new Error(
            `engine exited; last messages: ${JSON.stringify(this.messages.slice(-3))}; stderr: ${this.stderr.join('')}`,
          ),
        );
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
        this.child.off('exit', onExit);
      };
      this.listeners.push(check);
      this.child.on('exit', onExit);
      check();
    });
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

export const isType =
  <K extends EngineMessage['type']>(
    type: K,
    extra: (m: Extract<EngineMessage, { type: K }>) => boolean = () => true,
  ) =>
  (m: EngineMessage): m is Extract<EngineMessage, { type: K }> =>
    m.type === type && extra(m as Extract<EngineMessage, { type: K }>);

export { isAlive } from '../../support/processes';
export { tinyConfig } from '../../support/tinySearch';
