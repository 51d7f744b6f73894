// The backends "Sparsity Lab: Install Native Backend" can install: which npm packages each one is,
// pinned to the versions this engine's tfjs-core (4.22.0) was tested with, and what each needs from
// the machine, said once here for the quick pick and the failure messages.

export const INSTALLABLE_BACKENDS = ['tfjs-node-gpu', 'tfjs-node', 'webgpu'] as const;
export type InstallableBackend = (typeof INSTALLABLE_BACKENDS)[number];

export interface NpmPackage {
  name: string;
  version: string;
}

export interface InstallableBackendInfo {
  backend: InstallableBackend;
  /** The package that makes the backend; named in progress and messages. The first of `packages`. */
  mainPackage: NpmPackage;
  packages: readonly NpmPackage[];
  /** One line: what the backend needs from the machine. */
  needs: string;
}

const TFJS_VERSION = '4.22.0';

export const BACKEND_CATALOG: Readonly<Record<InstallableBackend, InstallableBackendInfo>> = {
  'tfjs-node-gpu': info(
    'tfjs-node-gpu',
    [{ name: '@tensorflow/tfjs-node-gpu', version: TFJS_VERSION }],
    'NVIDIA GPU on Linux or Windows; needs CUDA 11.2 and cuDNN 8.1. Its install script downloads libtensorflow 2.9.1.',
  ),
  'tfjs-node': info(
    'tfjs-node',
    [{ name: '@tensorflow/tfjs-node', version: TFJS_VERSION }],
    'Native TensorFlow on the CPU; no GPU needed. Its install script downloads libtensorflow 2.9.1.',
  ),
  webgpu: info(
    'webgpu',
    [
      { name: 'webgpu', version: '0.6.2' },
      { name: '@tensorflow/tfjs-backend-webgpu', version: TFJS_VERSION },
    ],
    "Dawn's Node binding: any GPU with Vulkan (Linux), Metal (macOS) or D3D12 (Windows) drivers.",
  ),
};

function info(
  backend: InstallableBackend,
  packages: readonly [NpmPackage, ...NpmPackage[]],
  needs: string,
): InstallableBackendInfo {
  return { backend, mainPackage: packages[0], packages, needs };
}

export const packageSpec = (p: NpmPackage): string => `${p.name}@${p.version}`;

export function isInstallableBackend(value: unknown): value is InstallableBackend {
  return (INSTALLABLE_BACKENDS as readonly unknown[]).includes(value);
}
