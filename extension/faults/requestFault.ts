// Turns an engine's refusal (an EngineRequestError) into one message and, when the error names a
// field, where in which config file to put the cursor. The engine's messages already start with
// "<file>: <field>: "; the notification says file and field once, in words.
import * as path from 'node:path';
import type { EngineRequestError } from '../engine/engineSupervisor';

export interface RequestFault {
  message: string;
  /** Where "Open Config" goes: an existing config file, and the field in it (if any). */
  openAt?: { file: string; field?: string };
}

const CODE_NAMES: Record<string, string> = {
  config: 'Config error',
  data: 'Data error',
  model: 'Model error',
  backend: 'Backend error',
  run: 'Run error',
  protocol: 'Protocol error',
  state: 'Not possible now',
  internal: 'Engine error',
  exited: 'The engine exited',
  timeout: 'The engine did not answer',
};

/** Removes the "<file>: " and "<field>: " the engine puts in front of its message. */
export function problemText(message: string, file?: string, field?: string): string {
  let rest = message;
  if (file && rest.startsWith(`${file}: `)) rest = rest.slice(file.length + 2);
  if (field && rest.startsWith(`${field}: `)) rest = rest.slice(field.length + 2);
  return rest;
}

/** A file name short enough for a notification: relative to the workspace folder when inside it. */
export function displayPath(file: string, workDir: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(workDir, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/**
 * `configFile` is the file the config came from (absent for presets). Config errors name their own
 * file (the run's config.json when resuming); data and model errors name a field of the config.
 */
export function describeRequestFault(
  error: Pick<EngineRequestError, 'code' | 'message' | 'file' | 'field'>,
  workDir: string,
  configFile?: string,
): RequestFault {
  const title = CODE_NAMES[error.code] ?? 'Error';
  const problem = problemText(error.message, error.file, error.field);
  const fileIsConfig = error.code === 'config' && error.file !== undefined && path.isAbsolute(error.file);
  const configTarget = fileIsConfig ? error.file : error.field && configFile ? configFile : undefined;
  // A config sent without a file (a preset) is named "config" by the engine: not worth repeating.
  const inFile = error.file && path.isAbsolute(error.file) ? ` in ${displayPath(error.file, workDir)}` : '';
  const atField = error.field ? `, field "${error.field}"` : '';
  return {
    message: `${title}${inFile}${atField}: ${problem}`,
    ...(configTarget
      ? { openAt: { file: configTarget, ...(error.field ? { field: error.field } : {}) } }
      : {}),
  };
}
