// Installs one backend's npm packages into `<root>/<backend>`, the layout the engine's resolveNative
// looks in, without ever leaving a half-installed backend there: npm installs into a staging folder
// beside it, a real engine process must load the result, and only then is the staging folder renamed
// into place (the older install moved aside first and removed after). On any failure the staging
// folder goes and the previous install stays as it was. It does not import vscode: the command wires
// it to the UI, the tests run it with real npm against a local registry.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { BackendReport } from '../protocol/engineProtocol';
import {
  cancelledFailure,
  classifyInstallFailure,
  npmMissingFailure,
  type InstallFailure,
  type InstallStage,
} from './installFailure';
import { BACKEND_CATALOG, packageSpec, type InstallableBackend } from './nativeBackendCatalog';
import { findNpm, runNpm } from './npmRunner';
import { probeEngineBackend } from './probeEngineBackend';

export interface InstallProgress {
  /** What the installer is doing, e.g. "Downloading @tensorflow/tfjs-node…". */
  phase: string;
  /** npm's latest line, when there is one. */
  detail?: string;
}

export interface InstallRequest {
  /** The install root: `<globalStorage>/backends`. Created if missing. */
  root: string;
  backend: InstallableBackend;
  /** Absolute path of dist/engine.js, started to check the install. */
  enginePath: string;
  /** Passed to npm as --registry; without it npm's own configuration applies. */
  registry?: string;
  /** Passed to npm as --cache (the tests use a fresh one). */
  npmCache?: string;
  /** The environment npm runs in; default process.env. */
  npmEnv?: NodeJS.ProcessEnv;
  /** The npm executable; default findNpm(). */
  npm?: string;
  log(line: string): void;
  progress(update: InstallProgress): void;
  signal: AbortSignal;
  /** How long the engine may take to load the backend. */
  readyTimeoutMs?: number;
}

export interface InstallSuccess {
  ok: true;
  backend: InstallableBackend;
  packageName: string;
  /** The version npm installed, from its package.json. */
  version: string;
  /** `<root>/<backend>`. */
  folder: string;
  /** What the engine said when it loaded the install. */
  report: BackendReport;
}

export interface InstallFailed {
  ok: false;
  backend: InstallableBackend;
  failure: InstallFailure;
}

export type InstallResult = InstallSuccess | InstallFailed;

/** npm's output kept for the classification; the whole of it goes to the log. */
const KEPT_NPM_LINES = 400;

