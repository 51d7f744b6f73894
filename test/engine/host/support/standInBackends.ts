// Stand-ins for the native TensorFlow packages, published to a StandInRegistry. A working one registers
// the pure-JS cpu backend under the native name 'tensorflow': tfjs-core keeps its engine and kernel
// registry on globalThis, so its own copies of tfjs-core and tfjs-backend-cpu (served by the registry
// too, packed from this project's node_modules, trimmed to the Node bundle) reach the engine's.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { StandInRegistry } from './standInRegistry';

const localRequire = createRequire(__filename);
const packageDir = (name: string) => path.dirname(localRequire.resolve(`${name}/package.json`));

const TFJS = '4.22.0';

/** Registers the cpu backend and its kernels as 'tensorflow', as tfjs-node's index does with its own. */
const WORKING_INDEX = `
// The engine registered the cpu kernels already; the duplicates only warn, which would flood the log.
const warn = console.warn;
console.warn = () => {};
let tf, cpu;
try {
  tf = require('@tensorflow/tfjs-core');
  cpu = require('@tensorflow/tfjs-backend-cpu');
} finally {
  console.warn = warn;
}
tf.registerBackend('tensorflow', () => new cpu.MathBackendCPU(), 3);
for (const kernel of tf.getKernelsForBackend('cpu')) {
  tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
}
module.exports = tf;
`;

export const CUDA_MISSING = 'libcudart.so.11.0: cannot open shared object file: No such file or directory';

/** tfjs-core, tfjs-backend-cpu and seedrandom: what a working stand-in depends on. */
export function publishTfjsDependencies(registry: StandInRegistry): void {
  const core = packageDir('@tensorflow/tfjs-core');
  registry.publish({
    name: '@tensorflow/tfjs-core',
    version: TFJS,
    main: 'dist/tf-core.node.js',
    copies: { 'dist/tf-core.node.js': path.join(core, 'dist/tf-core.node.js') },
  });
  const cpu = packageDir('@tensorflow/tfjs-backend-cpu');
  registry.publish({
    name: '@tensorflow/tfjs-backend-cpu',
    version: TFJS,
    main: 'dist/tf-backend-cpu.node.js',
    dependencies: { '@tensorflow/tfjs-core': TFJS, seedrandom: '^3.0.5' },
    copies: { 'dist/tf-backend-cpu.node.js': path.join(cpu, 'dist/tf-backend-cpu.node.js') },
  });
  const seedrandom = packageDir('seedrandom');
  const seedVersion = (localRequire('seedrandom/package.json') as { version: string }).version;
  registry.publish({
    name: 'seedrandom',
    version: seedVersion,
    copies: {
      'index.js': path.join(seedrandom, 'index.js'),
      'seedrandom.js': path.join(seedrandom, 'seedrandom.js'),
      lib: path.join(seedrandom, 'lib'),
    },
  });
}

/** A native package stand-in that loads and registers a working 'tensorflow' backend. */
export function publishWorkingNative(registry: StandInRegistry, name: string): void {
  registry.publish({
    name,
    version: TFJS,
    dependencies: { '@tensorflow/tfjs-core': TFJS, '@tensorflow/tfjs-backend-cpu': TFJS },
    files: { 'index.js': WORKING_INDEX },
  });
}

/** A native package stand-in that fails to load as tfjs-node-gpu does without CUDA 11.2. */
export function publishCudaLessNative(registry: StandInRegistry, name: string): void {
  registry.publish({
    name,
    version: TFJS,
    files: { 'index.js': `throw new Error(${JSON.stringify(CUDA_MISSING)});\n` },
  });
}

/** A native package stand-in whose loading never ends, as a library stuck initialising a device. */
export function publishHangingNative(registry: StandInRegistry, name: string): void {
  registry.publish({
    name,
    version: TFJS,
    files: { 'index.js': 'for (;;) {}\n' },
  });
}
