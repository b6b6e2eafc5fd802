"""The RLlib SAC algorithm config for an expert (new API stack: RLModule + Learner + EnvRunner)."""

from __future__ import annotations

from ray.rllib.algorithms.sac import SACConfig
from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

from learner.expert.config import ExpertConfig


def build_sac_config(cfg: ExpertConfig, env_id: str) -> SACConfig:
    """SAC with the standard MuJoCo settings (twin Q, auto entropy, tau 0.005, uniform replay)."""
    return (
        SACConfig()
        .environment(env_id)
        # one local env runner and a local learner: on a 2-core box remote workers only add IPC
        .env_runners(num_env_runners=0, rollout_fragment_length=1)
        .learners(num_learners=0)
        .training(
            gamma=cfg.gamma, initial_alpha=1.0, target_entropy="auto", n_step=1, tau=0.005,
            actor_lr=cfg.lr, critic_lr=cfg.lr, alpha_lr=cfg.lr,
            train_batch_size_per_learner=cfg.batch_size, target_network_update_freq=1,
            training_intensity=cfg.updates_per_step * cfg.batch_size,
            replay_buffer_config={"type": "EpisodeReplayBuffer", "capacity": 1_000_000},
            num_steps_sampled_before_learning_starts=cfg.learning_starts,
            store_buffer_in_checkpoints=True,  # a resumed run keeps its replay instead of starting cold
        )
        .rl_module(model_config=DefaultModelConfig(fcnet_hiddens=cfg.hidden_sizes, fcnet_activation="relu"))
        .reporting(min_sample_timesteps_per_iteration=cfg.iteration_steps, min_time_s_per_iteration=0)
        .debugging(seed=cfg.seed)
    )
