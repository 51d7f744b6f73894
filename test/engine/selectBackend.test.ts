import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// The wasm test differentiates a convolution: tfjs-core's gradients must be registered, which a
// run of this file alone would otherwise lack.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { cpuModel } from '../../engine/backend/deviceName';
import { selectBackend } from '../../engine/backend/selectBackend';

const localRequire = createRequire(__filename);

function resolvable(name: string): boolean {
  try {
    localRequire.resolve(name, { paths: [process.cwd()] });
    return true;
  } catch {
    return false;
  }
}

/** Writes a stand-in for a native package: node_modules/<name>/{package.json,index.js} under root. */
function fakePackage(root: string, name: string, indexJs: string): string {
  const dir = path.join(root, 'node_modules', ...name.split('/'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '0.0.0', main: 'index.js' }));
  writeFileSync(path.join(dir, 'index.js'), indexJs);
  return dir;
}

describe('selectBackend', function () {
  this.timeout(60_000);
  let previousBackend: string | undefined;
  let tmp: string;

  before(() => {
    previousBackend = tf.engine().backendName as string | undefined;
    tmp = mkdtempSync(path.join(os.tmpdir(), 'sparsity-backend-'));
  });

  after(async () => {
    if (tf.findBackendFactory('tensorflow') !== null) {
      tf.removeBackend('tensorflow');
    }
    if (previousBackend) {
      await tf.setBackend(previousBackend);
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it("'wasm' switches to wasm and adds the gradient kernels it lacks", async () => {
    const { device, ...report } = await selectBackend('wasm');
    // One thread unless asked for more (selectBackend's wasmThreads option).
    assert.equal(device, `${cpuModel()} (1 thread, WebAssembly SIMD)`);
    assert.deepEqual(report, {
      name: 'wasm',
      choice: 'wasm',
      attempts: [{ candidate: 'wasm', ok: true }],
      threads: 1,
    });
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'Conv2DBackpropFilter is registered');
    // The backend really computes: a conv gradient used to throw on wasm.
    const g = tf.tidy(() =>
      tf.grad((f: tf.Tensor) =>
        tf.sum(tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid')),
      )(tf.ones([2, 2, 1, 1])),
    );
    assert.deepEqual(Array.from(g.dataSync()), [9, 9, 9, 9]);
    g.dispose();
  });

  it("'cpu' switches to cpu", async () => {
    const { device, ...report } = await selectBackend('cpu');
    assert.equal(device, `${cpuModel()} (1 thread, JavaScript)`);
    assert.deepEqual(report, {
      name: 'cpu',
      choice: 'cpu',
      attempts: [{ candidate: 'cpu', ok: true }],
      threads: 1,
    });
    assert.equal(tf.getBackend(), 'cpu');
  });

  it("'wasm' runs the thread count asked for, and one thread gives the same numbers as two", async () => {
    const matmul = () =>
      tf.tidy(() => {
        const a = tf.randomNormal([96, 130], 0, 1, 'float32', 5);
        const b = tf.randomNormal([130, 70], 0, 1, 'float32', 6);
        return Array.from(tf.matMul(a, b).dataSync());
      });
    const one = await selectBackend('wasm', undefined, { wasmThreads: 1 });
    assert.equal(one.threads, 1);
    const single = matmul();
    const two = await selectBackend('wasm', undefined, { wasmThreads: 2 });
    assert.equal(two.threads, 2, two.threadsReason);
    assert.match(two.device ?? '', /\(2 threads, WebAssembly SIMD\)$/);
    assert.deepEqual(matmul(), single);
  });

  it("'auto' ends on webgpu or wasm here, saying the native packages are not installed", async function () {
    if (resolvable('@tensorflow/tfjs-node-gpu') || resolvable('@tensorflow/tfjs-node')) {
      this.skip();
    }
    const report = await selectBackend('auto');
    assert.equal(report.choice, 'auto');
    assert.match(
      report.attempts[0].reason ?? '',
      /^@tensorflow\/tfjs-node-gpu is not installed \(looked in /,
    );
    assert.match(report.attempts[1].reason ?? '', /^@tensorflow\/tfjs-node is not installed \(looked in /);
    // webgpu runs where Dawn finds a GPU; otherwise it says why (webgpuAgreement.test.ts checks which).
    const gpu = report.attempts[2].ok;
    assert.equal(report.name, gpu ? 'webgpu' : 'wasm');
    assert.deepEqual(
      report.attempts.map((a) => [a.candidate, a.ok]),
      [['tfjs-node-gpu', false], ['tfjs-node', false], ['webgpu', gpu], ...(gpu ? [] : [['wasm', true]])],
    );
    if (gpu) return;
    assert.match(
      report.attempts[2].reason ?? '',
      /tfjs-backend-webgpu is not installed|found no GPU adapter/,
    );
    assert.equal(report.attempts[3].reason, undefined);
  });

  it("an explicit 'tfjs-node' that is missing throws, naming the choice and the reason", async function () {
    if (resolvable('@tensorflow/tfjs-node')) {
      this.skip();
    }
    const before = tf.getBackend();
    await assert.rejects(selectBackend('tfjs-node'), (err: Error) => {
      assert.match(
        err.message,
        /^Backend 'tfjs-node' is unavailable: @tensorflow\/tfjs-node is not installed/,
      );
      assert.ok(err.message.includes(process.cwd()), err.message);
      return true;
    });
    assert.equal(tf.getBackend(), before, 'a failed choice leaves the backend alone');
  });

  it('looks in nativeBackendPath first and reports a package that fails to load', async () => {
    const root = path.join(tmp, 'broken');
    fakePackage(
      root,
      '@tensorflow/tfjs-node',
      "throw new Error('libtensorflow.so.2: cannot open shared object file');\n",
    );
    await assert.rejects(selectBackend('tfjs-node', root), (err: Error) => {
      assert.match(err.message, /^Backend 'tfjs-node' is unavailable: failed to load .*broken/);
      assert.match(err.message, /libtensorflow\.so\.2: cannot open shared object file/);
      return true;
    });
  });

  it('accepts the package folder itself as nativeBackendPath', async () => {
    const dir = fakePackage(path.join(tmp, 'silent'), '@tensorflow/tfjs-node-gpu', 'module.exports = {};\n');
    await assert.rejects(selectBackend('tfjs-node-gpu', dir), (err: Error) => {
      assert.match(
        err.message,
        /^Backend 'tfjs-node-gpu' is unavailable: @tensorflow\/tfjs-node-gpu loaded but/,
      );
      assert.match(err.message, /registered no 'tensorflow' backend/);
      return true;
    });
  });

  it("finds a backend in the install command's layout, <nativeBackendPath>/<backend>/node_modules", async () => {
    const root = path.join(tmp, 'installed');
    const packages = { 'tfjs-node': '@tensorflow/tfjs-node', webgpu: '@tensorflow/tfjs-backend-webgpu' };
    for (const [backend, name] of Object.entries(packages)) {
      fakePackage(
        path.join(root, backend),
        name,
        `throw new Error('loaded from the ${backend} install folder');\n`,
      );
      const before = tf.getBackend();
      await assert.rejects(selectBackend(backend as 'tfjs-node' | 'webgpu', root), (err: Error) => {
        assert.match(
          err.message,
          new RegExp(`^Backend '${backend}' is unavailable: failed to load .*installed`),
        );
        assert.match(err.message, new RegExp(`loaded from the ${backend} install folder`));
        return true;
      });
      assert.equal(tf.getBackend(), before, 'a failed choice leaves the backend alone');
    }
    // Another backend's folder is not searched for it.
    await assert.rejects(selectBackend('tfjs-node-gpu', root), (err: Error) => {
      assert.match(
        err.message,
        /@tensorflow\/tfjs-node-gpu is not installed \(looked in .*installed.*tfjs-node-gpu/,
      );
      return true;
    });
  });

  it("'auto' takes the first native package that works and records why the GPU one did not", async () => {
    const root = path.join(tmp, 'working');
    fakePackage(root, '@tensorflow/tfjs-node-gpu', "throw new Error('libcudart.so.11.0: not found');\n");
    // A stand-in 'tensorflow' backend: the cpu backend registered under the native name, through the
    // very tfjs-core module instance the engine uses.
    const core = JSON.stringify(localRequire.resolve('@tensorflow/tfjs-core'));
    const cpu = JSON.stringify(localRequire.resolve('@tensorflow/tfjs-backend-cpu'));
    fakePackage(
      root,
      '@tensorflow/tfjs-node',
      `const tf = require(${core});\nconst { MathBackendCPU } = require(${cpu});\n` +
        "tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);\n",
    );
    const report = await selectBackend('auto', root);
    assert.equal(report.name, 'tensorflow');
    assert.equal(tf.getBackend(), 'tensorflow');
    assert.deepEqual(
      report.attempts.map((a) => [a.candidate, a.ok]),
      [
        ['tfjs-node-gpu', false],
        ['tfjs-node', true],
      ],
    );
    assert.match(report.attempts[0].reason ?? '', /failed to load .*libcudart\.so\.11\.0: not found/);
    assert.equal(report.device, `${cpuModel()} (native TensorFlow)`);
  });
});
