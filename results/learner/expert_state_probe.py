"""Diagnostic (issue 18): on the expert's own distribution, does a latent carry the action beyond the state?

The frozen probe (DESIGN.md section 5) scores latents on random-action episodes, so that no latent can score by
encoding the pose. A latent policy, though, is trained and run on the expert's distribution, where the action is
largely a function of the state: a latent that codes the agent's pose can serve it without coding the action. This
records one held-out set with the shipped expert plus Gaussian action noise (test-split videos, the probe's unseen
env seed) and scores, with the frozen probe's ridge cross-validated over whole episodes and its 90% bootstrap
interval over episodes, for each run's trained latent and for a random-init copy of it (the floor):

- `z -> a`: the latent alone (what `masklam probe` reports with heldout.policy.kind=expert);
- `z+state -> a`: the latent beside the state's linear and quadratic features: below `state -> a` only if the
  latent adds action information the state does not hold;
- `z -> a - expert(s)`: the action's state-independent part (the behaviour noise, clipped at the action bounds),
  which only a latent that codes the action itself can predict beyond `state -> a - expert(s)`, its leak level
  (below 1.0 only through the clipping); `z+state -> a - expert(s)` beside it.

    python results/learner/expert_state_probe.py --runs masklam=runs/g27/low_masklam_10k_s1 \
        --runs lapo=runs/g27/low_lapo_10k_s0 --noise 0.2 --out results/learner/expert_state_probe_low_cpu10k.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rich.console import Console  # noqa: E402

from actors.envs import make_env  # noqa: E402
from actors.policies import MLPExpertPolicy, shipped_expert  # noqa: E402
from learner.checkpoint import load_latest  # noqa: E402
from learner.device import hardware  # noqa: E402
from learner.heldout import probe_rows, state_features  # noqa: E402
from learner.probe import episode_cv_probe  # noqa: E402
from masklam.config import TrainConfig, load_config  # noqa: E402
from masklam.heldout import heldout_chunks  # noqa: E402
from masklam.segservice import fleet_segmentation  # noqa: E402


def expert_probe_set(cfg: TrainConfig, noise: float, console: Console) -> list:
    """The run's held-out set recorded with the shipped expert plus `noise` instead of random actions."""
    policy = dataclasses.replace(cfg.heldout.policy, kind="expert", noise_std=noise)
    heldout = dataclasses.replace(cfg.heldout, policy=policy)
    log_dir = Path("/tmp/expert_state_probe")
    log_dir.mkdir(exist_ok=True)
    with fleet_segmentation(cfg, log_dir, console, needed=True) as actor:
        return heldout_chunks(cfg.env, actor, heldout, cfg.env.seed)


def expert_actions(cfg: TrainConfig, states: np.ndarray) -> np.ndarray:
    """The shipped (deterministic) expert's action in each state: a - expert(s) is the behaviour noise, clipped."""
    env = make_env(cfg.env.task, cfg.env.preset, seed=cfg.env.seed, size=cfg.env.size)
    try:
        expert = MLPExpertPolicy(shipped_expert(cfg.env.task), env.action_space.low, env.action_space.high)
    finally:
        env.close()
    return np.stack([expert.act(s, None) for s in states])


def probe(x: np.ndarray, y: np.ndarray, episodes: np.ndarray) -> list[float]:
    """[nmse, ci90 low, ci90 high] of the frozen probe's ridge from x to y."""
    p = episode_cv_probe(x, y, episodes)
    return [p.nmse, *p.ci90]


def scores(z: np.ndarray, feats: np.ndarray, a: np.ndarray, residual: np.ndarray, ep: np.ndarray) -> dict:
    """The four probes of one latent (`feats`: the state's features)."""
    both = np.concatenate([z, feats], 1)
    return {"z -> a": probe(z, a, ep), "z+state -> a": probe(both, a, ep),
            "z -> a - expert(s)": probe(z, residual, ep), "z+state -> a - expert(s)": probe(both, residual, ep)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", action="append", required=True,
                    help="method=run_dir of a `masklam train` run (repeatable; all on the same env config)")
    ap.add_argument("--noise", type=float, default=0.2, help="the expert's action noise (as the training data)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    t0, console = time.perf_counter(), Console(stderr=True)
    runs = [(m, Path(d)) for m, d in (spec.split("=", 1) for spec in args.runs)]
    cfgs = [load_config(TrainConfig, d / "config.yaml") for _, d in runs]
    if len({json.dumps(dataclasses.asdict(c.env), sort_keys=True) for c in cfgs}) != 1:
        raise SystemExit("the runs differ in their env config: one probe set cannot serve them all")
    console.print(f"recording the expert probe set (noise {args.noise}) once for {len(runs)} runs")
    chunks = expert_probe_set(cfgs[0], args.noise, console)
    result = {"task": cfgs[0].env.task, "preset": cfgs[0].env.preset, "runs": {}, "hardware": hardware(),
              "probe_set": {"policy": "expert", "noise_std": args.noise, "split": "test",
                            "transitions": cfgs[0].heldout.steps,
                            "env_seed": cfgs[0].env.seed + cfgs[0].heldout.seed_offset}}
    residual = feats = None  # the rows' states and actions are the same for every run: computed once
    for (method, run), cfg in zip(runs, cfgs):
        state = load_latest(run / "checkpoints")["learner"]
        rows = probe_rows(cfg.learner, state, state["action_dim"], chunks)
        if residual is None:
            residual, feats = rows.actions - expert_actions(cfg, rows.states), state_features(rows.states)
        result["runs"][f"{method}@{run}"] = {
            "method": method, "run": str(run), "learner_seed": cfg.learner.seed, "updates": state["updates"],
            "trained": scores(rows.latents[method], feats, rows.actions, residual, rows.episodes),
            "random_init": scores(rows.latents_random_init[method], feats, rows.actions, residual, rows.episodes)}
        for name, row in result["runs"][f"{method}@{run}"].items():
            if isinstance(row, dict):
                console.print(f"{method} seed {cfg.learner.seed} {name}: " + ", ".join(
                    f"{k} {v[0]:.4f} [{v[1]:.3f}, {v[2]:.3f}]" for k, v in row.items()))
    result["state"] = {"state -> a": probe(feats, rows.actions, rows.episodes),
                       "state -> a - expert(s)": probe(feats, residual, rows.episodes)}
    result.update(probe_rows=int(len(rows.actions)), probe_episodes=int(len(np.unique(rows.episodes))),
                  residual_var_fraction=float(residual.var(0).mean() / rows.actions.var(0).mean()),
                  seconds=time.perf_counter() - t0)
    console.print("state only: " + ", ".join(f"{k} {v[0]:.4f} [{v[1]:.3f}, {v[2]:.3f}]"
                                             for k, v in result["state"].items()))
    args.out.write_text(json.dumps(result, indent=1))
    console.print(f"-> {args.out}")


if __name__ == "__main__":
    main()
