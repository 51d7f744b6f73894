// The backend installer end to end: real npm installing from a local stand-in registry (no network),
// a real engine process (dist/engine.js) loading the result, and the folder layout the engine's
// lookup expects. Each case checks what is left on disk, not only the result object.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  installBackend,
  type InstallProgress,
  type InstallRequest,
  type InstallResult,
} from '../../../engine/host/backendInstaller';
import type { InstallableBackend } from '../../../engine/host/nativeBackendCatalog';
import { requireBuilt } from '../ipc/engineProcess';
import {
  CUDA_MISSING,
  publishCudaLessNative,
  publishHangingNative,
  publishTfjsDependencies,
  publishWorkingNative,
} from './support/standInBackends';
import { closedPort, StandInRegistry } from './support/standInRegistry';

/** The environment without the caller's npm settings (npm test sets npm_config_* for its children). */
function cleanNpmEnv(tmp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  const userconfig = path.join(tmp, 'empty.npmrc');
  writeFileSync(userconfig, '');
  return { ...env, npm_config_userconfig: userconfig, npm_config_fetch_retries: '0' };
}

interface Run {
  result: InstallResult;
  log: string[];
  progress: InstallProgress[];
}

describe('engine/host: installBackend with real npm and a real engine', function () {
  this.timeout(120_000);
  let tmp: string;
  let registry: StandInRegistry;

  const install = async (
    backend: InstallableBackend,
    overrides: Partial<InstallRequest> = {},
  ): Promise<Run> => {
    const log: string[] = [];
    const progress: InstallProgress[] = [];
    const result = await installBackend({
      root: path.join(tmp, 'backends'),
      backend,
      enginePath: requireBuilt('engine.js'),
      registry: registry.url,
      // A fresh cache per install: a replaced stand-in keeps its version but not its integrity.
      npmCache: mkdtempSync(path.join(tmp, 'cache-')),
      npmEnv: cleanNpmEnv(tmp),
      log: (line) => log.push(line),
      progress: (p) => progress.push(p),
      signal: new AbortController().signal,
      readyTimeoutMs: 60_000,
      ...overrides,
    });
    return { result, log, progress };
  };
  const rootEntries = () => readdirSync(path.join(tmp, 'backends')).sort();

  beforeEach(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'sparsity-install-'));
    registry = await StandInRegistry.start();
    publishTfjsDependencies(registry);
  });
  afterEach(async () => {
    await registry.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('installs tfjs-node into <root>/tfjs-node once the engine has loaded it', async () => {
    publishWorkingNative(registry, '@tensorflow/tfjs-node');
    const { result, log, progress } = await install('tfjs-node');

    assert.ok(result.ok, `install failed: ${result.ok ? '' : result.failure.summary}\n${log.join('\n')}`);
    assert.equal(result.packageName, '@tensorflow/tfjs-node');
    assert.equal(result.version, '4.22.0');
    assert.equal(result.report.name, 'tensorflow');
    assert.deepEqual(
      result.report.attempts.map((a) => [a.candidate, a.ok]),
      [['tfjs-node', true]],
    );
    const folder = path.join(tmp, 'backends', 'tfjs-node');
    assert.equal(result.folder, folder);
    assert.deepEqual(rootEntries(), ['tfjs-node'], 'no staging folder left behind');
    const installed = path.join(folder, 'node_modules', '@tensorflow', 'tfjs-node', 'index.js');
    assert.match(readFileSync(installed, 'utf8'), /registerBackend\('tensorflow'/);
    assert.ok(existsSync(path.join(folder, 'package.json')));

    assert.ok(
      log.some((l) => /^npm http fetch GET 200 .*tfjs-node/.test(l)),
      `npm's http lines are logged:\n${log.join('\n')}`,
    );
    assert.deepEqual(
      [...new Set(progress.map((p) => p.phase))],
      ['Downloading @tensorflow/tfjs-node…', 'Checking that the engine loads it…', 'Putting it in place…'],
    );
    assert.ok(
      progress.some((p) => p.detail?.startsWith('npm http')),
      'npm lines reach the progress',
    );
    assert.ok(registry.requests.includes('/@tensorflow%2ftfjs-node'), 'the scoped name was asked for');
  });

  it('reports a missing CUDA 11.2 and leaves the earlier tfjs-node-gpu install as it was', async () => {
    publishWorkingNative(registry, '@tensorflow/tfjs-node-gpu');
    const first = await install('tfjs-node-gpu');
    assert.ok(first.result.ok, first.log.join('\n'));
    const installedIndex = path.join(
      tmp,
      'backends',
      'tfjs-node-gpu',
      'node_modules',
      '@tensorflow',
      'tfjs-node-gpu',
      'index.js',
    );
    const before = readFileSync(installedIndex, 'utf8');

    publishCudaLessNative(registry, '@tensorflow/tfjs-node-gpu');
    const { result, log } = await install('tfjs-node-gpu');

    assert.ok(!result.ok, 'the install must fail');
    assert.equal(result.failure.kind, 'cuda', result.failure.summary);
    assert.equal(result.failure.stage, 'verify');
    assert.match(result.failure.summary, /CUDA 11\.2 runtime is missing \(libcudart\.so\.11\.0/);
    assert.ok(
      log.some((l) => l.includes(CUDA_MISSING)),
      'the engine error is in the log',
    );
    assert.deepEqual(rootEntries(), ['tfjs-node-gpu'], 'no staging folder left behind');
    assert.equal(readFileSync(installedIndex, 'utf8'), before, 'the earlier install is untouched');
  });

  it('says the registry is unreachable, naming it, when nothing listens there', async () => {
    const unreachable = `http://127.0.0.1:${await closedPort()}/`;
    const started = Date.now();
    const { result, log } = await install('tfjs-node', { registry: unreachable });

    assert.ok(!result.ok);
    assert.equal(result.failure.kind, 'network', `${result.failure.summary}\n${log.join('\n')}`);
    assert.equal(result.failure.stage, 'npm');
    assert.ok(result.failure.summary.includes(unreachable), result.failure.summary);
    assert.match(result.failure.summary, /ECONNREFUSED/);
    assert.deepEqual(rootEntries(), [], 'no staging folder left behind');
    assert.ok(Date.now() - started < 30_000, 'npm gave up quickly (no retries)');
  });

  it('cancels while npm downloads: npm is ended and nothing is left behind', async () => {
    publishWorkingNative(registry, '@tensorflow/tfjs-node');
    registry.hold('@tensorflow/tfjs-core');
    const controller = new AbortController();
    const held = registry.nextHeldRequest().then((req) => {
      const closed = new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
      controller.abort();
      return closed;
    });
    const { result } = await install('tfjs-node', { signal: controller.signal });

    assert.ok(!result.ok);
    assert.equal(result.failure.kind, 'cancelled');
    assert.equal(result.failure.stage, 'npm');
    await held; // npm's connection closed: it is gone, not left downloading
    assert.deepEqual(rootEntries(), [], 'no staging folder left behind');
  });

  it('cancels while the engine loads the backend: the engine is killed and nothing is left behind', async () => {
    publishHangingNative(registry, '@tensorflow/tfjs-node');
    const controller = new AbortController();
    const started = Date.now();
    const { result } = await install('tfjs-node', {
      signal: controller.signal,
      progress: (p) => {
        if (p.phase.startsWith('Checking')) setTimeout(() => controller.abort(), 500);
      },
    });

    assert.ok(!result.ok);
    assert.equal(result.failure.kind, 'cancelled');
    assert.equal(result.failure.stage, 'verify');
    // The probe settles only once the engine process has exited, so getting here means it was killed.
    assert.ok(Date.now() - started < 30_000, 'the stuck engine did not hold the cancel up');
    assert.deepEqual(rootEntries(), [], 'no staging folder left behind');
  });
});
