// The engine <-> host protocol with the real engine process: start, pause within a step, export while
// paused, resume, rewind to a round and to the rewind point, stop; and the errors it must answer with.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROTOCOL_VERSION } from '../../../engine/protocol/engineProtocol';
import { decodeSafetensors } from '../../../engine/ticket/safetensors';
import { EngineProcess, isAlive, isType, tinyConfig } from './engineProcess';

describe('engine process: protocol round trip', function () {
  this.timeout(180_000);
  let engine: EngineProcess | undefined;
  afterEach(() => engine?.kill());

  it('starts, pauses within a step, exports, resumes, rewinds and stops', async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-ipc-'));
    engine = new EngineProcess();
    const e = engine;
    const ready = await e.waitFor(isType('ready'));
    assert.equal(ready.protocolVersion, PROTOCOL_VERSION);
    assert.equal(ready.backend.name, 'wasm');

    const startId = e.send({
      type: 'start',
      protocolVersion: PROTOCOL_VERSION,
      config: tinyConfig({ epochsPerRound: 3 }),
      workDir,
    });
    const started = await e.waitFor(isType('started', (m) => m.inReplyTo === startId));
    assert.match(started.runId, /^\d{8}-\d{6}-[0-9a-f]{6}$/);
    await e.waitFor(isType('progress', (m) => m.phase === 'search' && m.epoch === 2));

    // Pause: acknowledged once the step in flight ends; no progress after the acknowledgement.
    const pauseId = e.send({ type: 'pause' });
    const paused = await e.waitFor(isType('state', (m) => m.state === 'paused' && m.inReplyTo === pauseId));
    const ackIndex = e.messages.indexOf(paused);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(
      e.messages.slice(ackIndex + 1).filter((m) => m.type === 'progress' || m.type === 'layerStats'),
      [],
      'training went on after the pause was acknowledged',
    );
    assert.deepEqual(paused.rewindTargets, [{ kind: 'rewindPoint' }]);

    // Export while paused: the ticket's kept counts equal the non-zeros of its masks.
    const exportId = e.send({ type: 'export', dir: 'tickets/paused' });
    const exported = await e.waitFor(isType('exported', (m) => m.inReplyTo === exportId));
    assert.equal(exported.dir, path.join(workDir, 'tickets/paused'));
    const manifest = JSON.parse(readFileSync(path.join(exported.dir, 'ticket.json'), 'utf8')) as {
      kept: number;
      layers: { name: string; kept: number }[];
    };
    const masks = decodeSafetensors(readFileSync(path.join(exported.dir, 'masks.safetensors')));
    let nonZero = 0;
    for (const t of masks.tensors) {
      let n = 0;
      for (const v of t.data) n += v === 0 ? 0 : 1;
      assert.equal(n, manifest.layers.find((l) => l.name === t.name)?.kept, `kept count of ${t.name}`);
      nonZero += n;
    }
    assert.equal(nonZero, manifest.kept);
    assert.ok(manifest.kept > 0);

    // The run's own record has where each engine started and where its ticket went, so a view that
    // reads the run back (after a reload, say) shows both.
    const recorded = readFileSync(path.join(started.runDir, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; runId?: string; dir?: string });
    assert.equal(recorded[0].type, 'started');
    assert.equal(recorded[0].runId, started.runId);
    assert.deepEqual(
      recorded.filter((m) => m.type === 'exported').map((m) => m.dir),
      [exported.dir],
    );

    // Exporting twice to the same folder is refused without overwrite.
    const againId = e.send({ type: 'export', dir: 'tickets/paused' });
    const refused = await e.waitFor(isType('error', (m) => m.inReplyTo === againId));
    assert.equal(refused.fatal, false);
    assert.match(refused.message, /already exists/);
    assert.equal(refused.code, 'state');

    const resumeId = e.send({ type: 'resume' });
    await e.waitFor(isType('state', (m) => m.state === 'running' && m.inReplyTo === resumeId));
    const afterResume = e.messages.length;
    await e.waitFor(isType('progress'), 30_000, afterResume);

    // Rewind to the end of round 1: the search continues from round 2, epoch 1.
    await e.waitFor(isType('roundEnd', (m) => m.round === 1));
    await e.waitFor(isType('progress', (m) => m.round === 2 && m.epoch === 2));
    const rewindId = e.send({ type: 'rewind', target: { kind: 'round', round: 1 } });
    const rewound = await e.waitFor(isType('state', (m) => m.inReplyTo === rewindId));
    assert.ok(rewound.rewindTargets.some((t) => t.kind === 'round' && t.round === 1));
    const afterRewind = e.messages.indexOf(rewound);
    const next = await e.waitFor(isType('progress'), 30_000, afterRewind + 1);
    assert.deepEqual([next.phase, next.round, next.epoch], ['search', 2, 1]);

    // Rewind to the rewind point: the ticket trains from the current masks.
    const ticketId = e.send({ type: 'rewind', target: { kind: 'rewindPoint' } });
    const toTicket = await e.waitFor(isType('state', (m) => m.inReplyTo === ticketId));
    const ticketProgress = await e.waitFor(isType('progress'), 30_000, e.messages.indexOf(toTicket) + 1);
    assert.equal(ticketProgress.phase, 'ticket');

    // Stop: answered, and the process is gone.
    const pid = e.child.pid as number;
    e.send({ type: 'stop' });
    await e.waitFor(isType('state', (m) => m.state === 'stopped'));
    const exit = await e.exited;
    assert.equal(exit.code, 0);
    assert.equal(isAlive(pid), false);
    assert.deepEqual(e.invalid, [], 'the engine sent messages that do not match the protocol');
  });

  it('answers a malformed message with a protocol error and keeps running', async () => {
    engine = new EngineProcess();
    await engine.waitFor(isType('ready'));
    engine.child.send({ type: 'pause' }); // no id
    const error = await engine.waitFor(isType('error'));
    assert.equal(error.code, 'protocol');
    assert.equal(error.fatal, false);
    assert.match(error.message, /pause/);
    assert.equal(engine.child.exitCode, null);
  });

  it('rejects a bad config with a message naming the field, and exits non-zero', async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-ipc-'));
    engine = new EngineProcess();
    await engine.waitFor(isType('ready'));
    engine.send({
      type: 'start',
      protocolVersion: PROTOCOL_VERSION,
      config: tinyConfig({ rounds: 0 }),
      workDir,
      configFile: path.join(workDir, 'sparsity.json'),
    });
    const error = await engine.waitFor(isType('error'));
    assert.equal(error.code, 'config');
    assert.equal(error.field, 'rounds');
    assert.equal(error.file, path.join(workDir, 'sparsity.json'));
    assert.equal(error.fatal, true);
    assert.notEqual((await engine.exited).code, 0);
  });

  it('refuses a host speaking another protocol version', async () => {
    engine = new EngineProcess();
    await engine.waitFor(isType('ready'));
    engine.send({
      type: 'start',
      protocolVersion: PROTOCOL_VERSION + 1,
      config: tinyConfig(),
      workDir: os.tmpdir(),
    });
    const error = await engine.waitFor(isType('error'));
    assert.match(error.message, /protocol version/);
    assert.equal(error.fatal, true);
  });
});
