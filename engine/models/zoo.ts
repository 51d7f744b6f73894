// The built-in model zoo: name -> factory. Each architecture lives in its own module under zoo/.
import type { ZooModelName } from '../config/configSchema';
import { ModelError, type BuiltModel, type ModelSpec } from './modelTypes';
import { buildLenet300100 } from './zoo/lenet';
import { buildConvNet } from './zoo/convNets';
import { buildResnet20 } from './zoo/resnet20';
import { buildVgg16 } from './zoo/vgg16';

const FACTORIES: Record<ZooModelName, (spec: ModelSpec) => BuiltModel> = {
  'lenet-300-100': buildLenet300100,
  conv2: (spec) => buildConvNet(2, spec),
  conv4: (spec) => buildConvNet(4, spec),
  conv6: (spec) => buildConvNet(6, spec),
  resnet20: buildResnet20,
  vgg16: buildVgg16,
};

/**
 * Builds a fresh zoo model with logits output (no softmax: the trainer applies softmax cross-entropy).
 * The same spec gives bit-identical initial weights. Throws a readable Error when the data's shape
 * does not suit the architecture (e.g. images too small for its pools).
 */
export function buildZooModel(name: ZooModelName, spec: ModelSpec): BuiltModel {
  const factory = FACTORIES[name];
  if (!factory)
    throw new ModelError(`Unknown zoo model "${name}"; known: ${Object.keys(FACTORIES).join(', ')}`, 'model');
  return factory(spec);
}
