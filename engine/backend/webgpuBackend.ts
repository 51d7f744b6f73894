// Runs TensorFlow.js on the GPU through WebGPU: the kernels of @tensorflow/tfjs-backend-webgpu on Dawn,
// Google's WebGPU implementation, which the npm package "webgpu" (dawn.node) brings to Node. Neither is
// bundled: Dawn is a native addon for one platform, and the kernels must register with the same
// TensorFlow.js the engine runs (tfjs-core keeps its kernel registry and engine in globals, so a
// second copy of tfjs-core next to the package still registers into ours). selectBackend resolves
// both the way it resolves the native backends.
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { gpuAdapterName, type GpuAdapterInfo } from './deviceName';
import { findVulkanLoader, noAdapterReason } from './gpuAdapterReason';
import { describeError, Unavailable } from './unavailable';

export const WEBGPU_BACKEND_PACKAGE = '@tensorflow/tfjs-backend-webgpu';
export const DAWN_PACKAGE = 'webgpu';
/** The backend's subfolder in the install command's layout: both packages go there. */
export const WEBGPU_INSTALL_FOLDER = 'webgpu';

const BACKEND = 'webgpu';
/** tfjs-backend-webgpu's own priority for 'webgpu', kept when we register the factory ourselves. */
const PRIORITY = 3;

/** Finds a package's entry file, or throws Unavailable saying where it looked. */
export type PackageResolver = (packageName: string) => string;

// The parts of the WebGPU API used here (the full types are in @webgpu/types, which the engine
// does not otherwise need).
interface GpuDeviceLostInfo {
  reason: string;
  message: string;
}
interface GpuDevice {
  readonly lost: Promise<GpuDeviceLostInfo>;
}
interface GpuAdapter {
  readonly info?: GpuAdapterInfo;
  readonly limits: Readonly<Record<string, number>>;
  requestDevice(descriptor: { requiredLimits: Record<string, number> }): Promise<GpuDevice>;
}
interface Gpu {
  requestAdapter(options: { powerPreference: 'high-performance' }): Promise<GpuAdapter | null>;
}
interface DawnModule {
  create(options: string[]): Gpu;
  globals: object;
}
interface WebgpuBackendModule {
  WebGPUBackend: new (device: GpuDevice, adapterInfo?: GpuAdapterInfo) => tf.KernelBackend;
}

/**
 * The adapter limits tfjs-backend-webgpu's own factory raises from WebGPU's defaults to what the
 * adapter allows: without them a large layer's buffers exceed the default 128 MiB binding size.
 */
const RAISED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
] as const;

const runtimeRequire = createRequire(__filename);

/**
 * Loads tfjs-backend-webgpu, which registers its kernels for 'webgpu' on import; needs no GPU.
 * Returns the package's entry file. (4.22 has every kernel a search runs, gradients included, so
 * unlike wasm nothing is added: test/engine/webgpuKernels.test.ts checks that this stays so.)
 */
export function loadWebgpuKernels(resolve: PackageResolver): string {
  const entry = resolve(WEBGPU_BACKEND_PACKAGE);
  loadBackendModule(entry);
  return entry;
}

/**
 * The package's own copy of tfjs-core (the engine's is bundled) sets the same 'node' platform again
 * and warns about it; engine and kernels are shared through globalThis, so the warning tells a user
 * nothing and would open every search's output.
 */
const SECOND_PLATFORM_WARNING = /^Platform node has already been set/;

function loadBackendModule(entry: string): WebgpuBackendModule {
  let loaded: unknown;
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!(typeof args[0] === 'string' && SECOND_PLATFORM_WARNING.test(args[0]))) warn(...args);
  };
  try {
    loaded = runtimeRequire(entry);
  } catch (err) {
    throw new Unavailable(`failed to load ${entry}: ${describeError(err)}`);
  } finally {
    console.warn = warn;
  }
  if (!isObjectWith(loaded, 'WebGPUBackend') || typeof loaded.WebGPUBackend !== 'function') {
    throw new Unavailable(`${entry} has no WebGPUBackend: not a tfjs-backend-webgpu this engine knows`);
  }
  return loaded as WebgpuBackendModule;
}

