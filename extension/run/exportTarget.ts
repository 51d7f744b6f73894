// Where "Export Ticket" writes by default, and how to recognise the engine's refusal to overwrite.
import * as path from 'node:path';
import type { EngineRequestError } from '../engine/engineSupervisor';

/**
 * `<ticketsDir>/<run-id>`, relative to the workspace folder, as the engine would choose it; the
 * run's own ticketsDir (from its resolved config) wins over the setting.
 */
export function defaultExportDir(
  runId: string,
  runTicketsDir: string | undefined,
  settingFolder: string,
): string {
  const base = runTicketsDir || settingFolder || 'tickets';
  return path.join(base, runId);
}

/** Absolute paths stay; relative ones are relative to the workspace folder. */
export function resolveExportDir(input: string, workDir: string): string {
  return path.resolve(workDir, input.trim());
}

/** The engine refuses to replace an existing ticket folder unless asked to overwrite. */
export function isTargetExistsError(error: unknown): error is EngineRequestError {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown };
  return e.code === 'state' && typeof e.message === 'string' && /already exists/.test(e.message);
}
