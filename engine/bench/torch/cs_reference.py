"""Continuous Sparsification in PyTorch, written from the paper's formula, as the yardstick for our
engine: `npm run bench` times it (cs_step_bench.py) and a test checks that it computes what our
engine computes (cs_step_check.py).

The networks have our zoo's layer shapes (engine/models/zoo): LeNet-300-100 and Conv-2 with 'same'
3x3 convolutions, 2x2 max pools and ReLU. Every Linear/Conv2d weight carries mask logits s, as our
engine masks every Dense/Conv2D kernel of these two models:
    effective weight = W * sigmoid(T*s) / sigmoid(s0)
    loss = cross_entropy + lambda * sum(sigmoid(T*s) / sigmoid(s0))
and two torch.optim.SGD optimisers (momentum, Nesterov; weight decay on the weights only) train the
weights and the mask logits, as in the reference code (lolemacs/continuous-sparsification).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


class MaskedWeight(nn.Module):
    """A weight W with mask logits s; `effective()` is what the layer computes with."""

    def __init__(self, shape, mask_init):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(shape))
        self.mask_logits = nn.Parameter(torch.full(shape, float(mask_init)))
        self.scale = 1.0 / (1.0 / (1.0 + math.exp(-mask_init)))  # 1 / sigmoid(s0)
        self.temperature = 1.0
        self.soft = True  # False: the dense step, W alone
        self.last_mask = None

    def mask(self):
        return torch.sigmoid(self.temperature * self.mask_logits) * self.scale

    def effective(self):
        if not self.soft:
            return self.weight
        # Kept for the penalty, so each step computes every mask once (the cheapest PyTorch can do).
        self.last_mask = self.mask()
        return self.weight * self.last_mask


class MaskedLinear(nn.Module):
    def __init__(self, fan_in, fan_out, mask_init):
        super().__init__()
        self.w = MaskedWeight((fan_out, fan_in), mask_init)
        self.bias = nn.Parameter(torch.zeros(fan_out))
        nn.init.xavier_uniform_(self.w.weight)  # tfjs Dense's default, glorotUniform

    def forward(self, x):
        return F.linear(x, self.w.effective(), self.bias)


class MaskedConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, mask_init):
        super().__init__()
        self.w = MaskedWeight((out_channels, in_channels, 3, 3), mask_init)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        nn.init.xavier_normal_(self.w.weight)  # as the zoo's (and the reference's) convolutions

    def forward(self, x):
        return F.conv2d(x, self.w.effective(), self.bias, padding=1)  # 'same' for 3x3, stride 1


class Lenet300100(nn.Module):
    def __init__(self, input_shape, num_classes, mask_init):
        super().__init__()
        features = math.prod(input_shape)
        self.fc = nn.ModuleList(
            [
                MaskedLinear(features, 300, mask_init),
                MaskedLinear(300, 100, mask_init),
                MaskedLinear(100, num_classes, mask_init),
            ]
        )

    def forward(self, x):
        x = x.flatten(1)
        x = F.relu(self.fc[0](x))
        x = F.relu(self.fc[1](x))
        return self.fc[2](x)


class Conv2(nn.Module):
    """Conv-2 of Frankle & Carbin: conv 64, conv 64, max pool, Dense 256, 256, classes."""

    def __init__(self, input_shape, num_classes, mask_init):
        super().__init__()
        height, width, channels = input_shape  # our (tfjs) input shapes are HWC
        self.conv = nn.ModuleList(
            [MaskedConv2d(channels, 64, mask_init), MaskedConv2d(64, 64, mask_init)]
        )
        self.fc = nn.ModuleList(
            [
                MaskedLinear(64 * (height // 2) * (width // 2), 256, mask_init),
                MaskedLinear(256, 256, mask_init),
                MaskedLinear(256, num_classes, mask_init),
            ]
        )

    def forward(self, x):
        x = F.relu(self.conv[0](x))
        x = F.relu(self.conv[1](x))
        x = F.max_pool2d(x, 2).flatten(1)  # NCHW: (c, h, w) order; tfjs flattens (h, w, c)
        x = F.relu(self.fc[0](x))
        x = F.relu(self.fc[1](x))
        return self.fc[2](x)


MODELS = {"lenet-300-100": Lenet300100, "conv2": Conv2}


def torch_input_shape(model, input_shape):
    """Our HWC input shape as PyTorch's CHW (LeNet flattens anyway)."""
    if model == "conv2":
        height, width, channels = input_shape
        return [channels, height, width]
    return list(input_shape)


class CsTrainer:
    """One model, its two optimisers, and the CS and dense training steps."""

    def __init__(self, model_name, input_shape, num_classes, hyper):
        self.hyper = hyper
        self.model = MODELS[model_name](input_shape, num_classes, hyper["maskInit"])
        self.masked = [m for m in self.model.modules() if isinstance(m, MaskedWeight)]
        for m in self.masked:
            m.temperature = hyper["temperature"]
        logits = [m.mask_logits for m in self.masked]
        logit_ids = {id(p) for p in logits}
        # Real lists: the reference's `map` iterators are a known pitfall (see CS-NOTES.md).
        weights = [p for p in self.model.parameters() if id(p) not in logit_ids]
        common = {"momentum": hyper["momentum"], "nesterov": True}
        self.weight_opt = torch.optim.SGD(
            weights, lr=hyper["learningRate"], weight_decay=hyper["weightDecay"], **common
        )
        self.mask_opt = torch.optim.SGD(logits, lr=hyper["maskLearningRate"], weight_decay=0, **common)

    def penalty(self):
        """After a forward pass: lambda * sum of that pass's masks."""
        return self.hyper["lambda"] * sum(m.last_mask.sum() for m in self.masked)

    def step(self, x, labels, soft):
        """One training step; returns (cross entropy, penalty, correct) as Python numbers, so the
        step has finished (as our engine reads its step summary back)."""
        for m in self.masked:
            m.soft = soft
        self.weight_opt.zero_grad(set_to_none=True)
        self.mask_opt.zero_grad(set_to_none=True)
        logits = self.model(x)
        ce = F.cross_entropy(logits, labels)
        pen = self.penalty() if soft else torch.zeros(())
        (ce + pen).backward()
        self.weight_opt.step()
        if soft:
            self.mask_opt.step()
        correct = (logits.argmax(-1) == labels).sum()
        ce_value, pen_value, correct_value = torch.stack(
            [ce.detach(), pen.detach(), correct.to(ce.dtype)]
        ).tolist()
        return ce_value, pen_value, correct_value
