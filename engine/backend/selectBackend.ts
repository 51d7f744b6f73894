// Chooses the TensorFlow.js backend the engine trains on. The native bindings are much faster but
// are never dependencies of this extension (they are large, platform specific and need a matching
// libtensorflow), so they are looked up at run time in places the user controls; so is WebGPU
// (webgpuBackend.ts), whose Dawn binding is native too. wasm and cpu are bundled and always
// available as fallbacks.

// A named, used import: a bare one is dropped by esbuild, because the package's sideEffects list
// does not include its Node entry point, and then no 'cpu' backend is ever registered.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cpuDevice, cudaDevice, nativeCpuDevice } from './deviceName';
import { describeError as describe, firstLine, Unavailable } from './unavailable';
import { registerWasmGradKernels } from './wasmGradKernels';
import { registerWasmSimdKernels } from './simd/wasmSimdKernels';
import type { BackendChoice } from '../config/configSchema';
import type { BackendReport } from '../protocol/engineProtocol';
import { activateWasmWithThreads, type WasmThreadsResult } from './wasmThreads';
import { activateWebgpu, WEBGPU_INSTALL_FOLDER } from './webgpuBackend';

// The choices are the config's; the report is the protocol's, which carries it to the host.
export type { BackendChoice };
export type { BackendReport };
type BackendAttempt = BackendReport['attempts'][number];

export interface BackendOptions {
  /**
   * Threads for the wasm backend; default 1. The engine and the CLI pass the config's `threads`, as
   * threadCount.ts resolves it ('auto': one per core but one).
   */
  wasmThreads?: number;
  /** Hears what happens to a backend after it started (a lost GPU device); default: stderr. */
  log?: (message: string) => void;
}

type Candidate = Exclude<BackendChoice, 'auto'>;

const AUTO_ORDER: readonly Candidate[] = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'];

const NATIVE_PACKAGES: Readonly<Record<'tfjs-node-gpu' | 'tfjs-node', string>> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
};

/** The backend name both native packages register. */
const NATIVE_BACKEND = 'tensorflow';

const WASM_BINARY = /^tfjs-backend-wasm.*\.wasm$/;

// A require created at run time: esbuild cannot follow it, so the native packages stay out of the
// bundle even if someone removes them from the build's external list.
const runtimeRequire = createRequire(__filename);

/** What a started candidate computes on, and with how many threads where we control that. */
interface Activated {
  device: string;
  threads?: number;
  threadsReason?: string;
}

/**
 * Switches TensorFlow.js to the chosen backend. 'auto' takes the first of tfjs-node-gpu, tfjs-node,
 * webgpu, wasm and cpu that works and records why each earlier one did not; an explicit choice that
 * does not work throws.
 *
 * @param nativeBackendPath where to look for the native and WebGPU packages first: a folder holding
 *   a node_modules folder (or <backend>/node_modules), or the package folder itself. process.cwd()
 *   and the engine's own node_modules are searched after it.
 */
export async function selectBackend(
  choice: BackendChoice,
  nativeBackendPath?: string,
  options: BackendOptions = {},
): Promise<BackendReport> {
  const candidates = choice === 'auto' ? AUTO_ORDER : [choice];
  const attempts: BackendAttempt[] = [];
  for (const candidate of candidates) {
    try {
      const activated = await activate(candidate, nativeBackendPath, options);
      attempts.push({ candidate, ok: true });
      return { name: tf.getBackend(), choice, attempts, ...activated };
    } catch (err) {
      const reason = err instanceof Unavailable ? err.message : `failed: ${describe(err)}`;
      attempts.push({ candidate, ok: false, reason });
    }
  }
  const reasons = attempts.map((a) => `${a.candidate}: ${a.reason ?? 'unknown'}`).join('; ');
  if (choice === 'auto') {
    throw new Error(`No TensorFlow.js backend could be started (${reasons})`);
  }
  throw new Error(`Backend '${choice}' is unavailable: ${attempts[0]?.reason ?? 'unknown reason'}`);
}

/** Activates one candidate and says what it computes on. */
async function activate(
  candidate: Candidate,
  nativeBackendPath: string | undefined,
  options: BackendOptions,
): Promise<Activated> {
  switch (candidate) {
    case 'tfjs-node-gpu':
      await activateNative(candidate, nativeBackendPath);
      return { device: cudaDevice() };
    case 'tfjs-node':
      await activateNative(candidate, nativeBackendPath);
      return { device: nativeCpuDevice() };
    case 'webgpu':
      return activateWebgpu(
        (packageName) => resolveNative(packageName, nativeBackendPath, WEBGPU_INSTALL_FOLDER),
        options.log ?? ((message) => process.stderr.write(`${message}\n`)),
      );
    case 'wasm': {
      const { threads, reason } = await activateWasm(options.wasmThreads ?? 1);
      const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
      return {
        device: cpuDevice(threads, `WebAssembly ${simd}`),
        threads,
        ...(reason === undefined ? {} : { threadsReason: reason }),
      };
    }
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) {
        throw new Unavailable(`the cpu backend (tfjs-backend-cpu ${version_cpu}) failed to initialise`);
      }
      // Plain JavaScript on the main thread.
      return { device: cpuDevice(1, 'JavaScript'), threads: 1 };
  }
}

