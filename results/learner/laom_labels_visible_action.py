"""Diagnostic (issue 17): can LAOM-Labels' supervised head learn an action that is trivially visible in the frames,
and what does LAOM's per-sample offset k ~ U{1..max_k} do to it?

Synthetic blocks in which frame i+1 is a flat image whose RGB values are 128 + 100 a_i (one channel per action
dimension, actions uniform in [-1, 1], independent over time): a_t is a linear function of x_{t+1}'s pixels, with
no distractor and no dynamics to infer. The real `laom_labels` method (learner/lam/latent_prediction.py, through
`LAMLearner.update`) trains on fresh batches of 32 with every row labelled, no augmentation, on a small model
(IMPALA 4,8 x1, 16x16 frames, 16-d z, MLPs 32 wide); held-out score: NMSE of the label head W z(X_t, X_{t+1}) at
k = 1 on 1,024 unseen blocks, where 1.0 is the mean-action predictor. Only x_{t+1} shows a_t: the IDM's second
stack X_{t+k} = (x_{t+k-2}, .., x_{t+k}) holds it for k <= 3 only, at a position that depends on k.

    python results/learner/laom_labels_visible_action.py --out results/learner/laom_labels_visible_action_cpu.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from learner.device import hardware  # noqa: E402
from learner.lam.config import LAMModelConfig, LAOMConfig  # noqa: E402
from learner.lam.learner import LAMLearner  # noqa: E402
from learner.lam.learner_config import LAMLearnerConfig  # noqa: E402
from learner.replay import BlockBatch  # noqa: E402

SIZE, ACTION_DIM = 16, 3


def visible_action_blocks(rng: np.random.Generator, n: int) -> BlockBatch:
    """n blocks of 13 frames; frame i+1 shows a_i as its colour."""
    a = rng.uniform(-1, 1, (n, 12, ACTION_DIM)).astype(np.float32)
    frames = np.empty((n, 13, SIZE, SIZE, 3), np.uint8)
    frames[:, 0] = 128
    frames[:, 1:] = np.round(128 + 100 * a)[:, :, None, None, :].astype(np.uint8)
    masks = np.zeros((n, 13, SIZE, SIZE), np.uint8)
    return BlockBatch(frames, masks, masks, a, np.ones(n, bool))


def head_nmse(learner: LAMLearner, batch: BlockBatch) -> float:
    method = learner.methods["laom_labels"]
    z = torch.from_numpy(learner.latents(batch)["laom_labels"])
    with torch.no_grad():
        pred = method.action_head(z).numpy()
    y = batch.actions[:, 2]  # a_t, t = T_INDEX
    return float(((pred - y) ** 2).mean() / y.var(0).mean())


def run(max_k: int, label_weight: float, updates: int, seed: int, every: int) -> dict:
    torch.manual_seed(seed)
    cfg = LAMLearnerConfig(methods=["laom_labels"], device="cpu", lr=1e-3, seed=seed, total_updates=updates,
                           model=LAMModelConfig(channels=[4, 8], blocks=1, latent_dim=16, size=SIZE),
                           laom=LAOMConfig(latent_dim=16, hidden=32, label_weight=label_weight, max_k=max_k,
                                           augment="none", label_fraction=1.0))
    learner = LAMLearner(cfg, ACTION_DIM)
    rng, test = np.random.default_rng(seed), visible_action_blocks(np.random.default_rng(10_000 + seed), 1024)
    curve = [[0, head_nmse(learner, test)]]
    for i in range(1, updates + 1):
        learner.update(visible_action_blocks(rng, 32))
        if i % every == 0:
            curve.append([i, head_nmse(learner, test)])
    return {"max_k": max_k, "label_weight": label_weight, "seed": seed, "updates": updates, "curve": curve,
            "final_nmse": curve[-1][1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--updates", type=int, default=800)
    ap.add_argument("--max-k", default="1,2,3,10")
    ap.add_argument("--label-weights", default="1.0,0.001")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--every", type=int, default=200)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows, t0 = [], time.time()
    for w in map(float, args.label_weights.split(",")):
        for k in map(int, args.max_k.split(",")):
            for s in map(int, args.seeds.split(",")):
                rows.append(run(k, w, args.updates, s, args.every))
                print(f"lambda {w:g} max_k {k:2d} seed {s}: held-out head NMSE at k = 1 "
                      + " ".join(f"{u}:{v:.3f}" for u, v in rows[-1]["curve"]), flush=True)
    out = {"hardware": hardware(), "seconds": time.time() - t0, "rows": rows, "doc": __doc__}
    Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
