// Named starting points for a config. `quick` is what `npm start` runs: a real but short search on the
// bundled MNIST that finishes in a few minutes on two CPU cores.
export const PRESETS: Record<string, Record<string, unknown>> = {
  quick: {
    model: 'lenet-300-100',
    data: { format: 'mnist-bundled' },
    validationSize: 1000,
    rounds: 2,
    epochsPerRound: 4,
    ticketEpochs: 4,
    rewindEpoch: 1,
    batchSize: 64,
    learningRate: 0.05,
    maskLearningRate: 0.05,
    lambda: 1e-8,
    denseBaseline: true,
  },
  reference: {},
};

export const PRESET_NAMES = Object.keys(PRESETS);
