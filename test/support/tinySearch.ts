/**
 * A search small enough for tests: bundled MNIST cut to 1,000 digits (700 train after the validation
 * hold-out), LeNet, 2 CS rounds of 2 epochs and one ticket epoch. It starts in a second or two and
 * trains a few more: long enough to pause, short enough for a test.
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

export function tinyConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...TINY_CONFIG, statsIntervalMs: 10, ...overrides };
}
