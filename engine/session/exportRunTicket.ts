// Builds a ticket folder from a run as it stands: the current masks (s > 0), the rewound weights and,
// once the ticket has been retrained, its trained weights. Runs between training steps only.
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SearchConfig } from '../config/configSchema';
import type { MaskedModel } from '../cs/maskedModel';
import { removeStaleTempFolders } from '../fsutil/atomicWrite';
import { exportTicket } from '../ticket/exportTicket';
import type { NamedArray } from '../ticket/safetensors';
import { describeMaskConvention, TICKET_FORMAT_VERSION, type TicketManifest } from '../ticket/ticketManifest';
import type { PreparedData } from './prepareRun';
import { assignVariables, readVariables, type NamedVariable } from './variableSnapshots';

export interface ExportRequest {
  /** Absolute or relative to the work dir; default <ticketsDir>/<run-id>. */
  dir?: string;
  overwrite?: boolean;
}

export interface ExportSource {
  config: SearchConfig;
  mm: MaskedModel;
  weightVars: NamedVariable[];
  runId: string;
  workDir: string;
  backend: string;
  engineVersion: string;
  data: PreparedData;
  modelName: string;
  modelDescription: string;
  rewindWeights: NamedArray[] | null;
  trainedWeights: NamedArray[] | null;
  results: {
    searchValidation: number | null;
    ticketTest: number | null;
    ticketTestAtRewind: number | null;
    denseTest: number | null;
  };
}

const CLASS_NAMES = { dense: 'Dense', conv2d: 'Conv2D', depthwiseConv2d: 'DepthwiseConv2D' } as const;

export class ExportError extends Error {}

export function defaultTicketDir(config: SearchConfig, workDir: string, runId: string): string {
  return path.resolve(workDir, config.ticketsDir, runId);
}

export async function exportRunTicket(
  request: ExportRequest,
  src: ExportSource,
): Promise<{ dir: string; files: string[] }> {
  if (!src.rewindWeights) {
    throw new ExportError(
      `no ticket to export yet: the rewind checkpoint is taken at the start of epoch ${src.config.rewindEpoch + 1} of round 1`,
    );
  }
  const masks: NamedArray[] = await Promise.all(
    src.mm.masked.map(async (k) => {
      const binary = tf.tidy(() => tf.cast(tf.greater(k.logits, 0), 'int32'));
      const values = await binary.data();
      binary.dispose();
      return { name: k.layerName, dtype: 'U8' as const, shape: k.shape, data: Uint8Array.from(values) };
    }),
  );
  const layers = src.mm.masked.map((k, i) => {
    let kept = 0;
    for (const bit of masks[i].data) kept += bit;
    return {
      name: k.layerName,
      kind: CLASS_NAMES[k.kind],
      shape: k.shape,
      kept,
      total: k.size,
      density: kept / k.size,
    };
  });
  const kept = layers.reduce((a, l) => a + l.kept, 0);
  const total = layers.reduce((a, l) => a + l.total, 0);

  const rewoundModel = await ticketModelWith(src, src.rewindWeights);
  const trainedModel = src.trainedWeights ? await ticketModelWith(src, src.trainedWeights) : undefined;
  const manifest: TicketManifest = {
    formatVersion: TICKET_FORMAT_VERSION,
    engineVersion: src.engineVersion,
    runId: src.runId,
    createdAt: new Date().toISOString(),
    backend: src.backend,
    model: {
      name: src.modelName,
      description: src.modelDescription,
      inputShape: src.data.inputShape,
      numClasses: src.data.numClasses,
    },
    data: {
      description: src.data.description,
      trainCount: src.data.train.count,
      validationCount: src.data.validation.count,
      testCount: src.data.test.count,
    },
    hyperparameters: src.config,
    maskConvention: describeMaskConvention(src.mm.scale, src.config.method),
    layers,
    kept,
    total,
    density: total ? kept / total : 0,
    accuracies: {
      ticketTest: src.results.ticketTest,
      ticketTestAtRewind: src.results.ticketTestAtRewind,
      denseTest: src.results.denseTest,
      searchValidation: src.results.searchValidation,
    },
    files: {},
  };
  const dir = path.resolve(src.workDir, request.dir ?? defaultTicketDir(src.config, src.workDir, src.runId));
  // An export killed half-way left only a hidden temporary folder; tidy such leftovers first.
  await removeStaleTempFolders(path.dirname(dir)).catch(() => undefined);
  try {
    return await exportTicket(
      dir,
      {
        manifest,
        rewoundModel,
        trainedModel,
        masks,
        rewoundWeights: src.rewindWeights,
        trainedWeights: src.trainedWeights ?? undefined,
      },
      { overwrite: request.overwrite ?? false },
    );
  } finally {
    rewoundModel.dispose();
    trainedModel?.dispose();
  }
}

/**
 * A standalone copy of the model whose kernels are `weights` with the hard mask and scale folded in.
 * The live model is switched to those weights and hard masks just long enough to serialise it (its
 * patched kernels then read as W * mask * scale), and put back as it was.
 */
async function ticketModelWith(src: ExportSource, weights: NamedArray[]): Promise<tfl.LayersModel> {
  const saved = await readVariables('', src.weightVars);
  const mode = src.mm.getMode();
  let artifacts: tf.io.ModelArtifacts | undefined;
  try {
    assignVariables('', src.weightVars, weights, 'export');
    src.mm.setMode({ kind: 'hard' });
    await src.mm.model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
  } finally {
    assignVariables('', src.weightVars, saved, 'export');
    src.mm.setMode(mode);
  }
  if (!artifacts) throw new ExportError('the model could not be serialised');
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts));
}
