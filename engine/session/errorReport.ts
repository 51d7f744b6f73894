// Maps the engine's typed errors to the protocol's error codes, keeping the file and field they name.
import { ConfigError } from '../config/resolveConfig';
import { DataError } from '../data/dataTypes';
import { ModelError, ModelFileError } from '../models/modelTypes';
import { TargetExistsError } from '../fsutil/atomicWrite';
import type { ErrorCode } from '../protocol/engineProtocol';
import { RunError } from '../runs/runStore';
import { ExportError } from './exportRunTicket';
import { ModelChoiceError } from './prepareRun';
import { StateError } from './searchSession';

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  file?: string;
  field?: string;
}

export function describeError(e: unknown): ErrorInfo {
  if (e instanceof ConfigError) return { code: 'config', message: e.message, file: e.file, field: e.field };
  if (e instanceof ModelChoiceError) return { code: 'config', message: e.message, field: 'model' };
  if (e instanceof DataError) return { code: 'data', message: e.message, file: e.file, field: e.field };
  if (e instanceof ModelFileError) return { code: 'model', message: e.message, file: e.file, field: e.field };
  if (e instanceof RunError) return { code: 'run', message: e.message, file: e.file };
  if (e instanceof ModelError)
    return { code: 'model', message: e.message, ...(e.field ? { field: e.field } : {}) };
  if (e instanceof TargetExistsError) return { code: 'state', message: e.message, file: e.target };
  if (e instanceof StateError || e instanceof ExportError) return { code: 'state', message: e.message };
  if (e instanceof Error) return { code: 'internal', message: e.stack ?? e.message };
  return { code: 'internal', message: String(e) };
}
