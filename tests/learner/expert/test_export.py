"""The npz export reproduces the RLlib SAC module's deterministic actions exactly as the actors load it."""

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
