// The one-line description users see for a zoo model, with the counts that matter for a sparsity
// search: all parameters, and the weights masked by default (the denominator of "% remaining").
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BuiltModel } from '../modelTypes';
import { listMaskableLayers } from '../maskableLayers';

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function describeZooModel(
  title: string,
  model: tfl.LayersModel,
  denseByDefault: string[],
): BuiltModel {
  const masked = listMaskableLayers(model, denseByDefault).reduce((sum, m) => sum + m.kernel.read().size, 0);
  return {
    model,
    description: `${title} (${formatCount(model.countParams())} parameters, ${formatCount(masked)} masked by default)`,
    denseByDefault,
  };
}
