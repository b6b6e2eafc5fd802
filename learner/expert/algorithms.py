"""What expert training needs from each RLlib algorithm: its config, its deterministic policy, its export."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np

from learner.expert.config import ExpertConfig
from learner.expert.export import (export_npz, export_ppo_npz, module_deterministic_actions,
                                   ppo_deterministic_actions)

ALGORITHM_LABELS = {"sac": "SAC (RLlib 2.60 new API stack)", "ppo": "PPO (RLlib 2.60 new API stack)"}


def build_expert_config(cfg: ExpertConfig, env_id: str) -> Any:
    if cfg.algorithm == "ppo":
        from learner.expert.ppo import build_ppo_config

        return build_ppo_config(cfg, env_id)
    from learner.expert.sac import build_sac_config

    return build_sac_config(cfg, env_id)


def ppo_obs_filter(algo: Any) -> Any:
    """The local env runner's MeanStdFilter (RLlib keeps it in the env-to-module connector pipeline)."""
    from ray.rllib.connectors.env_to_module import MeanStdFilter

    for piece in algo.env_runner._env_to_module.connectors:
        if isinstance(piece, MeanStdFilter):
            if piece._filters is None:
                piece._init_new_filters()
            return piece._filters[None]  # single-agent filters are keyed by None
    raise ValueError("the PPO env runner has no MeanStdFilter connector")


def deterministic_policy(algo: Any, cfg: ExpertConfig, space: gym.spaces.Box) -> Callable[[np.ndarray], np.ndarray]:
    """obs -> action of the algorithm's current deterministic policy, through RLlib's own module."""
    module = algo.get_module()
    if cfg.algorithm == "ppo":
        obs_filter = ppo_obs_filter(algo)
        return lambda o: ppo_deterministic_actions(module, obs_filter, o[None], space)[0]
    low, high = space.low.astype(np.float32), space.high.astype(np.float32)
    return lambda o: module_deterministic_actions(module, o[None], low, high)[0]


def export_expert(algo: Any, cfg: ExpertConfig, space: gym.spaces.Box, path: Path) -> Path:
    low, high = space.low.astype(np.float32), space.high.astype(np.float32)
    if cfg.algorithm == "ppo":
        return export_ppo_npz(algo.get_module(), ppo_obs_filter(algo), low, high, path)
    return export_npz(algo.get_module(), low.shape[0], path)
