// The extension's engine supervisor against the real engine process (dist/engine.js).
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EngineRequestError,
  EngineSupervisor,
  type EngineExit,
} from '../../extension/engine/engineSupervisor';
import type { EngineMessage } from '../../engine/protocol/engineProtocol';
import { isAlive, requireBuilt, tinyConfig } from '../engine/ipc/engineProcess';

function supervisor(): EngineSupervisor {
  return new EngineSupervisor({ enginePath: requireBuilt('engine.js'), backend: 'wasm', stopGraceMs: 5000 });
}

function nextMessage(
  s: EngineSupervisor,
  match: (m: EngineMessage) => boolean,
  timeoutMs = 60_000,
): Promise<EngineMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for a message')), timeoutMs);
    const on = (m: EngineMessage) => {
      if (!match(m)) return;
      clearTimeout(timer);
      s.off('message', on);
      resolve(m);
    };
    s.on('message', on);
  });
}

const nextExit = (s: EngineSupervisor) => new Promise<EngineExit>((resolve) => s.once('exit', resolve));

describe('extension: EngineSupervisor with the real engine', function () {
  this.timeout(180_000);
  let sup: EngineSupervisor | undefined;
  afterEach(() => sup?.kill());

  it('starts, pauses, resumes, rewinds, exports and stops, leaving no process', async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-sup-'));
    const s = (sup = supervisor());
    const started = await s.start({ config: tinyConfig({ epochsPerRound: 3 }), workDir });
    assert.equal(started.backend.name, 'wasm');
    assert.ok(existsSync(started.runDir));
    const pid = s.pid as number;
    assert.ok(isAlive(pid));

    await nextMessage(s, (m) => m.type === 'progress' && m.epoch === 2);
    const seen: EngineMessage[] = [];
    await s.pause();
    s.on('message', (m) => seen.push(m));
    assert.equal(s.runState, 'paused');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(
      seen.filter((m) => m.type === 'progress').length,
      0,
      'progress after the pause was acknowledged',
    );

    const exported = await s.exportTicket('tickets/t1');
    assert.ok(exported.files.includes('ticket.json'));
    await assert.rejects(
      s.exportTicket('tickets/t1'),
      (e: EngineRequestError) => e.code === 'state' && /already exists/.test(e.message),
    );
    const again = await s.exportTicket('tickets/t1', true);
    assert.equal(again.dir, path.join(workDir, 'tickets/t1'));

    await s.resume();
    await nextMessage(s, (m) => m.type === 'roundEnd' && m.round === 1);
    await nextMessage(s, (m) => m.type === 'progress' && m.round === 2);
    assert.ok(s.rewindTargets.some((t) => t.kind === 'round' && t.round === 1));
    await s.rewind({ kind: 'rewindPoint' });
    await nextMessage(s, (m) => m.type === 'progress' && m.phase === 'ticket');

    const exit = await s.stop();
    assert.ok(exit);
    assert.equal(exit.expected, true);
    assert.equal(isAlive(pid), false);
    assert.equal(s.isRunning, false);
  });

  it('reports a crash (SIGKILL from outside) as unexpected, with the last log lines', async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-sup-'));
    const s = (sup = supervisor());
    const started = await s.start({ config: tinyConfig(), workDir });
    await nextMessage(s, (m) => m.type === 'checkpoint' && m.kind === 'latest');
    const exited = nextExit(s);
    process.kill(s.pid as number, 'SIGKILL');
    const exit = await exited;
    assert.equal(exit.expected, false);
    assert.equal(exit.signal, 'SIGKILL');
    assert.ok(
      exit.lastLines.some((l) => /data: MNIST bundled/.test(l)),
      exit.lastLines.join('\n'),
    );
    assert.equal(s.runState, 'failed');
    // The run can be resumed from its files by a new engine.
    const resumed = await s.start({ config: {}, workDir, resumeRunId: started.runId });
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.runId, started.runId);
    await s.stop();
  });

  it('rejects a bad config with the file and field, and the exit is not a crash', async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-sup-'));
    const s = (sup = supervisor());
    const exited = nextExit(s);
    const file = path.join(workDir, 'sparsity.json');
    await assert.rejects(
      s.start({
        config: tinyConfig({ data: { format: 'mnist-bundled', limit: 'many' } }),
        workDir,
        configFile: file,
      }),
      (e: EngineRequestError) => e.code === 'config' && e.file === file && e.field === 'data.limit',
    );
    const exit = await exited;
    assert.equal(exit.expected, true);
    assert.equal(exit.fatalError?.field, 'data.limit');
    assert.equal(existsSync(path.join(workDir, '.sparsity')), false);
  });

  it('refuses to start a second engine on the same supervisor', async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-sup-'));
    const s = (sup = supervisor());
    await s.start({ config: tinyConfig(), workDir });
    await assert.rejects(s.start({ config: tinyConfig(), workDir }), /already running/);
    await s.stop();
  });
});
