// Writes a ticket folder: ticket.json, runnable TF.js models (mask and scale folded in), the masks
// and raw weights as safetensors for PyTorch/NumPy, and a README. The folder is built under a
// temporary name and renamed into place, so a reader never sees half a ticket.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { writeFolderAtomic } from '../fsutil/atomicWrite';
import { saveLayersModelFiles } from './layersModelFiles';
import { encodeSafetensors, type NamedArray } from './safetensors';
import { TICKET_FORMAT_VERSION, type TicketManifest } from './ticketManifest';
import { ticketReadme } from './ticketReadme';

export interface TicketArtifacts {
  manifest: TicketManifest;
  /**
   * Rewound weights with the hard mask and maskScale folded in, so it computes the same function
   * as the engine's ticket at the rewind point.
   */
  rewoundModel: tfl.LayersModel;
  /** The retrained ticket, mask and scale folded in. */
  trainedModel?: tfl.LayersModel;
  /** U8 0/1 masks, one per masked layer, named by layer. */
  masks: NamedArray[];
  /** Raw W of every weight at the rewind point, unmasked and unscaled. */
  rewoundWeights: NamedArray[];
  /** Raw W of every weight after retraining, unmasked and unscaled. */
  trainedWeights?: NamedArray[];
}

export interface ExportOptions {
  overwrite: boolean;
}

export interface ExportResult {
  /** Absolute path of the ticket folder. */
  dir: string;
  /** Every file written, relative to `dir`, '/'-separated, sorted. */
  files: string[];
}

export const TICKET_FILES = {
  manifest: 'ticket.json',
  readme: 'README.md',
  model: 'model',
  trainedModel: 'trained-model',
  masks: 'masks.safetensors',
  rewoundWeights: 'rewound_weights.safetensors',
  trainedWeights: 'trained_weights.safetensors',
} as const;

/** Relative density values are floats computed elsewhere; anything closer than this is equal. */
const DENSITY_TOLERANCE = 1e-9;

function countNonZero(data: NamedArray['data']): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) n++;
  return n;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Internal-consistency guard: the numbers in ticket.json must describe the masks actually written.
 * A mismatch means a bug upstream, and a ticket that lies about its sparsity is worse than none.
 */
export function checkTicketConsistency(artifacts: TicketArtifacts): void {
  const { manifest, masks } = artifacts;
  const masksByName = new Map<string, NamedArray>();
  for (const m of masks) {
    if (masksByName.has(m.name)) throw new Error(`ticket: two masks are named '${m.name}'`);
    masksByName.set(m.name, m);
  }
  const layerNames = new Set(manifest.layers.map((l) => l.name));
  for (const name of masksByName.keys()) {
    if (!layerNames.has(name)) throw new Error(`ticket: mask '${name}' has no entry in manifest.layers`);
  }

  let kept = 0;
  let total = 0;
  for (const layer of manifest.layers) {
    const mask = masksByName.get(layer.name);
    if (!mask) throw new Error(`ticket: layer '${layer.name}' has no mask`);
    if (mask.dtype !== 'U8') throw new Error(`ticket: mask '${layer.name}' is ${mask.dtype}, expected U8`);
    if (!sameShape(mask.shape, layer.shape)) {
      throw new Error(
        `ticket: mask '${layer.name}' has shape [${mask.shape.join(',')}], manifest says [${layer.shape.join(',')}]`,
      );
    }
    for (let i = 0; i < mask.data.length; i++) {
      if (mask.data[i] > 1)
        throw new Error(`ticket: mask '${layer.name}' holds ${mask.data[i]} at ${i}, not 0/1`);
    }
    const nonZero = countNonZero(mask.data);
    if (nonZero !== layer.kept) {
      throw new Error(`ticket: layer '${layer.name}' kept = ${layer.kept} but its mask has ${nonZero} ones`);
    }
    if (layer.total !== mask.data.length) {
      throw new Error(
        `ticket: layer '${layer.name}' total = ${layer.total} but its mask has ${mask.data.length} entries`,
      );
    }
    if (Math.abs(layer.density - nonZero / mask.data.length) > DENSITY_TOLERANCE) {
      throw new Error(
        `ticket: layer '${layer.name}' density = ${layer.density}, mask gives ${nonZero / mask.data.length}`,
      );
    }
    kept += nonZero;
    total += mask.data.length;
  }
  if (manifest.kept !== kept)
    throw new Error(`ticket: manifest kept = ${manifest.kept}, layers sum to ${kept}`);
  if (manifest.total !== total)
    throw new Error(`ticket: manifest total = ${manifest.total}, layers sum to ${total}`);
  const density = total === 0 ? 0 : kept / total;
  if (Math.abs(manifest.density - density) > DENSITY_TOLERANCE) {
    throw new Error(`ticket: manifest density = ${manifest.density}, layers give ${density}`);
  }
  if (manifest.formatVersion !== TICKET_FORMAT_VERSION) {
    throw new Error(
      `ticket: formatVersion ${manifest.formatVersion}, this engine writes ${TICKET_FORMAT_VERSION}`,
    );
  }

  checkMaskFolded(artifacts.rewoundModel, 'rewoundModel', masksByName);
  if (artifacts.trainedModel) checkMaskFolded(artifacts.trainedModel, 'trainedModel', masksByName);
}

