"""The RLlib PPO algorithm config for an expert (new API stack), with the standard MuJoCo PPO recipe.

Observations are normalised by RLlib's MeanStdFilter connector (its running stats are checkpointed and exported
with the policy). Rewards are scaled per env by gymnasium's NormalizeReward and clipped, as in CleanRL's
ppo_continuous_action; this only changes what the learner sees, so RLlib's train returns are in scaled units
and the deterministic evaluation (raw env) is the number to read.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.connectors.env_to_module import MeanStdFilter
from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig
from ray.tune.registry import register_env

from learner.expert.config import ExpertConfig

SCALED_ENV = "masklam_scaled_reward"
REWARD_CLIP = 10.0
OBS_CLIP = 10.0  # MeanStdFilter's clip_by_value; the exported npz clips the same way


def make_scaled_reward_env(env_config: dict) -> gym.Env:
    env = gym.make(env_config["env_id"])
    env = gym.wrappers.NormalizeReward(env, gamma=env_config["gamma"])
    return gym.wrappers.TransformReward(env, lambda r: float(np.clip(r, -REWARD_CLIP, REWARD_CLIP)))


def _obs_filter(env=None, spaces=None, device=None) -> MeanStdFilter:
    return MeanStdFilter(clip_by_value=OBS_CLIP)


def build_ppo_config(cfg: ExpertConfig, env_id: str) -> PPOConfig:
    register_env(SCALED_ENV, make_scaled_reward_env)
    return (
        PPOConfig()
        .environment(SCALED_ENV, env_config={"env_id": env_id, "gamma": cfg.gamma})
        # one local env runner stepping ppo_num_envs envs, one local learner: no IPC on a small box
        .env_runners(num_env_runners=0, num_envs_per_env_runner=cfg.ppo_num_envs, rollout_fragment_length="auto",
                     batch_mode="truncate_episodes", env_to_module_connector=_obs_filter)
        .learners(num_learners=0)
        .training(
            lr=cfg.lr, gamma=cfg.gamma, lambda_=0.95, clip_param=0.2, entropy_coeff=0.0,
            train_batch_size_per_learner=cfg.iteration_steps, minibatch_size=cfg.ppo_minibatch,
            num_epochs=cfg.ppo_epochs, grad_clip=0.5, vf_loss_coeff=0.5,
            vf_clip_param=float("inf"),  # returns are already scaled; RLlib's default 10 would clip the value loss
            use_kl_loss=False, kl_coeff=0.0,
        )
        .rl_module(model_config=DefaultModelConfig(fcnet_hiddens=cfg.hidden_sizes, fcnet_activation="tanh",
                                                   vf_share_layers=False))
        .reporting(min_sample_timesteps_per_iteration=0, min_time_s_per_iteration=0)
        .debugging(seed=cfg.seed)
    )
