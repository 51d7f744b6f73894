import '@tensorflow/tfjs-backend-cpu';
import { strict as assert } from 'node:assert';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { exportTicket, type TicketArtifacts } from '../../../engine/ticket/exportTicket';
import { decodeSafetensors } from '../../../engine/ticket/safetensors';
import type { TicketManifest } from '../../../engine/ticket/ticketManifest';
import { countOnes, makeTicket, namedWeights } from './ticketFixtures';

const ALL_FILES = [
  'README.md',
  'masks.safetensors',
  'model/model.json',
  'model/weights.bin',
  'rewound_weights.safetensors',
  'ticket.json',
  'trained-model/model.json',
  'trained-model/weights.bin',
  'trained_weights.safetensors',
];

async function listTree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    out.push(...(e.isDirectory() ? await listTree(dir, child) : [child]));
  }
  return out.sort();
}

/** Same ticket with a manifest edited by `edit`. */
function withManifest(a: TicketArtifacts, edit: (m: TicketManifest) => TicketManifest): TicketArtifacts {
  return { ...a, manifest: edit(structuredClone(a.manifest)) };
}

describe('exportTicket', () => {
  let root: string;
  before(async () => {
    await tf.setBackend('cpu');
  });
  beforeEach(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'sparsity-ticket-'));
  });
  afterEach(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('writes every file, and only those, into the ticket folder', async () => {
    const { artifacts } = makeTicket();
    const target = path.join(root, 'tickets', 'run-test');
    const result = await exportTicket(target, artifacts, { overwrite: false });
    assert.equal(result.dir, target);
    assert.deepEqual(result.files, ALL_FILES);
    assert.deepEqual(await listTree(target), ALL_FILES);
    assert.deepEqual(await fsp.readdir(path.dirname(target)), ['run-test']);

    const manifest = JSON.parse(
      await fsp.readFile(path.join(target, 'ticket.json'), 'utf8'),
    ) as TicketManifest;
    assert.deepEqual(Object.keys(manifest.files).sort(), ALL_FILES);
    assert.equal(manifest.formatVersion, 1);
    assert.equal(manifest.maskConvention.maskScale, 2);
    assert.deepEqual(manifest.hyperparameters, artifacts.manifest.hyperparameters);
    assert.deepEqual(manifest.layers, artifacts.manifest.layers);

    const readme = await fsp.readFile(path.join(target, 'README.md'), 'utf8');
    assert.match(readme, /tf\.loadLayersModel\(/);
    assert.match(readme, /safetensors\.numpy import load_file/);
    assert.match(readme, /W \* mask \* 2/);
  });

  it('model/ and trained-model/ load with tf.loadLayersModel and predict like the in-memory models', async () => {
    const { artifacts } = makeTicket();
    const target = path.join(root, 't');
    await exportTicket(target, artifacts, { overwrite: false });
    const x = tf.randomNormal([16, 4], 0, 1, 'float32', 1);
    for (const [folder, model] of [
      ['model', artifacts.rewoundModel],
      ['trained-model', artifacts.trainedModel],
    ] as const) {
      assert.ok(model);
      const dir = path.join(target, folder);
      const json = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      const bin = await fsp.readFile(path.join(dir, 'weights.bin'));
      const loaded = await tfl.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0].weights,
          weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
        }),
      );
      const want = (model.predict(x) as tf.Tensor).dataSync();
      const got = (loaded.predict(x) as tf.Tensor).dataSync();
      assert.deepEqual([...got], [...want], folder);
    }
  });

  it('the rewound model equals raw weights * mask * maskScale, as stored in the safetensors files', async () => {
    const { artifacts, rawRewound } = makeTicket();
    const target = path.join(root, 't');
    await exportTicket(target, artifacts, { overwrite: false });
    const masks = decodeSafetensors(await fsp.readFile(path.join(target, 'masks.safetensors')));
    const raw = decodeSafetensors(await fsp.readFile(path.join(target, 'rewound_weights.safetensors')));
    assert.equal(masks.metadata.runId, 'run-test');
    assert.equal(raw.metadata.content, 'rewound_weights');

    // Raw weights come back unmasked, exactly.
    const rawByName = new Map(raw.tensors.map((t) => [t.name, t]));
    for (const w of namedWeights(rawRewound))
      assert.deepEqual([...(rawByName.get(w.name)?.data ?? [])], [...w.data]);

    for (const mask of masks.tensors) {
      const layer = artifacts.manifest.layers.find((l) => l.name === mask.name);
      assert.ok(layer, mask.name);
      assert.equal(mask.dtype, 'U8');
      assert.equal(countOnes(mask.data), layer.kept);
      const kernel = rawByName.get(`${mask.name}/kernel`);
      assert.ok(kernel);
      const folded = artifacts.rewoundModel.getLayer(mask.name).getWeights()[0].dataSync();
      for (let i = 0; i < folded.length; i++) {
        assert.ok(Math.abs(folded[i] - kernel.data[i] * mask.data[i] * 2) < 1e-6, `${mask.name}[${i}]`);
      }
    }
  });

  it('refuses a manifest whose kept count disagrees with the mask, and writes nothing', async () => {
    const { artifacts } = makeTicket();
    const bad = withManifest(artifacts, (m) => {
      m.layers[1].kept += 1;
      m.kept += 1;
      return m;
    });
    await assert.rejects(
      exportTicket(path.join(root, 't'), bad, { overwrite: false }),
      /layer 'fc2' kept = \d+ but its mask has \d+ ones/,
    );
    assert.deepEqual(await fsp.readdir(root), []);
  });

  it('refuses totals that are not the sum of the layers', async () => {
    const { artifacts } = makeTicket();
    const bad = withManifest(artifacts, (m) => ({ ...m, kept: m.kept - 1 }));
    await assert.rejects(
      exportTicket(path.join(root, 't'), bad, { overwrite: false }),
      /manifest kept = \d+, layers sum to \d+/,
    );
    const badTotal = withManifest(artifacts, (m) => ({ ...m, total: m.total + 1 }));
    await assert.rejects(
      exportTicket(path.join(root, 't'), badTotal, { overwrite: false }),
      /manifest total/,
    );
  });

  it('refuses a missing mask, a non-binary mask and a model without the mask folded in', async () => {
    const { artifacts, rawRewound } = makeTicket();
    await assert.rejects(
      exportTicket(
        path.join(root, 't'),
        { ...artifacts, masks: artifacts.masks.slice(1) },
        { overwrite: false },
      ),
      /layer 'fc1' has no mask/,
    );
    const twos = artifacts.masks.map((m) => ({ ...m, data: Uint8Array.from(m.data, (v) => v * 2) }));
    await assert.rejects(
      exportTicket(path.join(root, 't'), { ...artifacts, masks: twos }, { overwrite: false }),
      /not 0\/1/,
    );
    await assert.rejects(
      exportTicket(path.join(root, 't'), { ...artifacts, rewoundModel: rawRewound }, { overwrite: false }),
      /rewoundModel layer 'fc1' has weight .* where the mask is 0/,
    );
    assert.deepEqual(await fsp.readdir(root), []);
  });

  it('refuses to overwrite unless asked, then replaces the ticket', async () => {
    const first = makeTicket(11);
    const second = makeTicket(12);
    const target = path.join(root, 't');
    await exportTicket(target, first.artifacts, { overwrite: false });
    await assert.rejects(
      exportTicket(target, second.artifacts, { overwrite: false }),
      /already exists; refusing to overwrite/,
    );
    const kept = (await fsp.readFile(path.join(target, 'masks.safetensors'))).toString('base64');
    await exportTicket(target, second.artifacts, { overwrite: true });
    const replaced = (await fsp.readFile(path.join(target, 'masks.safetensors'))).toString('base64');
    assert.notEqual(replaced, kept);
    assert.deepEqual(await fsp.readdir(root), ['t']);
  });

  it('omits the trained files when there is no retrained ticket', async () => {
    const { artifacts } = makeTicket();
    const { trainedModel: _m, trainedWeights: _w, ...rewoundOnly } = artifacts;
    const result = await exportTicket(path.join(root, 't'), rewoundOnly, { overwrite: false });
    assert.deepEqual(
      result.files,
      ALL_FILES.filter((f) => !f.startsWith('trained')),
    );
  });
});
