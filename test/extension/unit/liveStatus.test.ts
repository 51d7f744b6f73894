import { strict as assert } from 'node:assert';
import type { EngineMessage } from '../../../engine/protocol/engineProtocol';
import {
  applyEngineMessage,
  canExport,
  canPause,
  canResume,
  canRewind,
  canStop,
  isLive,
  overallFraction,
  planOf,
  startingStatus,
  withExit,
  withStarted,
  type LiveStatus,
} from '../../../extension/run/liveStatus';

const CONFIG = { rounds: 2, epochsPerRound: 4, ticketEpochs: 4, denseBaseline: true, ticketsDir: 'out' };
const started = (): LiveStatus =>
  withStarted(startingStatus(), {
    runId: 'r1',
    runDir: '/w/.sparsity/runs/r1',
    model: 'LeNet',
    data: 'MNIST',
    resumed: false,
    config: CONFIG,
  });

const progress = (over: Partial<Extract<EngineMessage, { type: 'progress' }>>): EngineMessage => ({
  type: 'progress',
  phase: 'search',
  round: 1,
  rounds: 2,
  epoch: 1,
  epochs: 4,
  step: 0,
  stepInEpoch: 0,
  stepsPerEpoch: 100,
  temperature: 1,
  learningRate: 0.1,
  crossEntropy: 1,
  penalty: 0,
  trainAccuracy: 0.5,
  keptFraction: 0.9,
  samplesPerSecond: 1000,
  etaSeconds: 60,
  ...over,
});

const fold = (status: LiveStatus, ...messages: EngineMessage[]) =>
  messages.reduce(applyEngineMessage, status);

describe('liveStatus', () => {
  it('goes from starting to running on `started`, with the plan from the resolved config', () => {
    const s = started();
    assert.equal(s.state, 'running');
    assert.equal(s.runId, 'r1');
    assert.deepEqual(s.plan, {
      rounds: 2,
      epochsPerRound: 4,
      ticketEpochs: 4,
      denseBaseline: true,
      ticketsDir: 'out',
    });
    assert.equal(planOf({ rounds: 'x' }), undefined);
    assert.equal(planOf(null), undefined);
  });

  it('keeps a paused state that arrived before `started`', () => {
    const paused = applyEngineMessage(startingStatus(), {
      type: 'state',
      state: 'paused',
      rewindTargets: [],
    });
    assert.equal(
      withStarted(paused, { runId: 'r', runDir: 'd', model: 'm', data: 'd', resumed: true, config: CONFIG })
        .state,
      'paused',
    );
  });

  it('follows progress, layer statistics, states and the ticket', () => {
    const s = fold(
      started(),
      progress({ keptFraction: 0.5, samplesPerSecond: 1234, epoch: 2 }),
      {
        type: 'layerStats',
        phase: 'search',
        round: 1,
        rounds: 2,
        epoch: 2,
        epochs: 4,
        step: 1,
        temperature: 1,
        epochEnd: true,
        validationAccuracy: 0.9,
        keptFraction: 0.45,
        kept: 45,
        total: 100,
        layers: [],
      },
      { type: 'state', state: 'paused', rewindTargets: [{ kind: 'rewindPoint' }] },
    );
    assert.equal(s.state, 'paused');
    assert.equal(s.keptFraction, 0.45);
    assert.equal(s.validationAccuracy, 0.9);
    assert.equal(s.samplesPerSecond, 1234);
    assert.equal(s.position?.epoch, 2);
    const done = fold(
      s,
      {
        type: 'ticket',
        kept: 16,
        total: 100,
        keptFraction: 0.16,
        testAccuracy: 0.95,
        denseTestAccuracy: null,
        ticketDir: null,
      },
      { type: 'state', state: 'finished', rewindTargets: [{ kind: 'rewindPoint' }] },
    );
    assert.equal(done.state, 'finished');
    assert.deepEqual(done.ticket, { keptFraction: 0.16, testAccuracy: 0.95, denseTestAccuracy: null });
  });

  it('learns rewind targets from checkpoints between state messages', () => {
    const s = fold(
      started(),
      { type: 'checkpoint', kind: 'latest', round: 1, epoch: 1, path: 'l' },
      { type: 'checkpoint', kind: 'rewind', round: 1, epoch: 2, path: 'r' },
      { type: 'checkpoint', kind: 'round', round: 1, epoch: 4, path: 'r1' },
      { type: 'checkpoint', kind: 'rewind', round: 1, epoch: 2, path: 'r' },
    );
    assert.deepEqual(s.rewindTargets, [{ kind: 'rewindPoint' }, { kind: 'round', round: 1 }]);
    assert.equal(canRewind(s), true);
    assert.equal(canExport(s), true);
  });

  it('allows each command only in the states where the engine accepts it', () => {
    const running = started();
    assert.equal(canPause(running), true);
    assert.equal(canResume(running), false);
    assert.equal(canStop(running), true);
    // No ticket before the rewind point exists.
    assert.equal(canExport(running), false);
    assert.equal(canRewind(running), false);
    const paused = fold(running, {
      type: 'state',
      state: 'paused',
      rewindTargets: [{ kind: 'round', round: 1 }],
    });
    assert.equal(canPause(paused), false);
    assert.equal(canResume(paused), true);
    assert.equal(canRewind(paused), true);
    assert.equal(canExport(paused), false);
    const stopping = fold(paused, { type: 'state', state: 'stopped', rewindTargets: [] });
    assert.equal(stopping.state, 'stopping');
    assert.equal(canStop(stopping), false);
    assert.equal(isLive(stopping), true);
  });

  it('ends idle after an expected exit and failed after a crash or a fatal error', () => {
    const s = started();
    assert.equal(withExit(s, { expected: true }).state, 'idle');
    const crashed = withExit(s, { expected: false });
    assert.equal(crashed.state, 'failed');
    assert.equal(crashed.failure, 'the engine stopped unexpectedly');
    assert.deepEqual(crashed.rewindTargets, []);
    assert.equal(isLive(crashed), false);
    const fatal = withExit(s, { expected: true, failure: 'bad data' });
    assert.equal(fatal.state, 'failed');
    assert.equal(fatal.failure, 'bad data');
    assert.equal(
      canExport(
        withExit(fold(s, { type: 'checkpoint', kind: 'rewind', round: 1, epoch: 2, path: 'r' }), {
          expected: true,
        }),
      ),
      false,
    );
  });

  it('measures overall progress over the search rounds, the ticket and the dense baseline', () => {
    const s = started();
    // 2 rounds x 4 epochs + 4 ticket + 4 dense = 16 epochs.
    assert.equal(overallFraction(s), undefined);
    assert.equal(overallFraction(fold(s, progress({ round: 1, epoch: 1, stepInEpoch: 0 }))), 0);
    assert.equal(overallFraction(fold(s, progress({ round: 2, epoch: 1, stepInEpoch: 50 }))), 4.5 / 16);
    assert.equal(
      overallFraction(fold(s, progress({ phase: 'ticket', round: 2, epoch: 2, stepInEpoch: 0 }))),
      9 / 16,
    );
    assert.equal(
      overallFraction(fold(s, progress({ phase: 'dense', round: 2, epoch: 4, stepInEpoch: 100 }))),
      1,
    );
  });
});
