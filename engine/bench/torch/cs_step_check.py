"""Runs CS training steps of the PyTorch reference (cs_reference.py) from weights our engine wrote,
so a test (test/engine/cs/torchReference.test.ts) can check that both compute the same thing.

Usage: python3 cs_step_check.py <in.json> <out.json>
in.json (tfjs layouts, values flat in C order):
  {"model", "inputShape" (HWC), "numClasses", "steps", "hyper": {...},
   "x": [...] (N x inputShape), "labels": [...],
   "params": {"dense_1/kernel": [...], "dense_1/bias": [...], ...},  (our variable names)
   "logits": {"dense_1": [...], ...}}                                   (mask logits, by layer name)
out.json: {"losses": [{"crossEntropy", "penalty"} per step],
           "grads": {name or "<layer>/logits": [...]} of the loss before the first update,
           "params": {...}, "logits": {...}} after the last step, in the same (tfjs) layouts.
"""

import json
import sys

import numpy as np
import torch
import torch.nn.functional as F

from cs_reference import CsTrainer, MaskedConv2d, MaskedLinear, torch_input_shape


def layers_by_name(trainer, model_name, input_shape):
    """Our zoo's layer names -> (torch layer, how its kernel is laid out in tfjs)."""
    model = trainer.model
    named = {}
    for i, layer in enumerate(model.fc):
        layout = ("dense", None)
        if model_name == "conv2" and i == 0:
            # tfjs flattens the pooled NHWC activations in (h, w, c) order, PyTorch NCHW in (c, h, w).
            height, width = input_shape[0] // 2, input_shape[1] // 2
            layout = ("flatten-dense", (height, width, layer.w.weight.shape[1] // (height * width)))
        named[f"dense_{i + 1}"] = (layer, layout)
    for i, layer in enumerate(getattr(model, "conv", [])):
        named[f"conv_{i + 1}"] = (layer, ("conv", None))
    return named


def to_torch(values, torch_shape, layout):
    """A flat tfjs kernel as the torch weight of `torch_shape`."""
    kind, hwc = layout
    out_dim = torch_shape[0]
    if kind == "conv":  # [kh, kw, in, out] -> [out, in, kh, kw]
        kh, kw, cin = torch_shape[2], torch_shape[3], torch_shape[1]
        return np.asarray(values, np.float32).reshape(kh, kw, cin, out_dim).transpose(3, 2, 0, 1)
    k = np.asarray(values, np.float32).reshape(-1, out_dim)  # [in, out]
    if kind == "flatten-dense":
        h, w, c = hwc
        k = k.reshape(h, w, c, out_dim).transpose(2, 0, 1, 3).reshape(-1, out_dim)
    return k.T


def to_tfjs(tensor, layout):
    """The inverse of to_torch, flattened."""
    kind, hwc = layout
    a = tensor.detach().numpy()
    if kind == "conv":
        return a.transpose(2, 3, 1, 0).ravel().tolist()
    k = a.T  # [in, out]
    if kind == "flatten-dense":
        h, w, c = hwc
        k = k.reshape(c, h, w, -1).transpose(1, 2, 0, 3)
    return k.ravel().tolist()


def main():
    with open(sys.argv[1], encoding="utf8") as f:
        spec = json.load(f)
    model_name, input_shape = spec["model"], spec["inputShape"]
    trainer = CsTrainer(model_name, input_shape, spec["numClasses"], spec["hyper"])
    layers = layers_by_name(trainer, model_name, input_shape)
    with torch.no_grad():
        for name, (layer, layout) in layers.items():
            w = layer.w
            w.weight.copy_(torch.from_numpy(to_torch(spec["params"][f"{name}/kernel"], w.weight.shape, layout)))
            w.mask_logits.copy_(torch.from_numpy(to_torch(spec["logits"][name], w.weight.shape, layout)))
            layer.bias.copy_(torch.tensor(spec["params"][f"{name}/bias"], dtype=torch.float32))
    n = len(spec["labels"])
    x = torch.tensor(spec["x"], dtype=torch.float32).reshape([n] + list(input_shape))
    if model_name == "conv2":
        x = x.permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW
    assert list(x.shape[1:]) == torch_input_shape(model_name, input_shape)
    labels = torch.tensor(spec["labels"], dtype=torch.int64)

    # Gradients of the loss at the initial weights, without stepping.
    for m in trainer.masked:
        m.soft = True
    loss = F.cross_entropy(trainer.model(x), labels) + trainer.penalty()
    loss.backward()
    grads = {}
    for name, (layer, layout) in layers.items():
        grads[f"{name}/kernel"] = to_tfjs(layer.w.weight.grad, layout)
        grads[f"{name}/logits"] = to_tfjs(layer.w.mask_logits.grad, layout)
        grads[f"{name}/bias"] = layer.bias.grad.tolist()

    losses = []
    for _ in range(spec["steps"]):
        ce, pen, _ = trainer.step(x, labels, soft=True)
        losses.append({"crossEntropy": ce, "penalty": pen})
    out = {"losses": losses, "grads": grads, "params": {}, "logits": {}}
    for name, (layer, layout) in layers.items():
        out["params"][f"{name}/kernel"] = to_tfjs(layer.w.weight, layout)
        out["params"][f"{name}/bias"] = layer.bias.detach().numpy().tolist()
        out["logits"][name] = to_tfjs(layer.w.mask_logits, layout)
    with open(sys.argv[2], "w", encoding="utf8") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
