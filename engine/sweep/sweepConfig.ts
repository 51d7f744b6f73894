// A sweep file (sweep.json): one base search config, the hyperparameter to vary and its values, how
// many engines may run at once, and extra runs beside them (an IMP baseline, say). Reading it yields
// the members' configs, each already checked with resolveConfig, so a bad value stops the sweep before
// any engine starts; errors are ConfigErrors naming the file and the field, as for sparsity.json.
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { SearchConfig } from '../config/configSchema';
import { ConfigError, readConfigFile, resolveConfig, schemaError } from '../config/resolveConfig';

export const VARY_KEYS = ['maskInit', 'lambda', 'finalTemperature'] as const;
export type VaryKey = (typeof VARY_KEYS)[number];

/** s0 around the reference's 0: from clearly sparser to a little denser (CS-NOTES). */
export const DEFAULT_MASK_INIT_VALUES = [-0.3, -0.2, -0.1, 0, 0.1];

const ConfigObject = Type.Record(Type.String(), Type.Unknown());

export const SweepFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    base: Type.Union([Type.String({ minLength: 1 }), ConfigObject], {
      description: 'A search config object, or the path of a sparsity.json relative to the sweep file.',
    }),
    vary: Type.Optional(
      Type.Union(
        VARY_KEYS.map((k) => Type.Literal(k)),
        { description: 'The hyperparameter that differs between members (default maskInit).' },
      ),
    ),
    values: Type.Optional(
      Type.Array(Type.Number(), {
        minItems: 1,
        description: `Its values, one member each. Default for maskInit: ${DEFAULT_MASK_INIT_VALUES.join(', ')}; required otherwise.`,
      }),
    ),
    parallel: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Engines at once (default: the number of cores).' }),
    ),
    extraRuns: Type.Optional(
      Type.Array(ConfigObject, {
        description:
          'Partial configs merged over base and run alongside the members, e.g. [{ "method": "imp" }].',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SweepFile = Static<typeof SweepFileSchema>;

/** One engine run of a sweep: a varied value, or one of the extra runs. */
export interface MemberSpec {
  index: number;
  /** What tells it apart in tables: "maskInit=-0.1", or an extra run's overrides. */
  label: string;
  /** The varied hyperparameter and its value; null for an extra run. */
  vary: VaryKey | null;
  value: number | null;
  /** Index into extraRuns for an extra run, else null. */
  extraRun: number | null;
  /** Exactly what the engine's `start` gets (base merged with the member's change). */
  config: Record<string, unknown>;
  /** Named in the engine's errors about this config. */
  configSource: string;
}

export interface SweepPlan {
  /** Absolute path of the sweep file. */
  file: string;
  vary: VaryKey;
  values: number[];
  parallel: number;
  members: MemberSpec[];
}

const checker = TypeCompiler.Compile(SweepFileSchema);

export function readSweepFile(file: string, overrides: { parallel?: number } = {}): SweepPlan {
  const abs = path.resolve(file);
  return planSweep(readConfigFile(abs), abs, overrides);
}

/** Checks a parsed sweep file (`file` names it in errors) and builds its members. */
export function planSweep(
  raw: Record<string, unknown>,
  file: string,
  overrides: { parallel?: number } = {},
): SweepPlan {
  if (!checker.Check(raw)) {
    const unknown = Object.keys(raw).find((k) => !(k in SweepFileSchema.properties));
    if (unknown) {
      const known = Object.keys(SweepFileSchema.properties).filter((k) => k !== '$schema');
      throw new ConfigError(file, unknown, `unknown setting; expected one of: ${known.join(', ')}`);
    }
    throw schemaError(checker.Errors(raw), file);
  }
  const sweep = raw as SweepFile;
  const vary = sweep.vary ?? 'maskInit';
  if (!sweep.values && vary !== 'maskInit') {
    throw new ConfigError(file, 'values', `required when varying ${vary} (only maskInit has default values)`);
  }
  const values = sweep.values ?? DEFAULT_MASK_INIT_VALUES;
  values.forEach((v, i) => {
    const first = values.indexOf(v);
    if (first !== i) throw new ConfigError(file, `values.${i}`, `${v} is already values.${first}`);
  });
  if (
    overrides.parallel !== undefined &&
    !(Number.isInteger(overrides.parallel) && overrides.parallel >= 1)
  ) {
    throw new ConfigError('command line', 'parallel', `expected an integer >= 1 (got ${overrides.parallel})`);
  }
  const parallel = overrides.parallel ?? sweep.parallel ?? os.availableParallelism();

  const base = loadBase(sweep.base, file);
  const members: MemberSpec[] = values.map((value, i) => {
    const config = { ...base.config, [vary]: value };
    checkMember(config, base.source, file, `values.${i}`, [vary]);
    return {
      index: i,
      label: `${vary}=${value}`,
      vary,
      value,
      extraRun: null,
      config,
      configSource: file,
    };
  });
  (sweep.extraRuns ?? []).forEach((extra, k) => {
    const config = { ...base.config, ...extra };
    checkMember(config, base.source, file, `extraRuns.${k}`, Object.keys(extra));
    members.push({
      index: members.length,
      label: extraLabel(extra, k),
      vary: null,
      value: null,
      extraRun: k,
      config,
      configSource: file,
    });
  });
  return { file, vary, values, parallel, members };
}

interface LoadedBase {
  config: Record<string, unknown>;
  /** The file its errors name: the base file, or the sweep file for an inline base. */
  source: string;
  /** Prefix of its fields in that file: "base." when inline. */
  prefix: string;
}

function loadBase(base: SweepFile['base'], sweepFile: string): LoadedBase {
  let loaded: LoadedBase;
  if (typeof base === 'string') {
    const baseFile = path.resolve(path.dirname(sweepFile), base);
    if (!existsSync(baseFile)) throw new ConfigError(sweepFile, 'base', `no config file at ${baseFile}`);
    loaded = { config: readConfigFile(baseFile), source: baseFile, prefix: '' };
  } else {
    loaded = { config: base, source: sweepFile, prefix: 'base.' };
  }
  // The base alone first, so its own mistakes are named where they are written.
  try {
    resolveConfig(loaded.config, loaded.source);
  } catch (e) {
    if (e instanceof ConfigError && loaded.prefix)
      throw new ConfigError(e.file, `${loaded.prefix}${e.field}`, e.detail);
    throw e;
  }
  return loaded;
}

/**
 * A member's config with its change applied. The base passed on its own, so an error here comes from
 * the change (`where`, e.g. "values.2") or from how it combines with the base: either way the sweep
 * file is to blame, at the member's entry.
 */
function checkMember(
  config: Record<string, unknown>,
  baseSource: string,
  sweepFile: string,
  where: string,
  changedKeys: string[],
): SearchConfig {
  try {
    return resolveConfig(config, baseSource);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // An extra run's own key is a field of the sweep file; a varied value is one entry of `values`.
    if (where.startsWith('extraRuns') && changedKeys.includes(e.field.split('.')[0]))
      throw new ConfigError(sweepFile, `${where}.${e.field}`, e.detail);
    throw new ConfigError(sweepFile, where, e.field ? `${e.field}: ${e.detail}` : e.detail);
  }
}

function extraLabel(extra: Record<string, unknown>, k: number): string {
  const parts = Object.entries(extra).map(([key, v]) => `${key}=${typeof v === 'object' ? '…' : String(v)}`);
  return parts.length ? parts.join(' ') : `extra ${k + 1}`;
}
