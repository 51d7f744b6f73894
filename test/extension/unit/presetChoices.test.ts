import { strict as assert } from 'node:assert';
import { PRESETS } from '../../../engine/config/presets';
import { resolveConfig } from '../../../engine/config/resolveConfig';
import {
  MODELS_FOR_BUNDLED_DATA,
  describeSchedule,
  presetChoices,
} from '../../../extension/config/presetChoices';

describe('presetChoices', () => {
  it('crosses every preset with the zoo models that fit the 28x28 bundled digits', () => {
    const choices = presetChoices();
    assert.equal(choices.length, Object.keys(PRESETS).length * MODELS_FOR_BUNDLED_DATA.length);
    assert.ok(!choices.some((c) => c.model === 'vgg16'));
    assert.ok(choices.some((c) => c.preset === 'quick' && c.model === 'conv4'));
    assert.ok(choices.some((c) => c.preset === 'reference' && c.model === 'resnet20'));
  });

  it('gives the engine a valid config on the bundled data for every choice', () => {
    for (const choice of presetChoices()) {
      const config = resolveConfig(choice.config, 'config');
      assert.equal(config.model, choice.model, choice.label);
      assert.equal(config.data.format, 'mnist-bundled', choice.label);
    }
  });

  it('says how long each preset trains', () => {
    assert.equal(describeSchedule(PRESETS.quick), '2 rounds × 4 epochs, ticket 4 epochs');
    assert.equal(describeSchedule({}), '3 rounds × 85 epochs, ticket 85 epochs');
  });
});
