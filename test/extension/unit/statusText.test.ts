import { strict as assert } from 'node:assert';
import type { LiveStatus } from '../../../extension/run/liveStatus';
import {
  describeEta,
  describeRewindTarget,
  describeSpeed,
  progressMessage,
  statusBarText,
} from '../../../extension/run/statusText';

const running: LiveStatus = {
  state: 'running',
  rewindTargets: [],
  position: {
    phase: 'search',
    round: 1,
    rounds: 2,
    epoch: 3,
    epochs: 4,
    stepInEpoch: 10,
    stepsPerEpoch: 110,
  },
  keptFraction: 0.37732,
  samplesPerSecond: 1826.9,
  etaSeconds: 65,
};

describe('statusText', () => {
  it('shows state, round and epoch, kept % and speed in the status bar', () => {
    assert.equal(
      statusBarText(running),
      '$(sync~spin) Sparsity: running · round 1/2 · epoch 3/4 · kept 37.7% · 1,827 samples/s',
    );
  });

  it('says which backend the speed was reached on, once the engine has said', () => {
    const withBackend: LiveStatus = {
      ...running,
      backend: { name: 'wasm', choice: 'auto', device: 'Xeon, 1 thread', notUsed: [] },
    };
    assert.equal(
      statusBarText(withBackend),
      '$(sync~spin) Sparsity: running · round 1/2 · epoch 3/4 · kept 37.7% · 1,827 samples/s on wasm',
    );
  });

  it('names the ticket and dense phases, and drops the speed while paused', () => {
    const paused: LiveStatus = {
      ...running,
      state: 'paused',
      position: { ...running.position!, phase: 'ticket', epoch: 2 },
    };
    assert.equal(statusBarText(paused), '$(debug-pause) Sparsity: paused · ticket epoch 2/4 · kept 37.7%');
  });

  it('shows the ticket once finished, and just the state when idle or starting', () => {
    const finished: LiveStatus = {
      ...running,
      state: 'finished',
      ticket: { keptFraction: 0.1618, testAccuracy: 0.95, denseTestAccuracy: 0.94 },
    };
    assert.equal(statusBarText(finished), '$(pass) Sparsity: finished · ticket kept 16.2% · test 95.0%');
    assert.equal(
      statusBarText({ state: 'idle', rewindTargets: [], keptFraction: 0.2 }),
      '$(beaker) Sparsity: idle',
    );
    assert.equal(
      statusBarText({ state: 'starting', rewindTargets: [] }),
      '$(loading~spin) Sparsity: starting',
    );
  });

  it('writes the progress notification line with an ETA', () => {
    assert.equal(progressMessage(running), 'round 1/2 · epoch 3/4 · kept 37.7% · ETA 1m 05s');
    assert.match(progressMessage({ state: 'starting', rewindTargets: [] }), /starting/);
    assert.equal(
      progressMessage({ ...running, state: 'paused' }),
      'paused · round 1/2 · epoch 3/4 · kept 37.7%',
    );
  });

  it('formats speeds and durations', () => {
    assert.equal(describeSpeed(12345.6), '12,346 samples/s');
    assert.equal(describeEta(7.4), '7s');
    assert.equal(describeEta(3725), '1h 02m');
  });

  it('says what each rewind target does', () => {
    assert.deepEqual(describeRewindTarget({ kind: 'rewindPoint' }), {
      label: 'Rewind point',
      detail: 'Binarise the current masks, rewind the weights and train the ticket',
    });
    assert.deepEqual(describeRewindTarget({ kind: 'round', round: 2 }), {
      label: 'End of round 2',
      detail: "Restore that round's masks and weights and continue the search",
    });
  });
});
