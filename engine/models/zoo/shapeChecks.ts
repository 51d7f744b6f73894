// Up-front checks of a ModelSpec, so a mismatch reads as a sentence about the data instead of a
// tfjs shape error from deep inside layer construction.
import { ModelError, type ModelSpec } from '../modelTypes';

export function checkSpec(title: string, spec: ModelSpec): void {
  const { inputShape, numClasses } = spec;
  if (inputShape.length === 0 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ModelError(
      `${title}: input shape must be positive integers, got [${inputShape.join(', ')}]`,
      'model',
    );
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new ModelError(`${title}: needs at least 2 classes, got ${numClasses}`, 'model');
  }
}

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * Image networks need [height, width, channels]. `pools` halvings (2x2, stride 2, floor) must leave at
 * least one pixel, i.e. both sides must be at least 2^pools.
 */
export function requireImageInput(title: string, spec: ModelSpec, pools: number): ImageShape {
  checkSpec(title, spec);
  const shape = spec.inputShape;
  if (shape.length !== 3) {
    throw new ModelError(
      `${title} needs image inputs of shape [height, width, channels], but the data has shape ` +
        `[${shape.join(', ')}]`,
      'model',
    );
  }
  const [height, width, channels] = shape;
  const minSide = 2 ** pools;
  if (height < minSide || width < minSide) {
    throw new ModelError(
      `${title} needs inputs of at least ${minSide}x${minSide} (it halves them ${pools} times), ` +
        `but the data is ${height}x${width}x${channels}`,
      'model',
    );
  }
  return { height, width, channels };
}
