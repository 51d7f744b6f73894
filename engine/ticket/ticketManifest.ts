// ticket.json: everything needed to understand an exported ticket without the engine: where it
// came from, how sparse each layer is, how well it did and which file holds what.
import type { SearchConfig, SearchMethodName } from '../config/configSchema';

/** Bumped whenever a reader of an older ticket folder would misread a newer one. */
export const TICKET_FORMAT_VERSION = 1;

export interface TicketLayerSummary {
  /** Layer name in the TF.js model; also the tensor name in masks.safetensors. */
  name: string;
  /** TF.js class name, e.g. "Dense", "Conv2D", "DepthwiseConv2D". */
  kind: string;
  /** Shape of the masked kernel (and of its mask). */
  shape: number[];
  /** Weights the mask keeps (mask == 1). */
  kept: number;
  /** Weights in the kernel. */
  total: number;
  /** kept / total. */
  density: number;
}

export interface MaskConvention {
  /**
   * 1 / sigmoid(s0), s0 = hyperparameters.maskInit. The engine's ticket computes with
   * W * 1[s > 0] * maskScale, as the reference implementation does; with s0 = 0 this is 2.
   */
  maskScale: number;
  /** Plain-language statement of which files have the mask and the scale folded in. */
  text: string;
}

export interface TicketAccuracies {
  /** Test accuracy of the retrained ticket (null when ticketEpochs = 0 or not evaluated). */
  ticketTest: number | null;
  /** Test accuracy of the ticket at the rewind point, before retraining. */
  ticketTestAtRewind?: number | null;
  /** Test accuracy of the dense baseline (null unless denseBaseline was on). */
  denseTest: number | null;
  /** Validation accuracy at the end of the search. */
  searchValidation: number | null;
}

export interface TicketManifest {
  formatVersion: number;
  engineVersion: string;
  runId: string;
  /** ISO 8601 timestamp. */
  createdAt: string;
  /** The TF.js backend that ran the search, e.g. "wasm". */
  backend: string;
  model: {
    name: string;
    description: string;
    inputShape: number[];
    numClasses: number;
  };
  data: {
    description: string;
    trainCount: number;
    validationCount: number;
    testCount: number;
  };
  hyperparameters: SearchConfig;
  maskConvention: MaskConvention;
  layers: TicketLayerSummary[];
  /** Sums over `layers`. */
  kept: number;
  total: number;
  density: number;
  accuracies: TicketAccuracies;
  /** File (relative to the ticket folder) => what it holds. */
  files: Record<string, string>;
}

/** The maskConvention block for a given scale, worded for someone opening the files by hand. */
export function describeMaskConvention(maskScale: number, method: SearchMethodName = 'cs'): MaskConvention {
  if (method === 'imp') {
    return {
      maskScale,
      text:
        'The ticket computes with W * mask (iterative magnitude pruning: binary masks, no scale, so ' +
        'maskScale is 1). model/ and trained-model/ have the mask folded into their kernels and run as ' +
        'is. masks.safetensors holds the binary masks (U8 0/1, one per masked layer, named by layer). ' +
        'rewound_weights.safetensors and trained_weights.safetensors hold the raw, unmasked weights: ' +
        'multiply a masked kernel by its mask to get the ticket.',
    };
  }
  return {
    maskScale,
    text:
      `The ticket computes with W * mask * ${maskScale} (maskScale = 1/sigmoid(maskInit), as in the ` +
      'reference Continuous Sparsification code). model/ and trained-model/ have mask and scale folded ' +
      'into their kernels and run as is. masks.safetensors holds the binary masks (U8 0/1, one per masked ' +
      'layer, named by layer). rewound_weights.safetensors and trained_weights.safetensors hold the raw, ' +
      'unmasked and unscaled weights: multiply a masked kernel by its mask and by maskScale to get the ticket.',
  };
}
