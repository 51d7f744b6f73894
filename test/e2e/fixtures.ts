// What the end-to-end workspaces hold; shared by the driver side and the in-host tests.

/**
 * A search that starts in a second or two and trains for a few more (2 CS rounds of 2 epochs on 700
 * digits, one ticket epoch): long enough to pause, short enough for a test.
 */
export const TINY_CONFIG = {
  model: 'lenet-300-100',
  data: { format: 'mnist-bundled', limit: 1000, testSize: 200 },
  validationSize: 100,
  rounds: 2,
  epochsPerRound: 2,
  ticketEpochs: 1,
  rewindEpoch: 0,
  batchSize: 50,
} as const;

export const configText = (config: object) => `${JSON.stringify(config, null, 2)}\n`;

/** The extension's id in VS Code: publisher.name from package.json. */
export const EXTENSION_ID = 'sparsity-lab.sparsity-lab';
