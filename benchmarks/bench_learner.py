"""Learner throughput: updates/s of each LAM method at batch sizes 32 and 128, at two model sizes.

paper   IMPALA channels 16,32,32 x4, 2 residual blocks, 64x64, frame stack 3, 128-d latent
cpu     the small size the CPU configs use (channels 8,16,64 x1, 1 residual block, same latent)
cpu_v1  the previous CPU size (channels 8,16,16: an 8x8x16 bottleneck), for before/after comparisons
Each method is timed alone on random blocks (the side-by-side learner's update costs the sum).
Ceiling, measured in the same run: the method's own forward + backward on blocks already converted to tensors, with
no optimiser step, schedule, probe or data conversion (`network_ups`). `of_ceiling` = learner_ups / network_ups is
the share of an update spent in the networks; 1 / of_ceiling bounds what removing every other cost could gain.
Prints one JSON line last with learner_ups, network_ups and of_ceiling [size][method][batch].

    python benchmarks/bench_learner.py [--sizes cpu,paper] [--methods lapo,masklam,...] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from learner.lam.batch import to_torch  # noqa: E402
from learner.lam.config import LAMModelConfig  # noqa: E402
from learner.lam.learner import LAMLearner  # noqa: E402
from learner.lam.learner_config import LAMLearnerConfig, cpu_model  # noqa: E402
from learner.lam.methods import METHODS  # noqa: E402
from learner.replay import BlockBatch  # noqa: E402

SIZES = {
    "paper": LAMModelConfig(channels=[16, 32, 32], scale=4, blocks=2, latent_dim=128),
    "cpu": cpu_model(),
    "cpu_v1": LAMModelConfig(channels=[8, 16, 16], scale=1, blocks=1, latent_dim=128),
}


def blocks(batch: int, rng: np.random.Generator) -> BlockBatch:
    masks = (rng.random((batch, 13, 64, 64)) < 0.03).astype(np.uint8)
    return BlockBatch(rng.integers(0, 256, (batch, 13, 64, 64, 3), dtype=np.uint8), masks, masks,
                      rng.uniform(-1, 1, (batch, 12, 6)).astype(np.float32), np.ones(batch, bool))


def ups(method: str, model: LAMModelConfig, batch: int, seconds: float, max_updates: int,
        channels_last: bool = True) -> float:
    learner = LAMLearner(LAMLearnerConfig(methods=[method], model=model, batch_size=batch,
                                          channels_last=channels_last), action_dim=6)
    data = blocks(batch, np.random.default_rng(0))
    return rate(lambda: learner.update(data), seconds, max_updates)


def rate(step, seconds: float, max_updates: int) -> float:
    """Calls of `step` per second after one warm-up call (allocations, first-call overheads): at least one timed
    call, then until `seconds` have passed or `max_updates` calls."""
    step()
    n, t = 0, time.perf_counter()
    while n < max_updates and (n == 0 or time.perf_counter() - t < seconds):
        step()
        n += 1
    return n / (time.perf_counter() - t)


def network_ups(method: str, model: LAMModelConfig, batch: int, seconds: float, max_updates: int,
                channels_last: bool = True) -> float:
    """Forward + backward of one method's loss on pre-converted blocks: the compute an update cannot avoid."""
    learner = LAMLearner(LAMLearnerConfig(methods=[method], model=model, batch_size=batch,
                                          channels_last=channels_last), action_dim=6)
    b = to_torch(blocks(batch, np.random.default_rng(0)), learner.device, learner.frames_needed,
                 learner.mask_sources)
    net = learner.methods[method]
    net.train()

    def once() -> None:
        with learner.autocast():
            out = net.step(b)
        net.zero_grad(set_to_none=True)
        out.loss.backward()

    return rate(once, seconds, max_updates)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="cpu,paper")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--batches", default="32,128")
    ap.add_argument("--seconds", type=float, default=10.0, help="time budget per (size, method, batch)")
    ap.add_argument("--max-updates", type=int, default=50)
    ap.add_argument("--no-channels-last", dest="channels_last", action="store_false",
                    help="NCHW convolutions (the old path's layout)")
    args = ap.parse_args()
    result: dict = {}
    for size in args.sizes.split(","):
        for method in args.methods.split(","):
            for batch in map(int, args.batches.split(",")):
                u = ups(method, SIZES[size], batch, args.seconds, args.max_updates, args.channels_last)
                c = network_ups(method, SIZES[size], batch, args.seconds, args.max_updates, args.channels_last)
                print(f"  {size:5s} {method:18s} batch {batch:4d}: {u:7.3f} updates/s ({1 / u:6.2f} s/update); "
                      f"networks alone {c:7.3f}/s: {u / c:.2f} of that ceiling", file=sys.stderr)
                for key, v in (("learner_ups", u), ("network_ups", c), ("of_ceiling", u / c)):
                    result.setdefault(key, {}).setdefault(size, {}).setdefault(method, {})[batch] = round(v, 4)
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"
    print(json.dumps({"bench": "learner", "device": device, "machine": platform.machine(),
                      "torch_threads": torch.get_num_threads(), "channels_last": args.channels_last, **result}))


if __name__ == "__main__":
    main()
