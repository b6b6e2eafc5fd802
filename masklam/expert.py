"""`masklam expert train|eval`: RLlib SAC/PPO experts on proprioceptive state, exported with a card for the actors."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from actors.envs.tasks import get_task
from actors.policies import EXPERTS_DIR, MLPExpertPolicy
from common.files import atomic_write_bytes
from learner.expert.algorithms import ALGORITHM_LABELS
from learner.expert.config import TARGET_RETURNS, ExpertConfig
from learner.expert.evaluate import action_bounds, evaluate_returns
from masklam.config import save_config
from masklam.ray_runtime import ray_session

EVAL_SEED = 20_000  # card evaluation episodes use reset seeds EVAL_SEED, EVAL_SEED+1, ... (disjoint from training)


def evaluate_npz(path: str | Path, env_id: str, episodes: int, seed: int = EVAL_SEED) -> list[float]:
    """Returns of the exported deterministic policy, loaded the way the actors load it (no RLlib)."""
    low, high = action_bounds(env_id)
    policy = MLPExpertPolicy(path, low, high)
    rng = np.random.default_rng(0)  # unused by a deterministic expert; kept for the policy protocol
    return evaluate_returns(env_id, lambda obs: policy.act(obs, rng), episodes, seed)


def run_expert_train(cfg: ExpertConfig) -> Path:
    env_id = get_task(cfg.task).env_id
    run_dir = Path(cfg.out) / cfg.task
    from learner.expert.train import check_resumable, train_expert
    from learner.device import hardware

    check_resumable(cfg, run_dir)  # before save_config, so a refused run leaves the old run's config alone
    save_config(cfg, run_dir)
    with ray_session(None, 1):
        state = train_expert(cfg, env_id)
    # Ship the better of the best periodic snapshot and the final policy, judged on the card's own episodes.
    candidates = [p for p in (run_dir / "best.npz", run_dir / "final.npz") if p.is_file()]
    print(f"expert {cfg.task}: evaluating {len(candidates)} candidate(s) over {cfg.eval_episodes} episodes")
    scored = []
    for p in candidates:
        rets = evaluate_npz(p, env_id, cfg.eval_episodes)
        scored.append((float(np.mean(rets)), float(np.std(rets)), p))
        print(f"  {p.name}: {scored[-1][0]:.1f} +/- {scored[-1][1]:.1f}")
    mean, std, best = max(scored, key=lambda s: s[0])
    export_dir = Path(cfg.export_dir)
    export_dir.mkdir(parents=True, exist_ok=True)
    dest = export_dir / f"{cfg.task}.npz"
    shipped = _shipped_return(dest)
    if shipped is not None and shipped > mean:
        print(f"expert {cfg.task}: kept the shipped {dest} ({shipped:.1f} on the same evaluation episodes beats "
              f"this run's {mean:.1f}); this run's policies stay in {run_dir}")
        return dest
    atomic_write_bytes(dest, best.read_bytes())
    target = cfg.target_return or TARGET_RETURNS.get(cfg.task, float("inf"))
    card = {
        "task": cfg.task, "env_id": env_id, "algorithm": ALGORITHM_LABELS[cfg.algorithm],
        "env_steps": state["env_steps"], "seed": cfg.seed, "wall_time_s": round(state["wall_s"], 1),
        "hardware": hardware(), "eval_episodes": cfg.eval_episodes, "eval_seeds": f"{EVAL_SEED}..{EVAL_SEED + cfg.eval_episodes - 1}",
        "return_mean": round(mean, 1), "return_std": round(std, 1), "target_return": target,
        "target_reached": bool(mean >= target), "snapshot": best.stem, "hidden": cfg.hidden_sizes,
        "eval_curve": state["evals"], "date": time.strftime("%Y-%m-%d"),
        "finish_command": (f"masklam expert train --task {cfg.task} --algorithm {cfg.algorithm} --out {cfg.out} "
                           f"--env-steps {cfg.env_steps} --resume"
                           " (continues from the checkpoint; on a GPU machine the same command uses it)"),
    }
    if not card["target_reached"]:
        card["note"] = (f"target {target:g} not reached within this budget; the shipped policy is the best reached")
    atomic_write_bytes(dest.with_suffix(".json"), (json.dumps(card, indent=2) + "\n").encode())
    print(f"expert {cfg.task}: shipped {dest} ({mean:.1f} +/- {std:.1f} over {cfg.eval_episodes} episodes; "
          f"target {target:g} {'reached' if card['target_reached'] else 'NOT reached'})")
    return dest


def _shipped_return(npz: Path) -> float | None:
    """The card's mean return of an already shipped expert (same EVAL_SEED episodes), if there is one."""
    card = npz.with_suffix(".json")
    if not (npz.is_file() and card.is_file()):
        return None
    try:
        info = json.loads(card.read_text())
        return float(info["return_mean"]) if info.get("eval_seeds", "").startswith(f"{EVAL_SEED}..") else None
    except (ValueError, KeyError, TypeError):
        return None  # an unreadable card does not protect the file


def run_expert_eval(cfg: ExpertConfig, checkpoint: str | None = None) -> tuple[float, float]:
    env_id = get_task(cfg.task).env_id
    path = Path(checkpoint) if checkpoint else Path(cfg.export_dir) / f"{cfg.task}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"no expert checkpoint at {path}; train one with `masklam expert train --task "
                                f"{cfg.task}` (shipped experts live in {EXPERTS_DIR})")
    rets = evaluate_npz(path, env_id, cfg.eval_episodes, seed=EVAL_SEED + 1000 * (cfg.seed + 1))
    mean, std = float(np.mean(rets)), float(np.std(rets))
    print(f"expert {cfg.task} ({path}): return {mean:.1f} +/- {std:.1f} over {cfg.eval_episodes} episodes")
    return mean, std