/**
 * The exported models must run as the ticket without any mask logic, so every pruned kernel entry
 * has to be exactly zero there. Catches a model exported before the mask was folded in.
 */
function checkMaskFolded(model: tfl.LayersModel, which: string, masks: Map<string, NamedArray>): void {
  for (const [name, mask] of masks) {
    let layer: tfl.layers.Layer;
    try {
      layer = model.getLayer(name);
    } catch {
      throw new Error(`ticket: ${which} has no layer '${name}'`);
    }
    const kernel = layer.getWeights()[0];
    if (!kernel || !sameShape(kernel.shape, mask.shape)) {
      throw new Error(
        `ticket: ${which} layer '${name}' kernel shape does not match its mask [${mask.shape.join(',')}]`,
      );
    }
    const values = kernel.dataSync();
    for (let i = 0; i < values.length; i++) {
      if (mask.data[i] === 0 && values[i] !== 0) {
        throw new Error(
          `ticket: ${which} layer '${name}' has weight ${values[i]} at ${i} where the mask is 0`,
        );
      }
    }
  }
}

function safetensorsMetadata(manifest: TicketManifest, content: string): Record<string, string> {
  return {
    producer: `sparsity-lab ${manifest.engineVersion}`,
    ticketFormatVersion: String(TICKET_FORMAT_VERSION),
    runId: manifest.runId,
    content,
    maskScale: String(manifest.maskConvention.maskScale),
  };
}

async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fsp.readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(root, child)));
    else out.push(child);
  }
  return out.sort();
}

function fileDescriptions(artifacts: TicketArtifacts): Record<string, string> {
  const files: Record<string, string> = {
    [TICKET_FILES.manifest]: 'This manifest.',
    [TICKET_FILES.readme]: 'How to load the ticket in TF.js and PyTorch/NumPy.',
    [`${TICKET_FILES.model}/model.json`]:
      'TF.js Layers model at the rewind point, mask and maskScale folded in (tf.loadLayersModel).',
    [`${TICKET_FILES.model}/weights.bin`]: 'Weights of model/model.json.',
    [TICKET_FILES.masks]: 'Binary masks (U8 0/1), one per masked layer, named by layer.',
    [TICKET_FILES.rewoundWeights]: 'Raw weights at the rewind point, unmasked and unscaled.',
  };
  if (artifacts.trainedModel) {
    files[`${TICKET_FILES.trainedModel}/model.json`] =
      'TF.js Layers model of the retrained ticket, mask and maskScale folded in.';
    files[`${TICKET_FILES.trainedModel}/weights.bin`] = 'Weights of trained-model/model.json.';
  }
  if (artifacts.trainedWeights) {
    files[TICKET_FILES.trainedWeights] = 'Raw weights of the retrained ticket, unmasked and unscaled.';
  }
  return files;
}

/** Write the ticket folder `dir` atomically. The manifest's `files` is replaced by what is written. */
export async function exportTicket(
  dir: string,
  artifacts: TicketArtifacts,
  opts: ExportOptions,
): Promise<ExportResult> {
  checkTicketConsistency(artifacts);
  // Encode before touching the disk so invalid tensors fail without leaving anything behind.
  const masks = encodeSafetensors(artifacts.masks, safetensorsMetadata(artifacts.manifest, 'masks'));
  const rewound = encodeSafetensors(
    artifacts.rewoundWeights,
    safetensorsMetadata(artifacts.manifest, 'rewound_weights'),
  );
  const trained = artifacts.trainedWeights
    ? encodeSafetensors(artifacts.trainedWeights, safetensorsMetadata(artifacts.manifest, 'trained_weights'))
    : undefined;
  const manifest: TicketManifest = { ...artifacts.manifest, files: fileDescriptions(artifacts) };

  const finalDir = path.resolve(dir);
  let written: string[] = [];
  await writeFolderAtomic(
    finalDir,
    async (tmp) => {
      await fsp.writeFile(path.join(tmp, TICKET_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
      await fsp.writeFile(path.join(tmp, TICKET_FILES.readme), ticketReadme(manifest));
      await saveLayersModelFiles(artifacts.rewoundModel, path.join(tmp, TICKET_FILES.model));
      if (artifacts.trainedModel) {
        await saveLayersModelFiles(artifacts.trainedModel, path.join(tmp, TICKET_FILES.trainedModel));
      }
      await fsp.writeFile(path.join(tmp, TICKET_FILES.masks), masks);
      await fsp.writeFile(path.join(tmp, TICKET_FILES.rewoundWeights), rewound);
      if (trained) await fsp.writeFile(path.join(tmp, TICKET_FILES.trainedWeights), trained);
      written = await listFiles(tmp);
      // Guard the manifest's own promise: it lists exactly the files in the folder.
      const listed = Object.keys(manifest.files).sort();
      if (listed.join('\n') !== written.join('\n')) {
        throw new Error(`ticket: wrote [${written.join(', ')}] but ticket.json lists [${listed.join(', ')}]`);
      }
    },
    opts,
  );
  return { dir: finalDir, files: written };
}
