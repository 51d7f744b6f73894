// Why Dawn (the WebGPU implementation behind the npm package "webgpu") found no GPU adapter, in words
// a user can act on. On Linux Dawn reaches the GPU only through Vulkan, so the first question is
// whether the Vulkan loader is installed at all; if it is, the drivers behind it offer nothing Dawn
// can use (no GPU, no Vulkan driver for it, or no permission to open it).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const VULKAN_LOADER = 'libvulkan.so.1';

/** Where distributions put shared libraries, for both common 64-bit architectures. */
const LIBRARY_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/lib64',
  '/usr/lib',
  '/lib',
  '/usr/local/lib',
];

/** The Vulkan loader's path if the dynamic linker could find it; undefined if not. */
export function findVulkanLoader(): string | undefined {
  const fromEnv = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== '');
  for (const dir of [...fromEnv, ...LIBRARY_DIRS]) {
    const candidate = path.join(dir, VULKAN_LOADER);
    if (existsSync(candidate)) return candidate;
  }
  return inLinkerCache();
}

/** The linker cache also knows folders listed in /etc/ld.so.conf.d that the list above misses. */
function inLinkerCache(): string | undefined {
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    let listing: string;
    try {
      listing = execFileSync(ldconfig, ['-p'], { encoding: 'utf8', timeout: 2000, stdio: 'pipe' });
    } catch {
      continue;
    }
    const line = listing.split('\n').find((l) => l.trim().startsWith(`${VULKAN_LOADER} `));
    return line?.split('=>')[1]?.trim() ?? undefined;
  }
  return undefined;
}

/** The reason for a null requestAdapter(), specific to the platform. */
export function noAdapterReason(platform: NodeJS.Platform = process.platform): string {
  const prefix = 'Dawn found no GPU adapter';
  switch (platform) {
    case 'linux':
      return findVulkanLoader() === undefined
        ? `${prefix} (${VULKAN_LOADER}, the Vulkan loader, is not installed)`
        : `${prefix} (the Vulkan drivers here offer no adapter Dawn can use)`;
    case 'darwin':
      return `${prefix} (Metal offers no GPU Dawn can use)`;
    case 'win32':
      return `${prefix} (neither Direct3D 12 nor Vulkan offers a GPU Dawn can use)`;
    default:
      return `${prefix} (Dawn has no GPU API on ${platform})`;
  }
}
