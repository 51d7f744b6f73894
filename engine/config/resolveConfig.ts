// Turns whatever the user wrote (a sparsity.json, CLI flags, an IPC start message) into a complete,
// checked SearchConfig, or a ConfigError that names the file, the field and what was expected.
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { TypeCompiler, type ValueError } from '@sinclair/typebox/compiler';
import { DataConfigSchema, SearchConfigSchema, type SearchConfig } from './configSchema';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    /** What is wrong, without the file and field. */
    readonly detail: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${detail}`);
    this.name = 'ConfigError';
  }
}

const checker = TypeCompiler.Compile(SearchConfigSchema);
const KNOWN_KEYS = Object.keys(SearchConfigSchema.properties);

/** Reads a JSON config file; a missing file or bad JSON is a ConfigError naming it. */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, '', `cannot read the config file (${(e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, '', `not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(file, '', 'expected a JSON object at the top level');
  }
  return parsed as Record<string, unknown>;
}

/** JSON pointer "/data/format" -> "data.format", the way users write field names. */
function fieldName(pointer: string): string {
  return pointer.replace(/^\//, '').replace(/\//g, '.');
}

/** The schema error to report: the deepest one is the most specific for unions such as `data`. */
export function schemaError(errors: Iterable<ValueError>, source: string): ConfigError {
  const best = [...errors].sort((a, b) => b.path.length - a.path.length)[0];
  if (!best) return new ConfigError(source, '', 'does not match its schema');
  const got = JSON.stringify(best.value);
  return new ConfigError(
    source,
    fieldName(best.path),
    `${best.message} (got ${got === undefined ? 'nothing' : got})`,
  );
}

/**
 * Fills defaults and validates. `source` names where the values came from (a file path, or "flags").
 * Unknown keys are errors, so a typo never silently falls back to a default.
 */
export function resolveConfig(raw: Record<string, unknown>, source: string): SearchConfig {
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.includes(key)) {
      throw new ConfigError(
        source,
        key,
        `unknown setting; expected one of: ${KNOWN_KEYS.filter((k) => k !== '$schema').join(', ')}`,
      );
    }
  }
  const withDefaults: unknown = Value.Default(SearchConfigSchema, {
    data: { format: 'mnist-bundled' },
    ...structuredClone(raw),
  });
  checkData((withDefaults as { data?: unknown }).data, source);
  if (!checker.Check(withDefaults)) throw schemaError(checker.Errors(withDefaults), source);
  const config = withDefaults as SearchConfig;
  checkConsistency(config, source);
  return config;
}

const DATA_VARIANTS = DataConfigSchema.anyOf.map((variant) => ({
  format: variant.properties.format.const as string,
  keys: Object.keys(variant.properties),
  checker: TypeCompiler.Compile(variant),
}));

/**
 * `data` is a union keyed by `format`; a generic union error ("Expected union value") would not say
 * which field is wrong, so the variant its format names is checked on its own.
 */
function checkData(data: unknown, source: string): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(source, 'data', `expected an object with a "format" (got ${JSON.stringify(data)})`);
  }
  const format = (data as { format?: unknown }).format;
  const variant = DATA_VARIANTS.find((v) => v.format === format);
  const formats = DATA_VARIANTS.map((v) => v.format).join(', ');
  if (!variant)
    throw new ConfigError(
      source,
      'data.format',
      `expected one of ${formats} (got ${JSON.stringify(format)})`,
    );
  for (const key of Object.keys(data)) {
    if (!variant.keys.includes(key)) {
      throw new ConfigError(
        source,
        `data.${key}`,
        `unknown setting for format "${variant.format}"; expected one of: ${variant.keys.join(', ')}`,
      );
    }
  }
  const error = variant.checker.Errors(data).First();
  if (error) {
    const got = JSON.stringify(error.value);
    throw new ConfigError(
      source,
      `data${fieldName(error.path) ? `.${fieldName(error.path)}` : ''}`,
      `${error.message} (got ${got === undefined ? 'nothing' : got})`,
    );
  }
}

/** Rules a schema cannot express. */
function checkConsistency(c: SearchConfig, source: string): void {
  if (c.rewindIteration === undefined && c.rewindEpoch >= c.epochsPerRound) {
    throw new ConfigError(
      source,
      'rewindEpoch',
      `must be less than epochsPerRound (${c.epochsPerRound}), got ${c.rewindEpoch}`,
    );
  }
  for (const e of c.lrDropEpochs ?? []) {
    if (e >= c.epochsPerRound) {
      throw new ConfigError(
        source,
        'lrDropEpochs',
        `epoch ${e} is not inside a round of ${c.epochsPerRound} epochs`,
      );
    }
  }
  if (c.includeLayers?.length && c.excludeLayers?.length) {
    const both = c.includeLayers.filter((n) => c.excludeLayers?.includes(n));
    if (both.length)
      throw new ConfigError(source, 'excludeLayers', `layers both included and excluded: ${both.join(', ')}`);
  }
}

/** Rules that depend on the data: run before any run folder is made, so a bad config leaves nothing. */
export function checkConfigAgainstData(c: SearchConfig, trainCount: number, source: string): void {
  const stepsPerEpoch = Math.ceil(trainCount / c.batchSize);
  const roundSteps = c.epochsPerRound * stepsPerEpoch;
  if (c.rewindIteration !== undefined && c.rewindIteration >= roundSteps) {
    throw new ConfigError(
      source,
      'rewindIteration',
      `must be less than the ${roundSteps} steps of a round (${stepsPerEpoch} per epoch), got ${c.rewindIteration}`,
    );
  }
}

/** The JSON Schema for sparsity.json files (contributed to VS Code through jsonValidation). */
export function configJsonSchema(): object {
  return JSON.parse(JSON.stringify(SearchConfigSchema)) as object;
}
