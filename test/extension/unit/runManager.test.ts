import { strict as assert } from 'node:assert';
import { EngineRequestError, type EngineExit } from '../../../extension/engine/engineSupervisor';
import { RunBusyError, RunManager } from '../../../extension/run/runManager';
import { FakeSupervisor } from '../support/fakeSupervisor';

describe('RunManager', () => {
  let fakes: FakeSupervisor[];
  let manager: RunManager;
  const request = { config: { rounds: 1 }, workDir: '/w' };

  beforeEach(() => {
    fakes = [];
    manager = new RunManager((options) => {
      const fake = new FakeSupervisor(options);
      fakes.push(fake);
      return fake;
    });
  });
  afterEach(() => manager.dispose());

  it('starts one search per folder and tracks it from starting to running', async () => {
    const states: string[] = [];
    manager.on('changed', (run) => states.push(run.status.state));
    const starting = manager.start('file:///a', request, { backend: 'wasm' });
    assert.equal(manager.isBusy('file:///a'), true);
    assert.deepEqual(fakes[0].options, { backend: 'wasm' });
    fakes[0].answerStarted();
    const started = await starting;
    assert.equal(started.runId, 'run-1');
    const run = manager.get('file:///a');
    assert.equal(run?.started, true);
    assert.equal(run?.status.runId, 'run-1');
    assert.equal(run?.status.plan?.rounds, 1);
    // `started` comes as a message (a change, still starting) before it answers the request.
    assert.deepEqual(states, ['starting', 'starting', 'running']);
    assert.equal(manager.focus, run);
  });

  it('refuses a second search in the same folder while the first is alive, but not in another folder', async () => {
    void manager.start('file:///a', request, {});
    await assert.rejects(manager.start('file:///a', request, {}), RunBusyError);
    assert.equal(fakes.length, 1);
    void manager.start('file:///b', request, {});
    assert.equal(fakes.length, 2);
    assert.equal(manager.live().length, 2);
    assert.equal(manager.focus?.folder, 'file:///b');
  });

  it('folds engine messages into the status and forwards logs', async () => {
    const logs: string[] = [];
    manager.on('log', (_run, line) => logs.push(line));
    const starting = manager.start('file:///a', request, {});
    fakes[0].answerStarted();
    await starting;
    fakes[0].emit('message', { type: 'state', state: 'paused', rewindTargets: [{ kind: 'rewindPoint' }] });
    fakes[0].emit('log', 'loading data...');
    assert.equal(manager.get('file:///a')?.status.state, 'paused');
    assert.deepEqual(logs, ['loading data...']);
  });

  it('marks a crash as failed, frees the folder, and keeps the failed run in focus', async () => {
    const exits: EngineExit[] = [];
    manager.on('exited', (_run, exit) => exits.push(exit));
    const starting = manager.start('file:///a', request, {});
    fakes[0].answerStarted();
    await starting;
    fakes[0].exit({ code: null, signal: 'SIGSEGV', expected: false, lastLines: ['boom'] });
    assert.equal(exits.length, 1);
    assert.equal(manager.get('file:///a')?.status.state, 'failed');
    assert.equal(manager.isBusy('file:///a'), false);
    assert.equal(manager.focus?.status.state, 'failed');
    const again = manager.start('file:///a', { ...request, resumeRunId: 'run-1' }, {});
    assert.equal(fakes.length, 2);
    assert.equal(fakes[1].requests[0].resumeRunId, 'run-1');
    fakes[1].answerStarted();
    await again;
  });

  it('passes a refused start through and leaves the folder idle once the engine exits', async () => {
    const starting = manager.start('file:///a', request, {});
    const error = new EngineRequestError('config', 'bad', '/w/sparsity.json', 'rounds');
    fakes[0].emit('message', { type: 'error', code: 'config', message: 'bad', fatal: true });
    fakes[0].refuse(error);
    await assert.rejects(starting, (e) => e === error);
    fakes[0].exit({ code: 1, expected: true, fatalError: error });
    assert.equal(manager.get('file:///a')?.status.state, 'idle');
    assert.equal(manager.isBusy('file:///a'), false);
  });

  it('fails a search whose engine reports a fatal error after the start', async () => {
    const starting = manager.start('file:///a', request, {});
    fakes[0].answerStarted();
    await starting;
    const error = new EngineRequestError('data', 'unreadable batch');
    fakes[0].emit('message', { type: 'error', code: 'data', message: 'unreadable batch', fatal: true });
    fakes[0].exit({ code: 1, expected: true, fatalError: error });
    assert.equal(manager.get('file:///a')?.status.state, 'failed');
    assert.equal(manager.get('file:///a')?.status.failure, 'unreadable batch');
  });

  it('kills an engine that never answered the start', async () => {
    const starting = manager.start('file:///a', request, {});
    fakes[0].refuse(new EngineRequestError('timeout', 'the engine did not become ready'));
    await assert.rejects(starting);
    assert.equal(fakes[0].killed, true);
  });

  it('stops a folder gracefully, and kills everything on dispose', async () => {
    const a = manager.start('file:///a', request, {});
    fakes[0].answerStarted();
    await a;
    void manager.start('file:///b', request, {});
    await manager.stop('file:///a');
    assert.equal(fakes[0].stopped, true);
    assert.equal(manager.get('file:///a')?.status.state, 'idle');
    manager.killAll();
    assert.equal(fakes[1].killed, true);
    assert.equal(fakes[0].killed, false);
  });
});
