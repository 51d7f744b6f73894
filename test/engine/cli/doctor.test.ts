// `sparsity-lab doctor` as a user runs it, from the built CLI: on a machine without native TensorFlow
// or a GPU adapter it reports wasm, and says for each faster backend why it is not used.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { threadsFor } from '../../../engine/backend/threadCount';
import type { DoctorReport } from '../../../engine/cli/doctorCommand';
import { requireBuilt } from '../ipc/engineProcess';

function doctor(args: string[], cwd: string) {
  return spawnSync(process.execPath, [requireBuilt('cli.js'), 'doctor', ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('CLI: sparsity-lab doctor', function () {
  this.timeout(120_000);
  let cwd: string;

  before(() => {
    cwd = mkdtempSync(path.join(os.tmpdir(), 'sparsity-doctor-'));
  });

  after(() => rmSync(cwd, { recursive: true, force: true }));

  it('--json reports wasm, its device and versions, and why tfjs-node-gpu, tfjs-node and webgpu are not used', () => {
    const r = doctor(['--json'], cwd);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as DoctorReport;
    assert.equal(report.ok, true);
    assert.equal(report.choice, 'auto');
    assert.equal(report.backend, 'wasm');
    // The threads a search gets by default ('auto'): one on a 2-core machine.
    const threads = threadsFor('auto');
    assert.match(report.device ?? '', new RegExp(`\\(${threads} threads?, WebAssembly SIMD\\)$`));
    assert.equal(report.threads, threads);
    assert.deepEqual(
      report.notUsed.map((n) => n.candidate),
      ['tfjs-node-gpu', 'tfjs-node', 'webgpu'],
    );
    assert.match(report.notUsed[0].reason, /^@tensorflow\/tfjs-node-gpu is not installed \(looked in /);
    assert.match(report.notUsed[1].reason, /^@tensorflow\/tfjs-node is not installed \(looked in /);
    // Not installed where this clone has no optional dependencies; installed, with no GPU, in CI.
    assert.match(
      report.notUsed[2].reason,
      /^(@tensorflow\/tfjs-backend-webgpu is not installed \(looked in |Dawn found no GPU adapter \()/,
    );
    const core = report.versions.find((v) => v.package === '@tensorflow/tfjs-core');
    assert.deepEqual(core, { package: '@tensorflow/tfjs-core', version: '4.22.0', source: 'bundled' });
    const webgpu = report.versions.find((v) => v.package === '@tensorflow/tfjs-backend-webgpu');
    assert.equal(
      webgpu?.source === 'found',
      /^Dawn/.test(report.notUsed[2].reason),
      'found iff it got to Dawn',
    );
  });

  it('prints the same for a person, and names a bad --backend', () => {
    const r = doctor([], cwd);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^backend: +wasm \(chosen by auto\)$/m);
    assert.match(r.stdout, /^device: +.+\(1 thread, WebAssembly SIMD\)$/m);
    assert.match(r.stdout, /^versions: +@tensorflow\/tfjs-core +4\.22\.0 \(bundled\)$/m);
    assert.match(
      r.stdout,
      /^faster backends not used:\n {2}tfjs-node-gpu +@tensorflow\/tfjs-node-gpu is not installed/m,
    );
    assert.match(r.stdout, /^ {2}webgpu +\S/m);

    const bad = doctor(['--backend', 'tpu'], cwd);
    assert.equal(bad.status, 1);
    assert.match(
      bad.stderr,
      /backend: expected one of auto, tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu \(got "tpu"\)/,
    );
  });

  it('exits non-zero, saying why, when the backend asked for cannot start', () => {
    const r = doctor(['--backend', 'tfjs-node', '--json'], cwd);
    assert.equal(r.status, 1);
    const report = JSON.parse(r.stdout) as DoctorReport;
    assert.equal(report.ok, false);
    assert.match(
      report.error ?? '',
      /^Backend 'tfjs-node' is unavailable: @tensorflow\/tfjs-node is not installed/,
    );
  });
});
