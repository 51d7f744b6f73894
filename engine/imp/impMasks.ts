// IMP's masks live in the masked model's logits (+1 kept, -1 pruned; see KEPT_LOGIT), so that kept
// counts, statistics, snapshots and exports read them as they read CS's. This module moves them
// between the backend and the plain arrays the pruning math works on.
import * as tf from '@tensorflow/tfjs-core';
import { KEPT_LOGIT, PRUNED_LOGIT, type MaskedModel } from '../cs/maskedModel';
import { pruneByMagnitude, type PruneScope } from './magnitudePruning';

/** The binary masks (1 = kept), one per masked layer, in layer order. */
export async function readBinaryMasks(mm: MaskedModel): Promise<Uint8Array[]> {
  return Promise.all(
    mm.masked.map(async (k) => {
      const bits = tf.tidy(() => tf.cast(tf.greater(k.logits, 0), 'int32'));
      const values = await bits.data();
      bits.dispose();
      return Uint8Array.from(values);
    }),
  );
}

export function writeBinaryMasks(mm: MaskedModel, masks: Uint8Array[]): void {
  mm.masked.forEach((k, i) => {
    const logits = Float32Array.from(masks[i], (bit) => (bit ? KEPT_LOGIT : PRUNED_LOGIT));
    tf.tidy(() => k.logits.assign(tf.tensor(logits, k.shape, 'float32')));
  });
}

/** One IMP pruning step on the model's current (trained) kernels. */
export async function pruneModel(mm: MaskedModel, fraction: number, scope: PruneScope): Promise<void> {
  const masks = await readBinaryMasks(mm);
  const weights = await Promise.all(mm.masked.map(async (k) => (await k.weight.data()) as Float32Array));
  writeBinaryMasks(
    mm,
    pruneByMagnitude(
      weights.map((w, i) => ({ weights: w, mask: masks[i] })),
      fraction,
      scope,
    ),
  );
}
