import type * as tfl from '@tensorflow/tfjs-layers';

export interface ModelSpec {
  inputShape: number[];
  numClasses: number;
  /** Seeds every initialiser, so the same seed gives the same initial weights. */
  seed: number;
}

/** A built model plus the names of the layers whose kernels CS masks by default. */
export interface BuiltModel {
  model: tfl.LayersModel;
  /** e.g. "LeNet-300-100 (266,200 weights)" */
  description: string;
  /**
   * Layers that the reference implementation keeps dense (e.g. ResNet's final classifier and 1x1
   * shortcut convolutions). Masked layers = every Dense/Conv2D/DepthwiseConv2D minus these, then the
   * user's include/exclude lists apply.
   */
  denseByDefault: string[];
}

/**
 * A bad model file or field. `file` and `field` say where (field may be empty when the whole file is
 * the problem); the message says what was expected, so the user can fix the file without a debugger.
 */
export class ModelFileError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
  ) {
    super(field ? `${file}: ${field}: ${message}` : `${file}: ${message}`);
    this.name = 'ModelFileError';
  }
}

/**
 * A model that does not suit the data or the user's layer lists (e.g. images too small for a zoo
 * network's pools, an unknown includeLayers name). Its own class so callers can report it as the
 * user's mistake rather than an internal error. `field` names the config field involved, if any.
 */
export class ModelError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}
