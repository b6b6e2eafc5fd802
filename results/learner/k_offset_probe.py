"""Diagnostic (issue 17): what does an IDM trained with k ~ U{1..9} encode, offset by offset?

The authors' MaskLAM draws the IDM's future offset k per sample and always reconstructs x_{t+1}. Its k = 1 latent,
the one labelling and probing use, stays at the probe floor within CPU budgets while the k = 1 ablation does not.
This scores, on the run's frozen-probe protocol (held-out random-action episodes on test-split videos, ridge
cross-validated over whole episodes, 90% bootstrap interval over episodes), the latent z(X_t, X_{t+k}) of the
trained checkpoint for every k in 1..9 against two targets:

- `a_t`: the action the FDM's target x_{t+1} depends on (what the probe protocol scores at k = 1);
- `mean_a`: the mean of a_t .. a_{t+k-1}, the actions between the two observations the IDM sees.

Beside each, the same probe on a random-init copy (the floor). If no k carries a_t, the IDM did not learn an
action latent at all; if larger k carry more, the k = 1 latent is merely the least-trained case. Then whether the
FDM uses z at all: its loss on held-out blocks with z, with z shuffled across the batch, and with z = 0, per k.

    python results/learner/k_offset_probe.py --run runs/sanity_masklam_10k \
        --out results/learner/k_offset_probe_none_cpu.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console  # noqa: E402

from learner.checkpoint import load_latest  # noqa: E402
from learner.device import hardware  # noqa: E402
from learner.lam.batch import T_INDEX, to_torch  # noqa: E402
from learner.lam.learner import LAMLearner  # noqa: E402
from learner.probe import episode_cv_probe  # noqa: E402
from learner.replay import BlockReplay  # noqa: E402
from masklam.config import TrainConfig, load_config  # noqa: E402
from masklam.heldout import heldout_chunks  # noqa: E402
from masklam.segservice import fleet_segmentation  # noqa: E402

MAX_K = 9


@torch.no_grad()
def latents_by_k(method, chunks, batch_size: int = 256) -> tuple[dict[int, np.ndarray], np.ndarray, np.ndarray]:
    """z(X_t, X_{t+k}) for k = 1..9 on every block with 9 future frames, the actions a_t .. a_{t+8}, episodes."""
    replay = BlockReplay(T_INDEX + MAX_K + 1, capacity_frames=10**12)
    for c in chunks:
        replay.add(c)
    method.eval()
    z: dict[int, list] = {k: [] for k in range(1, MAX_K + 1)}
    actions, episodes = [], []
    for batch in replay.iter_blocks(batch_size):
        b = to_torch(batch, torch.device("cpu"), None, ("gt", "served"))
        obs_t = method._obs(b, T_INDEX)
        for k in z:
            z[k].append(method.idm(obs_t, method._obs(b, T_INDEX + k)).float().numpy())
        actions.append(batch.actions[:, T_INDEX:T_INDEX + MAX_K])
        episodes.append(batch.episodes)
    return {k: np.concatenate(v) for k, v in z.items()}, np.concatenate(actions), np.concatenate(episodes)


@torch.no_grad()
def z_use(method, chunks, batches: int = 8, batch_size: int = 256) -> dict[str, dict[str, float]]:
    """The FDM's loss on held-out blocks with the IDM's z, with z shuffled across the batch and with z = 0, per k:
    if shuffling z costs nothing, the FDM ignores the latent (whatever the probe says)."""
    from learner.lam.losses import lapo_loss, masklam_loss

    replay = BlockReplay(T_INDEX + MAX_K + 1, capacity_frames=10**12)
    for c in chunks:
        replay.add(c)
    method.eval()
    gen = torch.Generator().manual_seed(0)
    sums: dict[str, dict[str, float]] = {}
    for i, batch in enumerate(replay.iter_blocks(batch_size, limit=batches * batch_size)):
        b = to_torch(batch, torch.device("cpu"), None, ("gt", "served"))
        obs_t, target = method._obs(b, T_INDEX), b.frame(T_INDEX + 1)
        for k in range(1, MAX_K + 1):
            z = method.idm(obs_t, method._obs(b, T_INDEX + k))
            for name, zz in (("z", z), ("z_shuffled", z[torch.randperm(len(z), generator=gen)]),
                             ("z_zero", torch.zeros_like(z))):
                x_hat = method.fdm(obs_t, zz).float()
                loss = (masklam_loss(x_hat, target, b.mask(method.spec.mask_source, T_INDEX + 1), method.spec.w_bg)
                        if method.spec.masked_loss else lapo_loss(x_hat, target))
                row = sums.setdefault(f"k{k}", {})
                row[name] = row.get(name, 0.0) + float(loss)
    n = i + 1
    return {k: {name: v / n for name, v in row.items()} for k, row in sums.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", type=Path, required=True, help="a masklam train run of a k ~ U{1..9} method")
    ap.add_argument("--method", default="masklam")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    t0 = time.perf_counter()
    cfg = load_config(TrainConfig, args.run / "config.yaml")
    state = load_latest(args.run / "checkpoints")["learner"]
    lcfg = dataclasses.replace(cfg.learner, device="cpu")
    trained, untrained = LAMLearner(lcfg, state["action_dim"]), LAMLearner(lcfg, state["action_dim"])
    trained.load_state_dict(state)
    log_dir = Path("/tmp/k_offset_probe")
    log_dir.mkdir(exist_ok=True)
    with fleet_segmentation(cfg, log_dir, Console(stderr=True), needed=True) as actor:
        chunks = heldout_chunks(cfg.env, actor, cfg.heldout, cfg.env.seed)
    rows: dict[str, dict] = {}
    for name, learner in (("trained", trained), ("random_init", untrained)):
        z, a, ep = latents_by_k(learner.methods[args.method], chunks)
        for k, zk in z.items():
            for target, y in (("a_t", a[:, 0]), ("mean_a", a[:, :k].mean(1))):
                s = episode_cv_probe(zk, y, ep)
                rows.setdefault(f"k{k}", {})[f"{name}/{target}"] = [s.nmse, *s.ci90]
                print(f"{name} k={k} {target}: {s.nmse:.4f} [{s.ci90[0]:.3f}, {s.ci90[1]:.3f}]", flush=True)
    use = z_use(trained.methods[args.method], chunks)
    for k, row in use.items():
        print(f"FDM loss {k}: " + ", ".join(f"{n} {v:.5f}" for n, v in row.items()), flush=True)
    result = {"run": str(args.run), "method": args.method, "updates": state["updates"], "task": cfg.env.task,
              "preset": cfg.env.preset, "probe_rows": int(len(ep)), "probe_episodes": int(len(np.unique(ep))),
              "probe_set": {"policy": cfg.heldout.policy.kind, "transitions": cfg.heldout.steps, "split": "test",
                            "env_seed": cfg.env.seed + cfg.heldout.seed_offset},
              "nmse_ci90_by_k": rows, "fdm_loss_by_k": use, "hardware": hardware(), "seconds": time.perf_counter() - t0}
    args.out.write_text(json.dumps(result, indent=1))
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
