// The in-memory form every loader produces: inputs as one flat Float32Array in row-major
// (N, ...inputShape) order, images as NHWC scaled to [0, 1], labels as class indices.
export interface LabeledSplit {
  x: Float32Array;
  y: Int32Array;
  count: number;
}

export interface DataSource {
  /** Short human description, e.g. "MNIST (bundled, 8000 train / 2000 test)". */
  description: string;
  /** Shape of one example, e.g. [28, 28, 1] or [32, 32, 3] or [features]. */
  inputShape: number[];
  numClasses: number;
  train: LabeledSplit;
  test: LabeledSplit;
}

/** A bad input file or field. `file` and `field` name where; the message says what was expected. */
export class DataError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
  ) {
    super(`${file}: ${field}: ${message}`);
    this.name = 'DataError';
  }
}
