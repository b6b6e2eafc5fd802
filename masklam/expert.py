"""`masklam expert train|eval`: RLlib SAC/PPO experts on proprioceptive state, exported with a card for the actors."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from actors.envs.tasks import get_task
from actors.policies import EXPERTS_DIR, MLPExpertPolicy
from learner.expert.config import ExpertConfig
from learner.expert.evaluate import action_bounds, evaluate_returns
from learner.expert.ship import CARD_EVAL_SEED, ShipDecision, ship_expert
from masklam.config import save_config
from masklam.ray_runtime import ray_session


def evaluate_npz(path: str | Path, env_id: str, episodes: int, seed: int = CARD_EVAL_SEED) -> list[float]:
    """Returns of the exported deterministic policy, loaded the way the actors load it (no RLlib)."""
    low, high = action_bounds(env_id)
    policy = MLPExpertPolicy(path, low, high)
    rng = np.random.default_rng(0)  # unused by a deterministic expert; kept for the policy protocol
    return evaluate_returns(env_id, lambda obs: policy.act(obs, rng), episodes, seed)


def run_expert_train(cfg: ExpertConfig) -> ShipDecision:
    env_id = get_task(cfg.task).env_id
    from learner.expert.train import check_resumable, train_expert

    check_resumable(cfg, cfg.run_directory())  # before save_config: a refused run leaves the old config alone
    save_config(cfg, cfg.run_directory())
    with ray_session(None, 1):
        state = train_expert(cfg, env_id)
    return ship_expert(cfg, env_id, state, lambda p, n, seed: evaluate_npz(p, env_id, n, seed))


def run_expert_eval(cfg: ExpertConfig) -> tuple[float, float]:
    env_id = get_task(cfg.task).env_id
    path = Path(cfg.checkpoint) if cfg.checkpoint else Path(cfg.export_dir) / f"{cfg.task}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"no expert checkpoint at {path}; train one with `masklam expert train --task "
                                f"{cfg.task}` (shipped experts live in {EXPERTS_DIR})")
    rets = evaluate_npz(path, env_id, cfg.eval_episodes, seed=CARD_EVAL_SEED + 1000 * (cfg.seed + 1))
    mean, std = float(np.mean(rets)), float(np.std(rets))
    print(f"expert {cfg.task} ({path}): return {mean:.1f} +/- {std:.1f} over {cfg.eval_episodes} episodes")
    return mean, std
