// An IMP search through the real session, in this process: exact kept counts per round, survivors
// rewound to the rewind point with a fresh optimiser between rounds, and a ticket whose exported
// kernels are exactly the rewound W * mask.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../../engine/backend/selectBackend';
import type { EngineMessage, EngineMessageOf } from '../../../engine/protocol/engineProtocol';
import { openSession } from '../../../engine/session/openSession';
import { loadLayersModelFiles } from '../../../engine/ticket/layersModelFiles';
import { decodeSafetensors, type NamedArray } from '../../../engine/ticket/safetensors';
import { tinyConfig } from '../../support/tinySearch';

const byName = (tensors: NamedArray[]) => new Map(tensors.map((t) => [t.name, t]));
const snapshot = (runDir: string, name: string) =>
  byName(decodeSafetensors(readFileSync(path.join(runDir, `${name}.safetensors`))).tensors);
const keptOf = (logits: ArrayLike<number>) => Array.from(logits).filter((s) => s > 0).length;

/** LeNet-300-100's masked kernels. */
const LAYERS = { dense_1: 784 * 300, dense_2: 300 * 100, dense_3: 100 * 10 };

describe('IMP: a search through the session', function () {
  this.timeout(180_000);

  it('prunes 20% per layer per round, rewinds between rounds and exports W * mask', async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-imp-'));
    const messages: EngineMessage[] = [];
    const { session, config } = await openSession({
      config: tinyConfig({ method: 'imp', rounds: 2, rewindEpoch: 1, ticketEpochs: 1, denseBaseline: true }),
      configSource: 'test',
      workDir,
      chooseBackend: () => selectBackend('wasm'),
      emit: (m) => messages.push(m),
      log: () => undefined,
    });
    assert.equal(config.method, 'imp');
    assert.equal(await session.run(), 'finished');
    const of = <K extends EngineMessage['type']>(type: K) =>
      messages.filter((m): m is EngineMessageOf<K> => m.type === type);

    // Round k's ticket has been pruned k - 1 times; the final one `rounds` times.
    const results = of('ticketResult');
    assert.deepEqual(
      results.map((r) => [r.method, r.round, r.kept, r.total, r.trainEpochs]),
      [
        ['imp', 1, 266_200, 266_200, 2],
        ['imp', 2, 188_160 + 24_000 + 800, 266_200, 2],
        ['imp', 3, 150_528 + 19_200 + 640, 266_200, 1],
      ],
    );
    assert.deepEqual(
      results.map((r) => r.keptFraction),
      [1, 0.8, 0.64],
    );
    for (const r of results) assert.ok(r.testAccuracy > 0.3, `round ${r.round}: ${r.testAccuracy}`);
    assert.deepEqual(
      of('roundEnd').map((m) => m.keptFraction),
      [0.8, 0.64],
    );
    const ticket = of('ticket')[0];
    assert.equal(ticket.kept, 170_368);
    assert.equal(ticket.testAccuracy, results[2].testAccuracy);
    assert.ok(ticket.denseTestAccuracy !== null);

    // The views' messages look as they do for CS: temperature 1, no penalty, binary histograms.
    for (const p of of('progress')) assert.deepEqual([p.temperature, p.penalty], [1, 0]);
    const stats = of('layerStats').filter((m) => m.epochEnd && m.phase === 'search' && m.round === 2);
    for (const layer of stats[0].layers) {
      const { counts } = layer.histogram;
      assert.deepEqual(
        [counts[0], counts[counts.length - 1], layer.meanMask],
        [layer.total - layer.kept, layer.kept, layer.kept / layer.total],
      );
    }
    assert.deepEqual(
      stats[0].layers.map((l) => l.kept),
      [188_160, 24_000, 800],
    );

    // Between rounds every weight is back at the rewind point, and the optimiser starts afresh.
    const runDir = session.runDir;
    const rewind = snapshot(runDir, 'rewind');
    const round1 = snapshot(runDir, 'round-1');
    for (const [name, w] of rewind) assert.deepEqual(round1.get(`weights/${name}`)?.data, w.data, name);
    for (const [name, t] of round1) {
      if (name.startsWith('weightOpt/'))
        assert.ok(
          t.data.every((v) => v === 0),
          `${name} reset`,
        );
    }
    assert.deepEqual(
      Object.keys(LAYERS).map((l) => keptOf(round1.get(`masks/${l}`)?.data ?? [])),
      [188_160, 24_000, 800],
    );

    // The ticket: ticket.json counts the masks' ones, and model/ holds exactly rewound W * mask.
    const { dir } = await session.exportTicket({});
    const manifest = JSON.parse(readFileSync(path.join(dir, 'ticket.json'), 'utf8')) as {
      kept: number;
      density: number;
      maskConvention: { maskScale: number };
      hyperparameters: { method: string; imp: { pruneFraction: number; scope: string } };
      layers: { name: string; kept: number; density: number }[];
    };
    assert.equal(manifest.maskConvention.maskScale, 1);
    assert.deepEqual(manifest.hyperparameters.imp, { pruneFraction: 0.2, scope: 'layer' });
    const masks = byName(decodeSafetensors(readFileSync(path.join(dir, 'masks.safetensors'))).tensors);
    const rewound = byName(
      decodeSafetensors(readFileSync(path.join(dir, 'rewound_weights.safetensors'))).tensors,
    );
    const model = await loadLayersModelFiles(path.join(dir, 'model'));
    for (const layer of manifest.layers) {
      const mask = masks.get(layer.name)?.data as Uint8Array;
      const ones = mask.reduce((a, b) => a + b, 0);
      assert.equal(layer.kept, ones, layer.name);
      assert.equal(layer.density, ones / mask.length, layer.name);
      const raw = rewound.get(`${layer.name}/kernel`)?.data as Float32Array;
      const kernel = (await model.getLayer(layer.name).getWeights()[0].data()) as Float32Array;
      for (let i = 0; i < kernel.length; i++) {
        if (kernel[i] !== (mask[i] ? raw[i] : 0))
          assert.fail(`${layer.name}[${i}]: ${kernel[i]} != ${raw[i]} * ${mask[i]}`);
      }
    }
    assert.equal(manifest.kept, 170_368);
    model.dispose();
    session.dispose();
  });
});
