"""Times one CS training step and one dense step of the PyTorch reference (cs_reference.py), as
engine/bench/stepBench.ts times ours: warm-up steps of each kind, then alternating timed blocks of
CS and dense steps, medians over the blocks, and the median of the paired CS/dense ratios.

Usage: python3 cs_step_bench.py '<plan as JSON>'; the plan (written by engine/bench/torchReference.ts):
  {"threads": 1, "hyper": {...}, "seed": 1234,
   "cases": [{"model": "lenet-300-100", "inputShape": [28, 28, 1], "numClasses": 10,
              "batchSize": 64, "warmupSteps": 2, "stepsPerBlock": 5, "repetitions": 5}]}
Prints one JSON object on stdout: {"torch": version, "threads": n, "results": [...]} with, per case,
csSamplesPerSec, denseSamplesPerSec, csDenseRatio and finiteLoss.
"""

import json
import math
import statistics
import sys
import time

import torch

from cs_reference import CsTrainer, torch_input_shape


def bench_case(case, hyper, seed):
    torch.manual_seed(seed)
    trainer = CsTrainer(case["model"], case["inputShape"], case["numClasses"], hyper)
    batch = case["batchSize"]
    x = torch.randn([batch] + torch_input_shape(case["model"], case["inputShape"]))
    labels = torch.randint(0, case["numClasses"], (batch,))
    finite = True

    def block(soft, steps):
        nonlocal finite
        start = time.perf_counter()
        for _ in range(steps):
            ce, _, _ = trainer.step(x, labels, soft)
            finite = finite and math.isfinite(ce)
        return steps * batch / (time.perf_counter() - start)

    block(True, case["warmupSteps"])
    block(False, case["warmupSteps"])
    cs, dense = [], []
    for rep in range(case["repetitions"]):
        # Alternate which kind goes first, as stepBench.ts does.
        if rep % 2 == 0:
            cs.append(block(True, case["stepsPerBlock"]))
            dense.append(block(False, case["stepsPerBlock"]))
        else:
            dense.append(block(False, case["stepsPerBlock"]))
            cs.append(block(True, case["stepsPerBlock"]))
    return {
        "model": case["model"],
        "batchSize": batch,
        "csSamplesPerSec": statistics.median(cs),
        "denseSamplesPerSec": statistics.median(dense),
        "csDenseRatio": statistics.median(c / d for c, d in zip(cs, dense)),
        "finiteLoss": finite,
    }


def main():
    plan = json.loads(sys.argv[1])
    torch.set_num_threads(plan["threads"])
    results = [bench_case(case, plan["hyper"], plan["seed"]) for case in plan["cases"]]
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}))


if __name__ == "__main__":
    main()