/** Dawn is an ES module: a real dynamic import (esbuild leaves import() of a variable alone). */
async function loadDawn(entry: string): Promise<DawnModule> {
  let loaded: unknown;
  try {
    loaded = await import(pathToFileURL(entry).href);
  } catch (err) {
    throw new Unavailable(`failed to load Dawn from ${entry}: ${describeError(err)}`);
  }
  if (!isObjectWith(loaded, 'create') || typeof loaded.create !== 'function' || !('globals' in loaded)) {
    throw new Unavailable(`${entry} has no create() and globals: not a "webgpu" package this engine knows`);
  }
  return loaded as DawnModule;
}

/** The device the live 'webgpu' backend was made for, while it is usable. */
let live: { description: string; lost: boolean; gpu: Gpu } | undefined;

/**
 * Makes 'webgpu' the active backend on the first GPU adapter Dawn finds, and names that GPU. Throws
 * Unavailable when either package is missing or Dawn finds no adapter. `log` hears of a lost device
 * (driver reset, GPU removed, out of memory): every op after that fails.
 */
export async function activateWebgpu(
  resolve: PackageResolver,
  log: (message: string) => void,
): Promise<{ device: string }> {
  const { WebGPUBackend } = loadBackendModule(resolve(WEBGPU_BACKEND_PACKAGE));
  if (live !== undefined && !live.lost && tf.findBackend(BACKEND) !== null) {
    if (await tf.setBackend(BACKEND)) return { device: live.description };
  }
  const dawn = await loadDawn(resolve(DAWN_PACKAGE));
  // On Linux Dawn reaches GPUs through Vulkan only. Without the loader it would find no adapter anyway,
  // after writing its own warning to stderr at the top of every search's output; say why instead.
  if (process.platform === 'linux' && findVulkanLoader() === undefined)
    throw new Unavailable(noAdapterReason());
  // GPUBufferUsage, GPUMapMode and the other WebGPU globals tfjs-backend-webgpu uses, as a browser has them.
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) throw new Unavailable(noAdapterReason());
  const description = gpuAdapterName(adapter.info);
  const requiredLimits = Object.fromEntries(RAISED_LIMITS.map((name) => [name, adapter.limits[name]]));
  let device: GpuDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (err) {
    throw new Unavailable(`the GPU adapter ${description} gave no device: ${describeError(err)}`);
  }
  const state = { description, lost: false, gpu };
  void device.lost.then((info) => {
    state.lost = true;
    // 'destroyed' is tfjs disposing the backend on purpose.
    if (info.reason !== 'destroyed') {
      log(`the WebGPU device (${description}) was lost: ${info.message || info.reason}`);
    }
  });
  // WebGPUBackend's constructor checks for navigator.gpu, as in a browser.
  exposeNavigatorGpu(gpu);
  // Our own factory, for the device we already hold (the package's factory would request a second one).
  if (tf.findBackendFactory(BACKEND) !== null) tf.removeBackend(BACKEND);
  tf.registerBackend(BACKEND, () => new WebGPUBackend(device, adapter.info), PRIORITY);
  if (!(await tf.setBackend(BACKEND))) {
    throw new Unavailable(`the 'webgpu' backend failed to initialise on ${description}`);
  }
  live = state;
  return { device: description };
}

/** Node 21+ has a navigator without gpu; Node 20 has none. */
function exposeNavigatorGpu(gpu: Gpu): void {
  const global = globalThis as { navigator?: object };
  if (global.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    Object.defineProperty(global.navigator, 'gpu', { value: gpu, configurable: true });
  }
}

function isObjectWith<K extends string>(value: unknown, key: K): value is Record<K, unknown> {
  return typeof value === 'object' && value !== null && key in value;
}