export async function installBackend(request: InstallRequest): Promise<InstallResult> {
  const { backend, root, signal } = request;
  const catalog = BACKEND_CATALOG[backend];
  const failed = (failure: InstallFailure): InstallFailed => ({ ok: false, backend, failure });
  const fsFailure = (stage: InstallStage, err: unknown) =>
    failed(classifyInstallFailure({ backend, stage, fsError: fsErrorOf(err) }));

  const npm = request.npm ?? findNpm();
  if (npm === undefined) return failed(npmMissingFailure(path.dirname(process.execPath)));

  // Dot-named, so the engine's lookup of `<root>/<backend>` never sees a staging folder.
  const staging = path.join(root, `.staging-${backend}-${randomBytes(4).toString('hex')}`);
  try {
    await fs.mkdir(staging, { recursive: true });
    // npm installs into the nearest folder with a package.json: without this one it would walk up.
    await fs.writeFile(
      path.join(staging, 'package.json'),
      JSON.stringify(
        {
          name: `sparsity-lab-backend-${backend}`,
          private: true,
          description: `The ${backend} backend for Sparsity Lab, installed by "Sparsity Lab: Install Native Backend".`,
        },
        null,
        2,
      ) + '\n',
    );
  } catch (err) {
    await removeQuietly(staging);
    return fsFailure('prepare', err);
  }

  try {
    const phase = `Downloading ${catalog.mainPackage.name}…`;
    request.progress({ phase });
    request.log(`Installing ${catalog.packages.map(packageSpec).join(' ')} into ${staging}`);
    const npmLines: string[] = [];
    const outcome = await runNpm({
      npm,
      args: npmArgs(request),
      cwd: staging,
      env: request.npmEnv ?? process.env,
      signal,
      onLine: (line) => {
        request.log(line);
        npmLines.push(line);
        if (npmLines.length > KEPT_NPM_LINES) npmLines.shift();
        request.progress({ phase, detail: line.trim() });
      },
    });
    if (outcome.aborted || signal.aborted) return failed(cancelledFailure('npm'));
    if (outcome.spawnError) {
      return failed(npmMissingFailure(`${npm} (${outcome.spawnError.message})`));
    }
    if (outcome.code !== 0) {
      request.log(`npm exited with ${outcome.signal ? `signal ${outcome.signal}` : `code ${outcome.code}`}`);
      return failed(classifyInstallFailure({ backend, stage: 'npm', npmLines, registry: request.registry }));
    }

    request.progress({ phase: 'Checking that the engine loads it…' });
    const probe = await probeEngineBackend({
      enginePath: request.enginePath,
      backend,
      nativeBackendPath: staging,
      cwd: staging,
      signal,
      onLine: request.log,
      ...(request.readyTimeoutMs === undefined ? {} : { timeoutMs: request.readyTimeoutMs }),
    });
    if (probe.outcome === 'aborted' || signal.aborted) return failed(cancelledFailure('verify'));
    if (probe.outcome === 'failed') {
      request.log(`The engine could not load ${backend}: ${probe.error}`);
      return failed(classifyInstallFailure({ backend, stage: 'verify', engineError: probe.error }));
    }
    const attempt = probe.report.attempts.find((a) => a.candidate === backend);
    if (attempt?.ok !== true) {
      const why = attempt?.reason ?? `it reported ${probe.report.name} instead`;
      return failed(classifyInstallFailure({ backend, stage: 'verify', engineError: why }));
    }
    request.log(`The engine loaded ${backend}: backend ${probe.report.name}${deviceOf(probe.report)}`);

    const version = await installedVersion(staging, catalog.mainPackage.name);
    const folder = path.join(root, backend);
    request.progress({ phase: 'Putting it in place…' });
    try {
      await swapIntoPlace(staging, folder, backend);
    } catch (err) {
      return fsFailure('swap', err);
    }
    return {
      ok: true,
      backend,
      packageName: catalog.mainPackage.name,
      version,
      folder,
      report: probe.report,
    };
  } finally {
    // After a successful swap the staging folder no longer exists; otherwise this is the cleanup.
    await removeQuietly(staging);
  }
}

function npmArgs(request: InstallRequest): string[] {
  return [
    'install',
    '--no-audit',
    '--no-fund',
    '--no-update-notifier',
    '--foreground-scripts',
    '--loglevel',
    'http',
    ...(request.registry ? ['--registry', request.registry] : []),
    ...(request.npmCache ? ['--cache', request.npmCache, '--prefer-online'] : []),
    ...BACKEND_CATALOG[request.backend].packages.map(packageSpec),
  ];
}

/**
 * Renames the verified staging folder to `<root>/<backend>`. An older install is renamed aside first
 * and removed only after the new one is in place; if the second rename fails it is put back.
 */
async function swapIntoPlace(staging: string, folder: string, backend: string): Promise<void> {
  const aside = path.join(path.dirname(folder), `.previous-${backend}-${randomBytes(4).toString('hex')}`);
  let movedAside = false;
  try {
    await fs.rename(folder, aside);
    movedAside = true;
  } catch (err) {
    if (fsErrorOf(err).code !== 'ENOENT') throw err;
  }
  try {
    await fs.rename(staging, folder);
  } catch (err) {
    if (movedAside) await fs.rename(aside, folder);
    throw err;
  }
  if (movedAside) await removeQuietly(aside);
}

async function installedVersion(staging: string, packageName: string): Promise<string> {
  try {
    const manifest: unknown = JSON.parse(
      await fs.readFile(path.join(staging, 'node_modules', packageName, 'package.json'), 'utf8'),
    );
    if (typeof manifest === 'object' && manifest !== null && 'version' in manifest) {
      return String(manifest.version);
    }
  } catch {
    // Reported as unknown below; the engine has loaded it, which is what matters.
  }
  return 'unknown';
}

const deviceOf = (report: BackendReport) => (report.device ? ` on ${report.device}` : '');

function fsErrorOf(err: unknown): { code?: string; path?: string; message: string } {
  const e = err as NodeJS.ErrnoException;
  return {
    message: e instanceof Error ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.path === 'string' ? { path: e.path } : {}),
  };
}

async function removeQuietly(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
}
