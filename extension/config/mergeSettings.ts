// The extension's settings are defaults: a config file (or preset) that sets a key wins, and the
// settings only fill the keys it leaves out. The backend settings also reach the supervisor, which
// loads the backend before the config arrives, so the engine starts with the one the run will use.
import * as path from 'node:path';
import { BACKENDS, type BackendChoice } from '../../engine/config/configSchema';

export interface SparsitySettings {
  backend: BackendChoice;
  /** Empty means "not set". */
  nativeBackendPath: string;
  statsIntervalMs: number;
  ticketsFolder: string;
  /** The wasm backend's threads: 'auto' or 1-8, as the config's `threads`. */
  threads: 'auto' | number;
}

export const DEFAULT_SETTINGS: SparsitySettings = {
  backend: 'auto',
  nativeBackendPath: '',
  statsIntervalMs: 250,
  ticketsFolder: 'tickets',
  threads: 'auto',
};

/** Coerces raw setting values (anything a user can type into settings.json) to valid ones. */
export function normalizeSettings(raw: Partial<Record<keyof SparsitySettings, unknown>>): SparsitySettings {
  const backend = (BACKENDS as readonly unknown[]).includes(raw.backend)
    ? (raw.backend as BackendChoice)
    : DEFAULT_SETTINGS.backend;
  const interval = raw.statsIntervalMs;
  const folder = typeof raw.ticketsFolder === 'string' ? raw.ticketsFolder.trim() : '';
  const threads = raw.threads;
  return {
    backend,
    nativeBackendPath: typeof raw.nativeBackendPath === 'string' ? raw.nativeBackendPath.trim() : '',
    statsIntervalMs:
      typeof interval === 'number' && Number.isInteger(interval) && interval >= 10
        ? interval
        : DEFAULT_SETTINGS.statsIntervalMs,
    ticketsFolder: folder || DEFAULT_SETTINGS.ticketsFolder,
    threads:
      typeof threads === 'number' && Number.isInteger(threads) && threads >= 1 && threads <= 8
        ? threads
        : DEFAULT_SETTINGS.threads,
  };
}

/** The config with the settings filled in where it is silent. Never mutates `config`. */
export function mergeSettings(
  config: Record<string, unknown>,
  settings: SparsitySettings,
): Record<string, unknown> {
  const defaults: Record<string, unknown> = {
    backend: settings.backend,
    statsIntervalMs: settings.statsIntervalMs,
    ticketsDir: settings.ticketsFolder,
    threads: settings.threads,
    ...(settings.nativeBackendPath ? { nativeBackendPath: settings.nativeBackendPath } : {}),
  };
  const merged: Record<string, unknown> = { ...config };
  for (const [key, value] of Object.entries(defaults)) {
    if (merged[key] === undefined) merged[key] = value;
  }
  return merged;
}

/**
 * The backend the engine should load at start-up: the merged config's, so it does not load one
 * backend and then switch. An invalid value falls back to auto here and the engine then reports it by
 * field. The engine process does not run in the workspace folder (the CLI does), so a relative
 * native path is made absolute against it, and without one the folder itself is where native
 * packages are looked for, as the CLI would look in its working directory.
 */
export function engineBackendOptions(
  merged: Record<string, unknown>,
  workDir: string,
): { backend: string; nativeBackendPath: string } {
  const backend = (BACKENDS as readonly unknown[]).includes(merged.backend) ? String(merged.backend) : 'auto';
  const native = typeof merged.nativeBackendPath === 'string' ? merged.nativeBackendPath.trim() : '';
  return { backend, nativeBackendPath: native ? path.resolve(workDir, native) : workDir };
}
