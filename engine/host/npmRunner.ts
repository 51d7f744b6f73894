// Runs npm as a child process for the backend installer: finds it, streams its output line by line,
// and kills it (with the install scripts it started) when the install is cancelled.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export interface NpmRun {
  /** The npm executable, absolute. */
  npm: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  onLine(line: string): void;
}

export interface NpmOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when npm could not be started at all. */
  spawnError?: Error;
  aborted: boolean;
}

/** How long npm and its scripts may take to end after a cancel before they are killed. */
const KILL_GRACE_MS = 3000;

/**
 * npm from PATH, else the one installed next to the running Node (a Node install keeps them side by
 * side; inside VS Code process.execPath is VS Code itself, so PATH is what normally answers).
 */
export function findNpm(
  env: NodeJS.ProcessEnv = process.env,
  execPath: string = process.execPath,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const name = platform === 'win32' ? 'npm.cmd' : 'npm';
  const pathVar = env.PATH ?? env.Path ?? '';
  const dirs = pathVar.split(platform === 'win32' ? ';' : ':').filter((d) => d !== '');
  dirs.push(path.dirname(execPath));
  return dirs.map((dir) => path.join(dir, name)).find((candidate) => existsSync(candidate));
}

export function runNpm(run: NpmRun): Promise<NpmOutcome> {
  return new Promise((resolve) => {
    if (run.signal.aborted) {
      resolve({ code: null, signal: null, aborted: true });
      return;
    }
    const windows = process.platform === 'win32';
    // Node refuses to spawn a .cmd without a shell (CVE-2024-27980), so Windows goes through cmd.exe
    // with every argument quoted; elsewhere npm runs in its own process group, so a cancel reaches
    // the install scripts it started too.
    const child = windows
      ? spawn(quoteForCmd(run.npm), run.args.map(quoteForCmd), {
          cwd: run.cwd,
          env: run.env,
          shell: true,
          windowsHide: true,
        })
      : spawn(run.npm, run.args, { cwd: run.cwd, env: run.env, detached: true });
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (signal: NodeJS.Signals) => {
      if (child.pid === undefined || child.exitCode !== null) return;
      try {
        if (windows) {
          spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { windowsHide: true });
        } else {
          process.kill(-child.pid, signal);
        }
      } catch {
        // Already gone.
      }
    };
    const onAbort = () => {
      aborted = true;
      kill('SIGTERM');
      killTimer = setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS);
    };
    run.signal.addEventListener('abort', onAbort, { once: true });
    const splitLines = lineSplitter(run.onLine);
    child.stdout?.on('data', splitLines.stdout);
    child.stderr?.on('data', splitLines.stderr);
    let spawnError: Error | undefined;
    child.on('error', (err) => (spawnError = err));
    child.on('close', (code, signal) => {
      splitLines.flush();
      run.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      resolve({ code, signal, aborted, ...(spawnError ? { spawnError } : {}) });
    });
  });
}

/** Whole lines from two streams, each with its own unfinished tail. */
function lineSplitter(onLine: (line: string) => void) {
  const tails = { stdout: '', stderr: '' };
  const feed = (stream: keyof typeof tails) => (chunk: Buffer) => {
    const text = tails[stream] + chunk.toString();
    const lines = text.split(/\r?\n/);
    tails[stream] = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onLine(line);
  };
  return {
    stdout: feed('stdout'),
    stderr: feed('stderr'),
    flush: () => {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (tails[stream].trim() !== '') onLine(tails[stream]);
        tails[stream] = '';
      }
    },
  };
}

function quoteForCmd(arg: string): string {
  return /^[\w@./:=\\-]+$/.test(arg) ? arg : `"${arg.replace(/"/g, '""')}"`;
}
