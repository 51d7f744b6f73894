// Drives a real VS Code for the end-to-end tests: code-server (set up by scripts/e2e/setupCodeServer.mjs)
// on a free loopback port with a throwaway user-data dir and workspace folder, and the workbench in
// headless Chromium through playwright-core. Everything it starts is stopped by stop(), which is
// safe to call on a half-started session and more than once, so an `after` hook can always call it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type { WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/chromium';
import { isAlive } from '../support/processes';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts/e2e');
const SETUP_SCRIPT = path.join(REPO_ROOT, 'scripts/e2e/setupCodeServer.mjs');
/** User settings that keep the workbench quiet and predictable: nothing pops up over what a test looks at. */
const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'extensions.ignoreRecommendations': true,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'window.commandCenter': false,
};

export interface CodeServerOptions {
  /** A name for the artifacts (logs, screenshots): test-artifacts/e2e/<name>-*. */
  name: string;
  /** Files to put in the workspace folder, by path relative to it. */
  workspaceFiles?: Record<string, string>;
  /** A packaged extension to install into the server's extensions folder before it starts, as a user would. */
  vsix?: string;
  /** Loads this folder as an extension under development (as VS Code's F5 does). */
  extensionDevelopmentPath?: string;
  /** A built test module exporting run(); VS Code runs it in the extension host. */
  extensionTestsPath?: string;
  /** Extra environment of the server, which its extension host (and so the tests in it) inherits. */
  env?: Record<string, string>;
  /** User settings on top of QUIET_SETTINGS. */
  settings?: Record<string, unknown>;
  /** How long to wait for the server to answer (ms). */
  startTimeoutMs?: number;
}

