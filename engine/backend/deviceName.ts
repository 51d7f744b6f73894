// What each backend computes on, named the way a user would recognise it in a system monitor: the CPU
// model for the CPU backends, the GPU's own name for the GPU ones. Shown in the doctor, the log and
// the backend report (BackendReport.device).
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** The CPU's model name, e.g. "AMD EPYC 7763 64-Core Processor", or a plain fallback. */
export function cpuModel(): string {
  const model = os.cpus()[0]?.model.trim().replace(/\s+/g, ' ');
  return model !== undefined && model !== '' ? model : `${os.arch()} CPU`;
}

/** The CPU, and how many threads of it the backend uses (and whether with SIMD, for wasm). */
export function cpuDevice(threads: number, detail?: string): string {
  const parts = [`${threads} thread${threads === 1 ? '' : 's'}`];
  if (detail !== undefined) parts.push(detail);
  return `${cpuModel()} (${parts.join(', ')})`;
}

/** What WebGPU says about an adapter (GPUAdapterInfo); every field may be an empty string. */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

/** The adapter's description if the driver gave one, else what vendor, architecture and device add up to. */
export function gpuAdapterName(info: GpuAdapterInfo | undefined): string {
  const description = info?.description.trim() ?? '';
  if (description !== '') return description;
  const parts = [info?.vendor, info?.architecture, info?.device].filter(
    (p): p is string => p !== undefined && p.trim() !== '',
  );
  return parts.length > 0 ? parts.join(' ') : 'an unnamed GPU';
}

const CUDA_FALLBACK = 'NVIDIA GPU (CUDA)';

/**
 * The CUDA GPUs' names from nvidia-smi, which comes with the NVIDIA driver that tfjs-node-gpu needs
 * anyway. TensorFlow uses the first GPU unless told otherwise; several are listed so a user sees all.
 * A missing or hanging nvidia-smi costs at most a second and gives the generic name.
 */
export function cudaDevice(): string {
  let names: string[];
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 1000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    names = out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
  } catch {
    return CUDA_FALLBACK;
  }
  if (names.length === 0) return CUDA_FALLBACK;
  return `${names.join(', ')} (CUDA)`;
}

/** tfjs-node runs TensorFlow's own C++ kernels on every core of the CPU. */
export function nativeCpuDevice(): string {
  return `${cpuModel()} (native TensorFlow)`;
}
