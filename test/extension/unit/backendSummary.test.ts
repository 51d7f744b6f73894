import { strict as assert } from 'node:assert';
import { describeBackend, summariseBackend, whyNotFaster } from '../../../extension/run/backendSummary';
import { withStarted, startingStatus } from '../../../extension/run/liveStatus';

describe('backendSummary', () => {
  const report = {
    name: 'wasm',
    choice: 'auto',
    device: 'Intel(R) Xeon(R) CPU @ 2.20GHz, 1 thread, SIMD',
    threads: 1,
    attempts: [
      { candidate: 'tfjs-node-gpu', ok: false, reason: '@tensorflow/tfjs-node-gpu is not installed' },
      { candidate: 'tfjs-node', ok: false },
      { candidate: 'webgpu', ok: false, reason: `Dawn found no GPU adapter ${'x'.repeat(300)}` },
      { candidate: 'wasm', ok: true },
    ],
  };

  it('names the backend and its device, and why each faster one was not used, in order', () => {
    const summary = summariseBackend(report);
    assert.equal(describeBackend(summary), 'wasm · Intel(R) Xeon(R) CPU @ 2.20GHz, 1 thread, SIMD');
    const why = whyNotFaster(summary);
    assert.deepEqual(why.slice(0, 2), [
      'tfjs-node-gpu: @tensorflow/tfjs-node-gpu is not installed',
      'tfjs-node: unavailable',
    ]);
    assert.equal(why.length, 3);
    assert.ok(why[2].startsWith('webgpu: Dawn found no GPU adapter'));
    assert.ok(why[2].length <= 'webgpu: '.length + 160 && why[2].endsWith('…'), 'long reasons are cut');
  });

  it('says no other backend was tried when the user chose one, and shows a bare name without a device', () => {
    const chosen = summariseBackend({
      name: 'cpu',
      choice: 'cpu',
      attempts: [{ candidate: 'cpu', ok: true }],
    });
    assert.equal(describeBackend(chosen), 'cpu');
    assert.deepEqual(whyNotFaster(chosen), ["no other backend tried: the setting or config asks for 'cpu'"]);
  });

  it("is taken from the engine's started message into the run's status", () => {
    const started = {
      runId: 'r1',
      runDir: '/w/.sparsity/runs/r1',
      model: 'LeNet',
      data: 'MNIST',
      resumed: false,
      config: {},
      backend: report,
    };
    assert.equal(withStarted(startingStatus(), started).backend?.name, 'wasm');
    const { backend: _omitted, ...older } = started;
    assert.equal(withStarted(startingStatus(), older).backend, undefined);
  });
});
