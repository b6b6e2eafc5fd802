"""The npz export reproduces the RLlib SAC and PPO modules' deterministic actions exactly as the actors load it."""

import gymnasium as gym
import numpy as np
import pytest
import torch

from actors.policies import MLPExpertPolicy
from learner.expert.config import ExpertConfig
from learner.expert.export import export_npz, module_deterministic_actions
from learner.expert.sac import build_sac_config


@pytest.mark.parametrize("task,env_id", [("hopper", "Hopper-v5"), ("halfcheetah", "HalfCheetah-v5")])
def test_export_round_trip(tmp_path, task, env_id):
    env = gym.make(env_id)
    cfg = ExpertConfig(task=task, hidden=[32, 16])
    module = build_sac_config(cfg, env_id).get_rl_module_spec(env=env).build()
    torch.manual_seed(0)
    with torch.no_grad():  # random non-trivial weights, including large biases that exercise the tanh squash
        for p in module.parameters():
            p.normal_(0.0, 0.5)
    low, high = env.action_space.low, env.action_space.high
    path = export_npz(module, low.shape[0], tmp_path / f"{task}.npz")
    policy = MLPExpertPolicy(path, low, high)
    obs = np.stack([env.observation_space.sample() for _ in range(64)]).astype(np.float32)
    ref = module_deterministic_actions(module, obs, low, high)
    got = np.stack([policy.act(o, np.random.default_rng(1)) for o in obs])
    np.testing.assert_allclose(got, ref, atol=1e-5)
    assert np.abs(ref).max() > 0.1  # not a degenerate all-zero policy


def test_export_rejects_wrong_action_dim(tmp_path):
    env = gym.make("Hopper-v5")
    module = build_sac_config(ExpertConfig(task="hopper", hidden=[8]), "Hopper-v5").get_rl_module_spec(env=env).build()
    with pytest.raises(ValueError, match="expected 2 x 4"):
        export_npz(module, 4, tmp_path / "x.npz")


@pytest.mark.parametrize("task,env_id", [("hopper", "Hopper-v5"), ("humanoid", "Humanoid-v5")])
def test_ppo_export_round_trip(tmp_path, task, env_id):
    """Humanoid's bounds are +/-0.4, so the folded [-1, 1] -> bounds map and the clip are both exercised."""
    from ray.rllib.utils.filter import MeanStdFilter

    from learner.expert.export import export_ppo_npz, ppo_deterministic_actions
    from learner.expert.ppo import OBS_CLIP, build_ppo_config

    env = gym.make(env_id)
    cfg = ExpertConfig(task=task, algorithm="ppo", hidden=[32, 16])
    module = build_ppo_config(cfg, env_id).get_rl_module_spec(env=env).build()
    torch.manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0.0, 0.5)
    rng = np.random.default_rng(0)
    dim = env.observation_space.shape[0]
    scale = rng.uniform(0.1, 5.0, dim)  # per-dimension spread, so a wrong mean/std order would show
    obs_filter = MeanStdFilter((dim,), clip=OBS_CLIP)
    for _ in range(200):
        obs_filter(rng.normal(1.0, scale).astype(np.float32), update=True)
    low, high = env.action_space.low, env.action_space.high
    path = export_ppo_npz(module, obs_filter, low, high, tmp_path / f"{task}.npz")
    policy = MLPExpertPolicy(path, low, high)
    obs = np.concatenate([rng.normal(1.0, scale, (60, dim)), rng.normal(0.0, 100.0, (4, dim))]).astype(np.float32)
    ref = ppo_deterministic_actions(module, obs_filter, obs, env.action_space)
    got = np.stack([policy.act(o, np.random.default_rng(1)) for o in obs])
    np.testing.assert_allclose(got, ref, atol=1e-5)
    assert (np.isclose(ref, high) | np.isclose(ref, low)).any()  # some actions hit the clip
    assert (np.abs(ref) < 0.99 * high).any()  # and some are inside the bounds


def test_ppo_export_rejects_a_sac_module(tmp_path):
    from ray.rllib.utils.filter import MeanStdFilter

    from learner.expert.export import export_ppo_npz

    env = gym.make("Hopper-v5")
    module = build_sac_config(ExpertConfig(task="hopper", hidden=[8]), "Hopper-v5").get_rl_module_spec(env=env).build()
    with pytest.raises(ValueError, match="not a default PPO RLModule"):
        export_ppo_npz(module, MeanStdFilter((11,)), env.action_space.low, env.action_space.high, tmp_path / "x.npz")
