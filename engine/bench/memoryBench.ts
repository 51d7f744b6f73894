// `npm run bench -- --memory`: the engine's memory through a CS search on ResNet-20 at batch 128 for
// 10 epochs (the bundled digits, few of them: memory depends on the model and the batch, not on how
// many batches an epoch has). At every epoch end: live tensors and their bytes, the process's resident
// memory, and the wasm heap (which grows and never shrinks, so its size is the peak of what tensors
// needed). A search that leaks would show the tensor count climbing; a stable one shows it flat.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendReport } from '../backend/selectBackend';
import { runSearchInProcess } from './inProcessSearch';

export interface EpochMemory {
  epoch: number;
  tensors: number;
  tensorBytes: number;
  rssBytes: number;
}

export interface MemoryReport {
  model: string;
  batchSize: number;
  epochs: EpochMemory[];
  peakRssBytes: number;
  /** Tensors at the last epoch end minus at the second (the first one allocates what stays). */
  tensorGrowth: number;
}

export async function benchMemory(chooseBackend: () => Promise<BackendReport>): Promise<MemoryReport> {
  const epochs: EpochMemory[] = [];
  let peakRss = process.memoryUsage().rss;
  // Resident memory can peak inside an epoch: sample it while the search runs, not only at its ends.
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const batchSize = 128;
  const config = {
    model: 'resnet20',
    data: { format: 'mnist-bundled', limit: 400, testSize: 64 },
    validationSize: 80,
    rounds: 1,
    epochsPerRound: 10,
    ticketEpochs: 0,
    batchSize,
  };
  try {
    await runSearchInProcess(config, chooseBackend, (m) => {
      if (m.type !== 'layerStats' || !m.epochEnd) return;
      const memory = tf.memory();
      const rss = process.memoryUsage().rss;
      peakRss = Math.max(peakRss, rss);
      epochs.push({
        epoch: m.epoch,
        tensors: memory.numTensors,
        tensorBytes: memory.numBytes,
        rssBytes: rss,
      });
      process.stderr.write(
        `  epoch ${m.epoch}: ${memory.numTensors} tensors, ${(memory.numBytes / 2 ** 20).toFixed(1)} MiB in tensors, ` +
          `${(rss / 2 ** 20).toFixed(0)} MiB resident\n`,
      );
    });
  } finally {
    clearInterval(sampler);
  }
  const second = epochs[1]?.tensors ?? 0;
  const last = epochs[epochs.length - 1]?.tensors ?? 0;
  return { model: 'resnet20', batchSize, epochs, peakRssBytes: peakRss, tensorGrowth: last - second };
}
