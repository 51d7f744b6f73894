// The sparsity.json that "Create Config…" writes. Plain JSON, because the CLI reads the same file
// with JSON.parse; what each key means comes from the schema's descriptions (hover in the editor),
// which "$schema" points at. The values are the quick preset's, so the new file runs in minutes.
import * as path from 'node:path';
import { configJsonSchema } from '../../engine/config/resolveConfig';
import { PRESETS } from '../../engine/config/presets';

/** Where the workspace keeps its copy of the schema, relative to the folder. */
export const SCHEMA_COPY = '.sparsity/sparsity.schema.json';

/** The keys worth seeing in a new config, in reading order; the rest keep their defaults. */
const SCAFFOLD_KEYS = [
  'model',
  'data',
  'rounds',
  'epochsPerRound',
  'ticketEpochs',
  'rewindEpoch',
  'batchSize',
  'learningRate',
  'maskLearningRate',
  'maskInit',
  'lambda',
  'denseBaseline',
] as const;

/** "$schema" as seen from the config file: a relative path, so the file works on any machine. */
export function schemaReference(folder: string, configFile: string): string {
  const relative = path.relative(path.dirname(configFile), path.join(folder, SCHEMA_COPY));
  const posix = relative.split(path.sep).join('/');
  return posix.startsWith('../') ? posix : `./${posix}`;
}

export function scaffoldConfigText(schemaRef: string): string {
  const start: Record<string, unknown> = { maskInit: 0, ...PRESETS.quick };
  const config: Record<string, unknown> = { $schema: schemaRef };
  for (const key of SCAFFOLD_KEYS) {
    if (start[key] !== undefined) config[key] = start[key];
  }
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** The schema file's text, with a title so the editor names it. */
export function schemaText(): string {
  return `${JSON.stringify({ title: 'Sparsity Lab search configuration (sparsity.json)', ...configJsonSchema() }, null, 2)}\n`;
}
