// Ticket binarisation and rewinding, through a real (small) search in this process.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../../engine/backend/selectBackend';
import type { EngineMessage } from '../../../engine/protocol/engineProtocol';
import { openSession } from '../../../engine/session/openSession';
import { loadLayersModelFiles } from '../../../engine/ticket/layersModelFiles';
import { decodeSafetensors, type NamedArray } from '../../../engine/ticket/safetensors';
import { tinyConfig } from '../ipc/engineProcess';

const byName = (tensors: NamedArray[]) => new Map(tensors.map((t) => [t.name, t]));

describe('search session: ticket binarisation and rewinding', function () {
  this.timeout(120_000);

  it('checkpoints at the rewind epoch, then trains the ticket from rewound weights and binary masks', async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-session-'));
    const messages: EngineMessage[] = [];
    const { session } = await openSession({
      // ticketEpochs 0: the ticket is evaluated right after rewinding, so its state can be inspected.
      config: tinyConfig({ ticketEpochs: 0, rewindEpoch: 1 }),
      configSource: 'test',
      workDir,
      chooseBackend: () => selectBackend('wasm'),
      emit: (m) => messages.push(m),
      log: () => undefined,
    });
    assert.equal(await session.run(), 'finished');

    // The rewind checkpoint was taken at the start of epoch index 1 of round 1, i.e. after one epoch.
    const checkpoints = messages.filter((m) => m.type === 'checkpoint');
    const rewindAt = checkpoints.findIndex((m) => m.kind === 'rewind');
    const firstLatest = checkpoints.findIndex((m) => m.kind === 'latest');
    assert.ok(
      firstLatest >= 0 && rewindAt === firstLatest + 1,
      'rewind checkpoint right after the first epoch',
    );

    const runDir = session.runDir;
    const rewind = byName(decodeSafetensors(readFileSync(path.join(runDir, 'rewind.safetensors'))).tensors);
    const final = byName(decodeSafetensors(readFileSync(path.join(runDir, 'latest.safetensors'))).tensors);
    const round2 = byName(decodeSafetensors(readFileSync(path.join(runDir, 'round-2.safetensors'))).tensors);

    // Every weight (kernels, biases) is back at the rewind point.
    for (const [name, w] of rewind)
      assert.deepEqual(final.get(`weights/${name}`)?.data, w.data, `weight ${name} rewound`);
    // The masks are the search's final logits.
    assert.deepEqual(final.get('masks/dense_1')?.data, round2.get('masks/dense_1')?.data);

    // The exported ticket folds 1[s > 0] / sigmoid(0) = 2 * 1[s > 0] into the rewound kernels.
    const { dir } = await session.exportTicket({});
    const exportedModel = await loadLayersModelFiles(path.join(dir, 'model'));
    const kernel = (await exportedModel.getLayer('dense_2').getWeights()[0].data()) as Float32Array;
    const logits = final.get('masks/dense_2')?.data as Float32Array;
    const raw = rewind.get('dense_2/kernel')?.data as Float32Array;
    assert.ok(raw, 'rewound dense_2 kernel in the snapshot');
    let kept = 0;
    for (let i = 0; i < kernel.length; i++) {
      const expected = logits[i] > 0 ? raw[i] * 2 : 0;
      assert.ok(Math.abs(kernel[i] - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `kernel[${i}]`);
      if (logits[i] > 0) kept++;
    }
    const manifest = JSON.parse(readFileSync(path.join(dir, 'ticket.json'), 'utf8')) as {
      layers: { name: string; kept: number }[];
    };
    assert.equal(manifest.layers.find((l) => l.name === 'dense_2')?.kept, kept);
    assert.ok(kept > 0 && kept < kernel.length, 'a real sparsity, neither empty nor dense');

    // The ticket's test accuracy was measured with the binary masks on the rewound weights.
    const ticket = messages.find((m) => m.type === 'ticket');
    assert.ok(ticket && ticket.type === 'ticket' && ticket.testAccuracy > 0.5);
    // ...and reported as CS's ticketResult: the ticket of both search rounds, trained 0 epochs.
    const results = messages.filter((m) => m.type === 'ticketResult');
    assert.deepEqual(
      results.map((r) => [r.method, r.round, r.trainEpochs, r.kept, r.total, r.testAccuracy]),
      [['cs', 2, 0, ticket.kept, ticket.total, ticket.testAccuracy]],
    );
    session.dispose();
    exportedModel.dispose();
  });
});
