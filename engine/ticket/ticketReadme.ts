// README.md of a ticket folder: the few lines someone needs to use the ticket without this engine.
import type { TicketManifest } from './ticketManifest';

function percent(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

export function ticketReadme(manifest: TicketManifest): string {
  const { maskScale } = manifest.maskConvention;
  const hasTrained = 'trained-model/model.json' in manifest.files;
  // Tickets written before IMP existed have no method in their hyperparameters.
  const imp = manifest.hyperparameters.method === 'imp';
  const foundWith = imp ? 'iterative magnitude pruning (IMP, with rewinding)' : 'Continuous Sparsification';
  const formula = imp
    ? 'W * mask` for each masked kernel `W` (IMP masks carry no scale)'
    : `W * mask * ${maskScale}\` for each masked kernel \`W\` (maskScale = 1/sigmoid(maskInit),
as in the reference Continuous Sparsification code)`;
  const layerRows = manifest.layers
    .map(
      (l) =>
        `| ${l.name} | ${l.kind} | [${l.shape.join(', ')}] | ${l.kept} / ${l.total} | ${percent(l.density)} |`,
    )
    .join('\n');
  return `# Lottery ticket ${manifest.runId}

${manifest.model.description} on ${manifest.data.description}: keeps ${manifest.kept} of ${manifest.total} masked
weights (${percent(manifest.density)}). Found with ${foundWith} by Sparsity Lab ${manifest.engineVersion}.
Details, hyperparameters and accuracies are in \`ticket.json\`.

| layer | kind | shape | kept | density |
| --- | --- | --- | --- | --- |
${layerRows}

## TensorFlow.js

\`model/\` is the ticket at the rewind point${hasTrained ? ', `trained-model/` the retrained ticket' : ''}. The mask and
the scale are already folded into the kernels, so the model runs as is:

\`\`\`js
// Node (tfjs-node): file:// URL. Browser: the URL the folder is served at.
const model = await tf.loadLayersModel('file://path/to/ticket/model/model.json');
const logits = model.predict(x);
\`\`\`

## PyTorch / NumPy

\`\`\`python
from safetensors.numpy import load_file   # pip install safetensors numpy
masks = load_file("masks.safetensors")            # {layer name: uint8 0/1 array}
weights = load_file("rewound_weights.safetensors")  # {weight name: float32 array}, unmasked
\`\`\`

The ticket computes with \`${formula}; other weights are used as they are. The weights keep the
TF.js layout: a Dense kernel is [in, out] (PyTorch \`nn.Linear.weight\` is its transpose) and a Conv2D kernel is
[kh, kw, in, out] (PyTorch: \`torch.from_numpy(k).permute(3, 2, 0, 1)\`).
`;
}