async function activateNative(
  candidate: 'tfjs-node-gpu' | 'tfjs-node',
  nativeBackendPath: string | undefined,
): Promise<void> {
  const packageName = NATIVE_PACKAGES[candidate];
  const entry = resolveNative(packageName, nativeBackendPath, candidate);
  try {
    runtimeRequire(entry);
  } catch (err) {
    throw new Unavailable(`failed to load ${entry}: ${describe(err)}`);
  }
  if (tf.findBackendFactory(NATIVE_BACKEND) === null) {
    throw new Unavailable(
      `${packageName} loaded but registered no '${NATIVE_BACKEND}' backend; ` +
        `it may be built for a different @tensorflow/tfjs-core than ${tf.version_core}`,
    );
  }
  if (!(await tf.setBackend(NATIVE_BACKEND))) {
    throw new Unavailable(`${packageName} loaded but its '${NATIVE_BACKEND}' backend failed to initialise`);
  }
}

/**
 * The entry file of a package loaded at run time, or an Unavailable error listing where it was looked
 * for. `installFolder` is the backend's subfolder in the install command's layout
 * (`<nativeBackendPath>/<installFolder>/node_modules`).
 */
export function resolveNative(
  packageName: string,
  nativeBackendPath: string | undefined,
  installFolder?: string,
): string {
  const searched: string[] = [];
  if (nativeBackendPath !== undefined && nativeBackendPath !== '') {
    const dir = path.resolve(nativeBackendPath);
    searched.push(dir);
    if (isPackageFolder(dir, packageName)) {
      return runtimeRequire.resolve(dir);
    }
    const found = tryResolveFrom(dir, packageName);
    if (found !== undefined) {
      return found;
    }
    // The layout "Sparsity Lab: Install Native Backend" makes: one folder per backend, each with
    // its own node_modules, so installing or failing to install one never touches the others.
    if (installFolder !== undefined) {
      const installed = path.join(dir, installFolder);
      searched.push(installed);
      const fromInstall = tryResolveFrom(installed, packageName);
      if (fromInstall !== undefined) {
        return fromInstall;
      }
    }
  }
  const cwd = process.cwd();
  if (!searched.includes(cwd)) {
    searched.push(cwd);
    const fromCwd = tryResolveFrom(cwd, packageName);
    if (fromCwd !== undefined) {
      return fromCwd;
    }
  }
  searched.push('the default module search path');
  try {
    return runtimeRequire.resolve(packageName);
  } catch (err) {
    if (!isModuleNotFound(err)) {
      throw new Unavailable(`could not resolve ${packageName}: ${firstLine(err)}`);
    }
  }
  throw new Unavailable(`${packageName} is not installed (looked in ${searched.join(', ')})`);
}

function isPackageFolder(dir: string, packageName: string): boolean {
  const manifest = path.join(dir, 'package.json');
  if (!existsSync(manifest)) {
    return false;
  }
  try {
    const parsed: unknown = runtimeRequire(manifest);
    return typeof parsed === 'object' && parsed !== null && 'name' in parsed && parsed.name === packageName;
  } catch {
    return false;
  }
}

function tryResolveFrom(dir: string, packageName: string): string | undefined {
  try {
    // createRequire wants a file path; the file need not exist, only its folder matters.
    return createRequire(path.join(dir, 'noop.js')).resolve(packageName);
  } catch (err) {
    if (isModuleNotFound(err)) {
      return undefined;
    }
    throw new Unavailable(`could not resolve ${packageName} from ${dir}: ${firstLine(err)}`);
  }
}

async function activateWasm(threads: number): Promise<WasmThreadsResult> {
  const dir = wasmBinaryDir();
  try {
    // The backend appends the binary's name to this prefix, so it needs the trailing separator.
    setWasmPaths(dir + path.sep);
  } catch (err) {
    throw new Unavailable(`could not point the wasm backend at ${dir}: ${describe(err)}`);
  }
  let result: WasmThreadsResult;
  try {
    result = await activateWasmWithThreads(threads);
  } catch (err) {
    throw new Unavailable(`the wasm backend failed to initialise from ${dir}: ${describe(err)}`);
  }
  registerWasmGradKernels();
  registerWasmSimdKernels();
  return result;
}

/**
 * The bundled engine runs from dist/, where the build copies the .wasm binaries. Run from source (as
 * the tests do under tsx) they are only in the package's own dist folder.
 */
function wasmBinaryDir(): string {
  if (hasWasmBinaries(__dirname)) {
    return __dirname;
  }
  let packageDir: string;
  try {
    packageDir = path.dirname(runtimeRequire.resolve('@tensorflow/tfjs-backend-wasm'));
  } catch (err) {
    throw new Unavailable(
      `no tfjs-backend-wasm*.wasm next to the engine (${__dirname}) and ` +
        `@tensorflow/tfjs-backend-wasm could not be resolved: ${firstLine(err)}`,
    );
  }
  if (!hasWasmBinaries(packageDir)) {
    throw new Unavailable(`no tfjs-backend-wasm*.wasm in ${__dirname} or ${packageDir}`);
  }
  return packageDir;
}

function hasWasmBinaries(dir: string): boolean {
  try {
    return readdirSync(dir).some((file) => WASM_BINARY.test(file));
  } catch {
    return false;
  }
}

function isModuleNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'MODULE_NOT_FOUND';
}
