// Which layers Continuous Sparsification puts a mask on. Only kernels are masked, never biases or
// BatchNorm parameters, as in the reference implementation.
import * as tfl from '@tensorflow/tfjs-layers';
import { ModelError } from './modelTypes';

export type MaskableKind = 'dense' | 'conv2d' | 'depthwiseConv2d';

export interface MaskableLayer {
  layerName: string;
  kind: MaskableKind;
  /** The layer's kernel (Dense/Conv2D) or depthwise kernel (DepthwiseConv2D); the very variable it reads. */
  kernel: tfl.LayerVariable;
}

/**
 * tfjs class name -> (our kind, the kernel weight's short name). SeparableConv2D is deliberately not
 * here: it has two kernels (depthwise + pointwise) under one layer name, and masking only one of them
 * would be a surprising half-measure. Users naming one get an error that says so.
 */
const MASKABLE_CLASSES: Record<string, { kind: MaskableKind; weight: string }> = {
  Dense: { kind: 'dense', weight: 'kernel' },
  Conv2D: { kind: 'conv2d', weight: 'kernel' },
  DepthwiseConv2D: { kind: 'depthwiseConv2d', weight: 'depthwise_kernel' },
};

interface WalkedLayer {
  layer: tfl.layers.Layer;
  maskable: MaskableLayer | null;
}

/**
 * Weight names are scoped ("dense_1/kernel", or "outer/dense_1/kernel" in a nested model); the last
 * segment is the name the layer gave the weight. We look weights up by that name rather than reading
 * the layer's private `kernel` field, so no tfjs internals are touched.
 */
function findWeight(layer: tfl.layers.Layer, shortName: string): tfl.LayerVariable | undefined {
  return layer.weights.find((w) => w.originalName.split('/').pop() === shortName);
}

/** Every layer of the model in topological order, descending into nested models (Sequential included). */
function walk(model: tfl.LayersModel, out: WalkedLayer[], seen: Set<tfl.layers.Layer>): void {
  for (const layer of model.layers) {
    if (seen.has(layer)) continue; // a shared layer or nested model is listed once
    seen.add(layer);
    if (layer instanceof tfl.LayersModel) {
      walk(layer, out, seen);
      continue;
    }
    const entry = MASKABLE_CLASSES[layer.getClassName()];
    const kernel = entry ? findWeight(layer, entry.weight) : undefined;
    out.push({
      layer,
      maskable: entry && kernel ? { layerName: layer.name, kind: entry.kind, kernel } : null,
    });
  }
}

function quoteList(names: string[]): string {
  return names.length ? names.map((n) => `"${n}"`).join(', ') : '(none)';
}

/**
 * The layers to mask: by default every Dense/Conv2D/DepthwiseConv2D except `denseByDefault`; a
 * non-empty `include` replaces that default with exactly its names (so it can also select layers the
 * model keeps dense by default); `exclude` then removes names. Results keep the model's layer order.
 * Unknown or non-maskable names throw, listing the maskable names, because a silently ignored typo would
 * make a whole search run with the wrong masks.
 */
export function listMaskableLayers(
  model: tfl.LayersModel,
  denseByDefault: string[],
  include?: string[],
  exclude?: string[],
): MaskableLayer[] {
  const walked: WalkedLayer[] = [];
  walk(model, walked, new Set());
  const maskable = walked.flatMap((w) => (w.maskable ? [w.maskable] : []));
  const maskableNames = maskable.map((m) => m.layerName);

  const duplicate = maskableNames.find((n, i) => maskableNames.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new ModelError(
      `Model "${model.name}" has more than one maskable layer named "${duplicate}" (in nested models); ` +
        'rename them so masks can be addressed by name',
    );
  }

  const describeBadName = (name: string, list: 'includeLayers' | 'excludeLayers' | 'denseByDefault') => {
    const layer = walked.find((w) => w.layer.name === name)?.layer;
    let why: string;
    if (!layer) why = 'there is no layer of that name';
    else if (layer.getClassName() === 'SeparableConv2D')
      why = 'it is a SeparableConv2D, which is not maskable (two kernels under one name)';
    else why = `it is a ${layer.getClassName()} layer, which has no maskable kernel`;
    return new ModelError(
      `${list}: cannot use "${name}" of model "${model.name}": ${why}. Maskable layers: ${quoteList(maskableNames)}`,
      list === 'denseByDefault' ? undefined : list,
    );
  };

  for (const name of denseByDefault) {
    if (!maskableNames.includes(name)) throw describeBadName(name, 'denseByDefault');
  }
  let selected: Set<string>;
  if (include && include.length > 0) {
    for (const name of include)
      if (!maskableNames.includes(name)) throw describeBadName(name, 'includeLayers');
    selected = new Set(include);
  } else {
    selected = new Set(maskableNames.filter((n) => !denseByDefault.includes(n)));
  }
  for (const name of exclude ?? []) {
    if (!maskableNames.includes(name)) throw describeBadName(name, 'excludeLayers');
    selected.delete(name);
  }
  if (selected.size === 0) {
    throw new ModelError(
      `No layers of model "${model.name}" are left to mask after includeLayers/excludeLayers. ` +
        `Maskable layers: ${quoteList(maskableNames)}`,
    );
  }
  return maskable.filter((m) => selected.has(m.layerName));
}
