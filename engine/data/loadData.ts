// Entry point of the data layer: one loader per configured format, all returning the same
// in-memory DataSource so that nothing downstream cares where the examples came from.
import type { DataConfig } from '../config/configSchema';
import { loadCifar10 } from './cifar10';
import { loadCsv } from './csv';
import type { DataSource } from './dataTypes';
import { loadMnistIdx } from './idx';
import { loadMnistBundled } from './mnistBundled';
import { loadNpy, loadNpz } from './npy';

/**
 * Loads the train and test splits described by `spec`. Relative paths are resolved against
 * `baseDir` (the folder of the config file); `seed` drives any shuffling (bundled MNIST's split).
 * Bad input throws a DataError naming the file and field.
 */
export async function loadData(spec: DataConfig, baseDir: string, seed: number): Promise<DataSource> {
  switch (spec.format) {
    case 'mnist-bundled':
      return loadMnistBundled(spec, seed);
    case 'mnist-idx':
      return loadMnistIdx(spec, baseDir);
    case 'cifar10':
      return loadCifar10(spec, baseDir);
    case 'npz':
      return loadNpz(spec, baseDir);
    case 'npy':
      return loadNpy(spec, baseDir);
    case 'csv':
      return loadCsv(spec, baseDir);
    default: {
      const unknown: never = spec;
      throw new Error(`unknown data format ${(unknown as { format: string }).format}`);
    }
  }
}
