// Whether a model can train on a data set: one input of the data's example shape, one output of one
// score per class. Checked before training so a mismatch is a sentence, not a tfjs shape error.
import type * as tfl from '@tensorflow/tfjs-layers';
import { ModelError } from './modelTypes';

type Dims = readonly (number | null)[];

function fmt(shape: Dims): string {
  return `[${shape.map((d) => d ?? '?').join(', ')}]`;
}

function product(shape: Dims): number | null {
  return shape.every((d): d is number => d !== null) ? shape.reduce((a, b) => a * b, 1) : null;
}

export function checkModelFitsData(model: tfl.LayersModel, inputShape: number[], numClasses: number): void {
  const who = `Model "${model.name}"`;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new ModelError(
      `${who} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; exactly one of each is needed`,
      'model',
    );
  }
  // Shapes include the batch dimension first; null dimensions accept any size.
  const expected = model.inputs[0].shape.slice(1);
  const fits =
    expected.length === inputShape.length && expected.every((d, i) => d === null || d === inputShape[i]);
  if (!fits) {
    const sameSize = product(expected) !== null && product(expected) === product(inputShape);
    throw new ModelError(
      `${who} expects inputs of shape ${fmt(expected)}, but the data's examples have shape ${fmt(inputShape)}` +
        (sameSize
          ? ' (the same number of values: reshape the data or add a Reshape layer to the model)'
          : ''),
      'model',
    );
  }
  const out = model.outputs[0].shape.slice(1);
  if (out.length !== 1) {
    throw new ModelError(
      `${who} outputs shape ${fmt(out)} per example, but a vector of ${numClasses} class scores is needed`,
      'model',
    );
  }
  if (out[0] !== numClasses) {
    throw new ModelError(
      `${who} outputs ${out[0] ?? '?'} class scores, but the data has ${numClasses} classes`,
      'model',
    );
  }
}
