#!/usr/bin/env node
// Bundles the tests that run inside VS Code's extension host (test/e2e/host/index.ts) into
// out/e2e/hostTests.js, the module the workbench URL's extensionTestsPath names. Why a bundle: the
// extension host loads plain CommonJS, not TypeScript. `vscode` is the host's own module and stays
// external. Mocha is bundled in: mocha 12 is an ES module package whose CommonJS entry itself requires
// ES modules, which would lean on Node's require(esm) inside VS Code's patched module loader.
// Usage: node scripts/e2e/buildHostTests.mjs   (prints the bundle's path)
import * as esbuild from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const hostTestsBundle = path.join(root, 'out/e2e/hostTests.js');

export async function buildHostTests() {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['test/e2e/host/index.ts'],
    outfile: hostTestsBundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
    // Mocha's parallel mode resolves its worker files by path; the in-host run is serial and never
    // loads them, so the warning that they cannot be bundled is noise.
    logOverride: { 'require-resolve-not-external': 'silent' },
    external: ['vscode'],
  });
  return hostTestsBundle;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(await buildHostTests());
  } catch (e) {
    console.error(`build-host-tests: ${e?.message ?? e}`);
    process.exit(1);
  }
}
