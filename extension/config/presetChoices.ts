// The presets offered by "Start Ticket Search" without a config file: each preset crossed with the
// zoo models that can train on the bundled MNIST digits, which need no download.
import { SearchConfigSchema, ZOO_MODELS, type ZooModelName } from '../../engine/config/configSchema';
import { PRESETS } from '../../engine/config/presets';

export interface PresetChoice {
  preset: string;
  model: ZooModelName;
  label: string;
  detail: string;
  /** What the engine receives as `config`. */
  config: Record<string, unknown>;
}

/**
 * VGG-16 halves its input five times and needs at least 32x32 images (CIFAR-10); the bundled digits
 * are 28x28, so it is offered only through a config file with CIFAR data.
 */
export const MODELS_FOR_BUNDLED_DATA: readonly ZooModelName[] = ZOO_MODELS.filter((m) => m !== 'vgg16');

function schemaDefault(key: 'rounds' | 'epochsPerRound' | 'ticketEpochs'): number {
  return Number(SearchConfigSchema.properties[key].default);
}

/** "2 rounds × 4 epochs, ticket 4 epochs": how long the preset trains, in the preset's own values. */
export function describeSchedule(preset: Record<string, unknown>): string {
  const num = (key: 'rounds' | 'epochsPerRound' | 'ticketEpochs') =>
    typeof preset[key] === 'number' ? (preset[key] as number) : schemaDefault(key);
  const rounds = num('rounds');
  return `${rounds} round${rounds === 1 ? '' : 's'} × ${num('epochsPerRound')} epochs, ticket ${num('ticketEpochs')} epochs`;
}

export function presetChoices(): PresetChoice[] {
  const choices: PresetChoice[] = [];
  for (const [preset, values] of Object.entries(PRESETS)) {
    for (const model of MODELS_FOR_BUNDLED_DATA) {
      choices.push({
        preset,
        model,
        label: `${preset} · ${model}`,
        detail: `${describeSchedule(values)} on the bundled MNIST digits`,
        config: { data: { format: 'mnist-bundled' }, ...values, model },
      });
    }
  }
  return choices;
}