/** Runs the setup script (a no-op when cached); throws with its output when it fails. */
export function ensureCodeServer(): string {
  const result = spawnSync(process.execPath, [SETUP_SCRIPT], { encoding: 'utf8', timeout: 15 * 60_000 });
  if (result.status !== 0) {
    throw new Error(
      `code-server setup failed (node scripts/e2e/setupCodeServer.mjs, ` +
        `${result.error ? result.error.message : `exit status ${result.status}`}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  const entry = result.stdout.trim().split('\n').pop() ?? '';
  if (!existsSync(entry)) throw new Error(`code-server setup printed "${entry}", which does not exist`);
  return entry;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined, or throws `what` on timeout. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}

/** Every process below `root`, found through /proc, so that even one that left its process group is stopped. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Servers still running, killed when this process exits without stopping them (Ctrl-C in mocha,
 * a crash): each has its own process group (see launch), so nothing else would end them.
 */
const liveServers = new Set<number>();
process.on('exit', () => {
  for (const pid of liveServers) signal(-pid, 'SIGKILL');
});

export class CodeServerSession {
  readonly workspaceDir: string;
  private readonly tmpDir: string;
  private server: ChildProcess | undefined;
  private serverLog: WriteStream | undefined;
  private logTail: string[] = [];
  private serverExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private browser: Browser | undefined;
  private screenshotCount = 0;
  port = 0;

  private constructor(readonly options: CodeServerOptions) {
    this.tmpDir = mkdtempSync(path.join(os.tmpdir(), `sparsity-e2e-${options.name}-`));
    this.workspaceDir = path.join(this.tmpDir, 'workspace');
    mkdirSync(this.workspaceDir);
    for (const [file, text] of Object.entries(options.workspaceFiles ?? {})) {
      const target = path.join(this.workspaceDir, file);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
    const userDir = path.join(this.tmpDir, 'user-data/User');
    mkdirSync(userDir, { recursive: true });
    writeFileSync(
      path.join(userDir, 'settings.json'),
      JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2),
    );
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    // This session's screenshots and logs replace the last run's, so none is mistaken for a new one.
    for (const file of readdirSync(ARTIFACTS_DIR)) {
      if (file.startsWith(`${options.name}-`)) rmSync(path.join(ARTIFACTS_DIR, file), { force: true });
    }
  }

  /** Sets code-server up if needed, starts it and waits until it serves. Stops what it started on failure. */
  static async start(options: CodeServerOptions): Promise<CodeServerSession> {
    const entry = ensureCodeServer();
    const session = new CodeServerSession(options);
    try {
      await session.launch(entry);
      return session;
    } catch (e) {
      await session.stop();
      throw e;
    }
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The server's output so far (its last lines). */
  get log(): string {
    return this.logTail.join('');
  }

  /** The pid of the server's top process, for checks that it is gone. */
  get serverPid(): number | undefined {
    return this.server?.pid;
  }

  /**
   * Where the server keeps its config (code-server writes one, with a password, when there is none),
   * user data and extensions: all in the session's folder, so nothing lands in the user's home.
   */
  private get dataArgs(): string[] {
    return [
      '--config',
      path.join(this.tmpDir, 'config.yaml'),
      '--user-data-dir',
      path.join(this.tmpDir, 'user-data'),
      '--extensions-dir',
      path.join(this.tmpDir, 'user-data/ext'),
    ];
  }

  /** `code-server --install-extension`: what a user does with a downloaded .vsix. */
  private installVsix(entry: string, vsix: string): void {
    const result = spawnSync(process.execPath, [entry, '--install-extension', vsix, ...this.dataArgs], {
      cwd: this.tmpDir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, XDG_DATA_HOME: path.join(this.tmpDir, 'data') },
    });
    const output = `${result.stdout}\n${result.stderr}`;
    writeFileSync(path.join(ARTIFACTS_DIR, `${this.options.name}-install.log`), output);
    if (result.status !== 0 || !/successfully installed/i.test(output)) {
      throw new Error(
        `code-server --install-extension ${vsix} failed ` +
          `(${result.error ? result.error.message : `exit status ${result.status}`}):\n${output}`,
      );
    }
  }

  private async launch(entry: string): Promise<void> {
    if (this.options.vsix) this.installVsix(entry, this.options.vsix);
    this.port = await freePort();
    const args = [
      entry,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${this.port}`,
      '--disable-telemetry',
      '--disable-update-check',
      // A search needs a trusted workspace; the test workspace is ours.
      '--disable-workspace-trust',
      ...this.dataArgs,
      this.workspaceDir,
    ];
    this.serverLog = createWriteStream(path.join(ARTIFACTS_DIR, `${this.options.name}-server.log`));
    // Its own process group, so stop() can signal the server and everything it forked at once.
    const server = spawn(process.execPath, args, {
      cwd: this.tmpDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, XDG_DATA_HOME: path.join(this.tmpDir, 'data'), ...this.options.env },
    });
    this.server = server;
    if (server.pid !== undefined) liveServers.add(server.pid);
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString();
      this.serverLog?.write(text);
      this.logTail.push(text);
      if (this.logTail.length > 200) this.logTail.splice(0, this.logTail.length - 200);
    };
    server.stdout?.on('data', onOutput);
    server.stderr?.on('data', onOutput);
    server.on('exit', (code, sig) => (this.serverExit = { code, signal: sig }));

    await waitFor(
      `code-server to answer on ${this.baseUrl}/healthz`,
      async () => {
        if (this.serverExit) {
          throw new Error(
            `code-server exited before serving (${JSON.stringify(this.serverExit)}):\n${this.log}`,
          );
        }
        try {
          const response = await fetch(`${this.baseUrl}/healthz`);
          return response.ok ? true : undefined;
        } catch {
          return undefined; // not listening yet
        }
      },
      this.options.startTimeoutMs ?? 60_000,
    );
  }

  /** The workbench URL: the workspace folder, and the extension and tests to load (see E2E-NOTES.md). */
  workbenchUrl(): string {
    const remote = (file: string) => `vscode-remote://127.0.0.1:${this.port}${file}`;
    const payload: [string, string][] = [];
    if (this.options.extensionDevelopmentPath) {
      payload.push(['extensionDevelopmentPath', remote(this.options.extensionDevelopmentPath)]);
    }
    if (this.options.extensionTestsPath) {
      payload.push(['extensionTestsPath', remote(this.options.extensionTestsPath)]);
    }
    const query = new URLSearchParams({ folder: this.workspaceDir });
    if (payload.length > 0) query.set('payload', JSON.stringify(payload));
    return `${this.baseUrl}/?${query.toString()}`;
  }

  /** Opens the workbench in headless Chromium and waits until its status bar is there. */
  async openWorkbench(): Promise<Page> {
    this.browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    const context = await this.browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const browserLog = createWriteStream(path.join(ARTIFACTS_DIR, `${this.options.name}-browser.log`));
    page.on('console', (message) => browserLog.write(`[${message.type()}] ${message.text()}\n`));
    page.on('pageerror', (error) => browserLog.write(`[pageerror] ${error.message}\n`));
    page.on('close', () => browserLog.end());
    await page.goto(this.workbenchUrl());
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 90_000 });
    return page;
  }

  /** Saves a screenshot as test-artifacts/e2e/<name>-<nn>-<step>.png and returns its path. */
  async screenshot(page: Page, step: string): Promise<string> {
    this.screenshotCount += 1;
    const file = path.join(
      ARTIFACTS_DIR,
      `${this.options.name}-${String(this.screenshotCount).padStart(2, '0')}-${step}.png`,
    );
    await page.screenshot({ path: file });
    return file;
  }

  /** Processes under the server whose command line contains `needle` (the engines: "dist/engine.js"). */
  processesRunning(needle: string): number[] {
    const root = this.server?.pid;
    if (root === undefined) return [];
    return descendants(root).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(needle);
      } catch {
        return false; // it exited meanwhile
      }
    });
  }

  /** Waits for a file the tests write (their results), failing early if the server died. */
  async waitForFile(file: string, timeoutMs: number): Promise<string> {
    return waitFor(
      `${file} (server log in test-artifacts/e2e/${this.options.name}-server.log)`,
      () => {
        if (this.serverExit)
          throw new Error(`code-server exited (${JSON.stringify(this.serverExit)}):\n${this.log}`);
        return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
      },
      timeoutMs,
      500,
    );
  }

  /**
   * Closes the browser, then ends the server and every process under it (extension host, the engines
   * it started): SIGTERM to the process group and each descendant, SIGKILL to whatever is left after
   * a grace period. Removes the temporary folders. Never throws.
   */
  async stop(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await browser.close().catch(() => undefined);

    const server = this.server;
    this.server = undefined;
    if (server?.pid !== undefined) {
      const pid = server.pid;
      const all = [pid, ...descendants(pid)];
      signal(-pid, 'SIGTERM');
      for (const p of all) signal(p, 'SIGTERM');
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && all.some(isAlive)) await delay(100);
      signal(-pid, 'SIGKILL');
      for (const p of [...all, ...descendants(pid)]) if (isAlive(p)) signal(p, 'SIGKILL');
      liveServers.delete(pid);
    }
    const log = this.serverLog;
    this.serverLog = undefined;
    if (log) await new Promise<void>((resolve) => log.end(resolve));
    rmSync(this.tmpDir, { recursive: true, force: true, maxRetries: 3 });
  }
}
