// What the install command says and changes after an install, decided without VS Code: whether the
// nativeBackendPath setting already leads the engine to the install root, whether the backend setting
// lets it pick the new backend, and the messages. The command file only applies these.
import * as path from 'node:path';
import type { InstallSuccess } from '../../engine/host/backendInstaller';
import type { InstallableBackend } from '../../engine/host/nativeBackendCatalog';

export type NativePathAction =
  /** The setting is empty: set it to the install root. */
  | { kind: 'set' }
  /** It already names the install root. */
  | { kind: 'keep' }
  /** The user chose another folder: say so and offer to switch, never overwrite it silently. */
  | { kind: 'conflict'; current: string };

/**
 * @param current the effective sparsityLab.nativeBackendPath ('' when unset)
 * @param workspaceFolder what a relative setting is resolved against, as engineBackendOptions does
 */
export function nativePathAction(current: string, root: string, workspaceFolder?: string): NativePathAction {
  const value = current.trim();
  if (value === '') return { kind: 'set' };
  const resolved = path.resolve(workspaceFolder ?? process.cwd(), value);
  return samePath(resolved, root) ? { kind: 'keep' } : { kind: 'conflict', current: value };
}

/** Whether searches with this sparsityLab.backend value load the installed backend. */
export function backendSettingUses(setting: string, installed: InstallableBackend): boolean {
  if (setting === installed) return true;
  // 'auto' tries every installable backend (tfjs-node-gpu, tfjs-node, webgpu) before wasm.
  return setting === 'auto';
}

export function installedMessage(result: InstallSuccess): string {
  const device = result.report.device ? ` (${result.report.device})` : '';
  return (
    `Installed ${result.packageName} ${result.version}: the engine now trains on ${result.report.name}${device}. ` +
    'New searches use it; a running search keeps its backend.'
  );
}

/** The backend a failed install leaves the engine on, for "The engine stays on …". */
export function currentBackendDescription(setting: string): string {
  return setting === 'auto' ? 'the backend it picks today (sparsityLab.backend: auto)' : setting;
}

function samePath(a: string, b: string): boolean {
  const norm = (p: string) => path.resolve(p).replace(/[\\/]+$/, '');
  return process.platform === 'win32' ? norm(a).toLowerCase() === norm(b).toLowerCase() : norm(a) === norm(b);
}
