"""Shipping an expert: pick the better snapshot on the card's own episodes, keep a better shipped one, write the card."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.files import atomic_write_bytes
from learner.device import hardware
from learner.expert.algorithms import ALGORITHM_LABELS
from learner.expert.config import TARGET_RETURNS, ExpertConfig

CARD_EVAL_SEED = 20_000
"""Card evaluation episodes use reset seeds CARD_EVAL_SEED, CARD_EVAL_SEED + 1, ... (disjoint from training)."""

NpzReturns = Callable[[Path, int, int], list[float]]
"""(exported .npz, episodes, first reset seed) -> returns of the deterministic policy, loaded as the actors load it."""


@dataclass(frozen=True)
class ShipDecision:
    """What `ship_expert` did."""

    path: Path
    """The shipped <task>.npz (this run's policy, or the one already there when that scores higher)."""
    shipped: bool
    """True when this run's policy replaced (or became) the shipped expert."""
    mean: float
    """Mean card-episode return of this run's best candidate."""
    std: float
    """Its standard deviation over the card's episodes."""


def shipped_return(npz: Path) -> float | None:
    """The card's mean return of an already shipped expert (same CARD_EVAL_SEED episodes), if there is one."""
    card = npz.with_suffix(".json")
    if not (npz.is_file() and card.is_file()):
        return None
    try:
        info = json.loads(card.read_text())
        return float(info["return_mean"]) if info.get("eval_seeds", "").startswith(f"{CARD_EVAL_SEED}..") else None
    except (ValueError, KeyError, TypeError):
        return None  # an unreadable card does not protect the file


def ship_expert(cfg: ExpertConfig, env_id: str, state: dict, returns_of: NpzReturns, log=print) -> ShipDecision:
    """Score the run's best periodic snapshot and final policy on the card's episodes and ship the better one to
    `cfg.export_dir/<task>.npz` with a JSON card, unless the expert already shipped there scores higher."""
    run_dir = cfg.run_directory()
    candidates = [p for p in (run_dir / "best.npz", run_dir / "final.npz") if p.is_file()]
    if not candidates:
        raise FileNotFoundError(f"no exported policy (best.npz / final.npz) in {run_dir}")
    log(f"expert {cfg.task}: evaluating {len(candidates)} candidate(s) over {cfg.eval_episodes} episodes")
    scored = []
    for p in candidates:
        rets = returns_of(p, cfg.eval_episodes, CARD_EVAL_SEED)
        scored.append((float(np.mean(rets)), float(np.std(rets)), p))
        log(f"  {p.name}: {scored[-1][0]:.1f} +/- {scored[-1][1]:.1f}")
    mean, std, best = max(scored, key=lambda s: s[0])
    export_dir = Path(cfg.export_dir)
    export_dir.mkdir(parents=True, exist_ok=True)
    dest = export_dir / f"{cfg.task}.npz"
    previous = shipped_return(dest)
    if previous is not None and previous > mean:
        log(f"expert {cfg.task}: kept the shipped {dest} ({previous:.1f} on the same evaluation episodes beats "
            f"this run's {mean:.1f}); this run's policies stay in {run_dir}")
        return ShipDecision(dest, False, mean, std)
    atomic_write_bytes(dest, best.read_bytes())
    card = expert_card(cfg, env_id, state, mean, std, best.stem)
    atomic_write_bytes(dest.with_suffix(".json"), (json.dumps(card, indent=2) + "\n").encode())
    log(f"expert {cfg.task}: shipped {dest} ({mean:.1f} +/- {std:.1f} over {cfg.eval_episodes} episodes; "
        f"target {card['target_return']:g} {'reached' if card['target_reached'] else 'NOT reached'})")
    return ShipDecision(dest, True, mean, std)


def expert_card(cfg: ExpertConfig, env_id: str, state: dict, mean: float, std: float, snapshot: str) -> dict:
    """The JSON card shipped beside an expert: how it was trained, on what, and how well it does."""
    target = cfg.target_return or TARGET_RETURNS.get(cfg.task, float("inf"))
    card = {
        "task": cfg.task, "env_id": env_id, "algorithm": ALGORITHM_LABELS[cfg.algorithm],
        "env_steps": state["env_steps"], "seed": cfg.seed, "wall_time_s": round(state["wall_s"], 1),
        "hardware": hardware(), "eval_episodes": cfg.eval_episodes,
        "eval_seeds": f"{CARD_EVAL_SEED}..{CARD_EVAL_SEED + cfg.eval_episodes - 1}",
        "return_mean": round(mean, 1), "return_std": round(std, 1), "target_return": target,
        "target_reached": bool(mean >= target), "snapshot": snapshot, "hidden": cfg.hidden_sizes,
        "eval_curve": state["evals"], "date": time.strftime("%Y-%m-%d"),
        "finish_command": (f"masklam expert train --task {cfg.task} --algorithm {cfg.algorithm} --out {cfg.out} "
                           f"--env-steps {cfg.env_steps} --resume"
                           " (continues from the checkpoint; on a GPU machine the same command uses it)"),
    }
    if not card["target_reached"]:
        card["note"] = f"target {target:g} not reached within this budget; the shipped policy is the best reached"
    return card
