// The `threads` setting with the real engine process: 'auto' is one wasm thread per core, an explicit
// count restarts the wasm backend with it before the model is built, and the run says which it got.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_WASM_THREADS, threadsFor } from '../../../engine/backend/threadCount';
import { PROTOCOL_VERSION } from '../../../engine/protocol/engineProtocol';
import { withThreadShare } from '../../../engine/sweep/engineLauncher';
import { EngineProcess, isType, tinyConfig } from './engineProcess';

describe('engine threads', function () {
  this.timeout(120_000);
  let engine: EngineProcess | undefined;
  afterEach(() => engine?.kill());

  it("'auto' is one thread per core but one, shared out among parallel searches", () => {
    const cores = Math.max(1, Math.min(MAX_WASM_THREADS, os.availableParallelism() - 1));
    assert.equal(threadsFor('auto'), cores);
    assert.equal(threadsFor('auto', cores), 1);
    assert.equal(threadsFor('auto', cores * 4), 1, 'never fewer than one');
    assert.equal(threadsFor(3, 8), 3, 'an explicit count is kept');
    assert.deepEqual(withThreadShare({ model: 'lenet-300-100' }, cores), {
      model: 'lenet-300-100',
      threads: 1,
    });
    assert.deepEqual(withThreadShare({ threads: 'auto' }, 1), { threads: cores });
    assert.deepEqual(withThreadShare({ threads: 2 }, 8), { threads: 2 });
  });

  for (const threads of [1, 2] as const) {
    it(`starts the wasm backend with the ${threads} thread(s) the config asks for, and trains`, async () => {
      const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-threads-'));
      engine = new EngineProcess();
      const e = engine;
      const ready = await e.waitFor(isType('ready'));
      assert.equal(ready.backend.threads, threadsFor('auto'));
      const startId = e.send({
        type: 'start',
        protocolVersion: PROTOCOL_VERSION,
        config: tinyConfig({ threads }),
        workDir,
      });
      const started = await e.waitFor(isType('started', (m) => m.inReplyTo === startId));
      assert.equal(started.backend?.name, 'wasm');
      assert.equal(started.backend?.threads, threads);
      const progress = await e.waitFor(isType('progress'));
      assert.ok(Number.isFinite(progress.crossEntropy));
    });
  }
});
