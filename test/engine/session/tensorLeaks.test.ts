// A search must not leak tensors: a long run (85 epochs x 3 rounds by default) would otherwise grow
// without bound. Through a real search in this process, the live tensor count is read at every epoch
// end; from the second epoch of a phase on it must not change (a tensor leaked per step would add
// tens per epoch). Conv-2 as well as LeNet, so convolution gradients are covered, and IMP too.
import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../engine/backend/selectBackend';
import type { EngineMessage } from '../../../engine/protocol/engineProtocol';
import { openSession } from '../../../engine/session/openSession';
import { tinyConfig } from '../ipc/engineProcess';

interface EpochCount {
  phase: string;
  round: number;
  epoch: number;
  tensors: number;
}

async function tensorsPerEpoch(config: Record<string, unknown>): Promise<EpochCount[]> {
  const counts: EpochCount[] = [];
  const { session } = await openSession({
    config,
    configSource: 'test',
    workDir: mkdtempSync(path.join(os.tmpdir(), 'sparsity-leaks-')),
    chooseBackend: () => selectBackend('wasm'),
    emit: (m: EngineMessage) => {
      if (m.type === 'layerStats' && m.epochEnd) {
        counts.push({ phase: m.phase, round: m.round, epoch: m.epoch, tensors: tf.memory().numTensors });
      }
    },
    log: () => undefined,
  });
  assert.equal(await session.run(), 'finished');
  session.dispose();
  return counts;
}

/** Within each phase and round, every epoch from the second on ends with as many tensors as the second. */
function assertFlat(counts: EpochCount[]): void {
  const groups = new Map<string, EpochCount[]>();
  for (const c of counts)
    groups.set(`${c.phase} ${c.round}`, [...(groups.get(`${c.phase} ${c.round}`) ?? []), c]);
  let compared = 0;
  for (const [group, epochs] of groups) {
    for (const c of epochs.slice(2)) {
      assert.equal(c.tensors, epochs[1].tensors, `${group}: ${JSON.stringify(epochs.map((e) => e.tensors))}`);
      compared++;
    }
  }
  assert.ok(compared >= 4, `only ${compared} epochs compared`);
}

describe('search session: no tensor leaks', function () {
  this.timeout(300_000);

  it('CS on LeNet-300-100: the tensor count is flat from epoch to epoch in every round and the ticket', async () => {
    assertFlat(
      await tensorsPerEpoch(tinyConfig({ epochsPerRound: 5, ticketEpochs: 4, denseBaseline: true })),
    );
  });

  it('CS on Conv-2 (convolution gradients): flat as well', async () => {
    assertFlat(
      await tensorsPerEpoch(
        tinyConfig({
          model: 'conv2',
          data: { format: 'mnist-bundled', limit: 160, testSize: 40 },
          validationSize: 20,
          rounds: 1,
          epochsPerRound: 6,
          ticketEpochs: 0,
          batchSize: 50,
        }),
      ),
    );
  });

  it('IMP: flat across its rounds of training and pruning', async () => {
    assertFlat(
      await tensorsPerEpoch(tinyConfig({ method: 'imp', rounds: 2, epochsPerRound: 5, ticketEpochs: 3 })),
    );
  });
});
