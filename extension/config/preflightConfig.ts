// The engine's own config check (the same module, so the two can never disagree), run in the host
// before an engine is started: a config with an unknown key or a value of the wrong type is refused
// at once, in the words the engine would use, and no training process is spawned only to exit.
// What needs the files (data that is missing, a rewind iteration past the data) is still the engine's.
import { ConfigError, resolveConfig } from '../../engine/config/resolveConfig';
import { EngineRequestError } from '../engine/engineSupervisor';

/** The refusal the engine would answer a start with, or undefined when the config is well-formed. */
export function preflightConfig(
  config: Record<string, unknown>,
  configFile: string | undefined,
): EngineRequestError | undefined {
  try {
    // Named as the engine names it (engine/ipc/childMain.ts), so the message reads the same.
    resolveConfig(config, configFile ?? 'config');
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return configRefusal(e);
    throw e;
  }
}

/** A config error found in the host, as the refusal the engine would have sent for it. */
export function configRefusal(error: ConfigError): EngineRequestError {
  return new EngineRequestError('config', error.message, error.file, error.field);
}
