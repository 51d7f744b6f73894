// The trainer applies softmax cross-entropy to the model's output, so that output must be logits. A
// saved classifier usually ends in softmax; we switch that last activation to linear in the topology
// JSON before tfjs builds the model. Editing the JSON (rather than the built layer) keeps us off
// tfjs-layers internals: a layer's activation has no public setter.
import { isRecord, type JsonRecord } from './json';

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

/** The layer entry of a Sequential or functional topology that produces its single output, if any. */
function outputLayerEntry(modelEntry: JsonRecord): JsonRecord | null {
  const { class_name: className, config } = modelEntry;
  let layers: unknown;
  if (className === 'Sequential') {
    // tfjs/Keras 2.2+ write {name, layers}; older Keras wrote the layer array itself.
    layers = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
    if (!Array.isArray(layers) || layers.length === 0) return null;
    const last: unknown = layers[layers.length - 1];
    return isRecord(last) ? descend(last) : null;
  }
  if (!isRecord(config)) return null;
  layers = config.layers;
  const outputs = config.output_layers;
  // output_layers is [[layerName, nodeIndex, tensorIndex], ...]; several outputs are rejected later.
  if (!Array.isArray(layers) || !Array.isArray(outputs) || outputs.length !== 1) return null;
  const ref: unknown = outputs[0];
  const outputName = Array.isArray(ref) ? ref[0] : undefined;
  const found = layers.find(
    (l): l is JsonRecord =>
      isRecord(l) && (l.name === outputName || (isRecord(l.config) && l.config.name === outputName)),
  );
  return found ? descend(found) : null;
}

/** A nested model as the last layer: its own output layer is the one to look at. */
function descend(entry: JsonRecord): JsonRecord | null {
  return typeof entry.class_name === 'string' && MODEL_CLASSES.has(entry.class_name)
    ? outputLayerEntry(entry)
    : entry;
}

/**
 * Makes the topology's output linear if it ends in softmax; mutates `topology`. Returns a sentence
 * saying what changed (for the model description), or null if nothing did.
 */
export function removeOutputSoftmax(topology: JsonRecord): string | null {
  // Keras-converted models wrap the architecture in model_config, as tfjs-layers itself accepts.
  const root = isRecord(topology.model_config) ? topology.model_config : topology;
  const entry = outputLayerEntry(root);
  if (!entry || !isRecord(entry.config)) return null;
  const config = entry.config;
  const name = typeof config.name === 'string' ? config.name : String(entry.name);
  if (entry.class_name === 'Softmax') {
    entry.class_name = 'Activation';
    entry.config = {
      name,
      trainable: config.trainable ?? true,
      dtype: config.dtype ?? 'float32',
      activation: 'linear',
    };
    return `its final Softmax layer "${name}" was made linear so the model outputs logits`;
  }
  if (config.activation === 'softmax') {
    config.activation = 'linear';
    return `the softmax activation of its final layer "${name}" was switched to linear so the model outputs logits`;
  }
  return null;
}
