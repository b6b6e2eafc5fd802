"""The experts shipped in actors/experts load without RLlib, act deterministically and beat a random policy."""

import json

import gymnasium as gym
import numpy as np
import pytest

from actors.envs.tasks import get_task
from actors.policies import EXPERTS_DIR, MLPExpertPolicy, RandomPolicy, make_policy

SHIPPED = sorted(p.stem for p in EXPERTS_DIR.glob("*.npz"))


def _rollout(env_id, policy, steps, seed):
    env = gym.make(env_id)
    obs, _ = env.reset(seed=seed)
    rng, total = np.random.default_rng(seed), 0.0
    for _ in range(steps):
        obs, r, term, trunc, _ = env.step(policy.act(obs, rng))
        total += r
        if term or trunc:
            obs, _ = env.reset()
    env.close()
    return total


def test_halfcheetah_expert_is_shipped_with_a_card():
    assert "halfcheetah" in SHIPPED
    card = json.loads((EXPERTS_DIR / "halfcheetah.json").read_text())
    for key in ("algorithm", "env_steps", "seed", "wall_time_s", "hardware", "return_mean", "return_std"):
        assert key in card


@pytest.mark.parametrize("task", SHIPPED)
def test_shipped_expert_is_deterministic_and_beats_random(task):
    env_id = get_task(task).env_id
    env = gym.make(env_id)
    low, high = env.action_space.low, env.action_space.high
    expert = MLPExpertPolicy(EXPERTS_DIR / f"{task}.npz", low, high)
    obs, _ = env.reset(seed=3)
    a1 = expert.act(obs, np.random.default_rng(0))
    a2 = expert.act(obs, np.random.default_rng(99))
    np.testing.assert_array_equal(a1, a2)
    assert np.all(a1 >= low) and np.all(a1 <= high)
    steps = 300
    r_expert = np.mean([_rollout(env_id, expert, steps, s) for s in (0, 1)])
    r_random = np.mean([_rollout(env_id, RandomPolicy(low, high), steps, s) for s in (0, 1)])
    assert r_expert > r_random + 100, (r_expert, r_random)


@pytest.mark.parametrize("task", SHIPPED)
def test_make_policy_defaults_to_the_shipped_expert_with_noise(task):
    env = gym.make(get_task(task).env_id)
    low, high = env.action_space.low, env.action_space.high
    noisy = make_policy("expert", low, high, noise_std=0.2, task=task)
    obs, _ = env.reset(seed=0)
    a, b = noisy.act(obs, np.random.default_rng(0)), noisy.act(obs, np.random.default_rng(1))
    assert not np.allclose(a, b) and np.all(a >= low) and np.all(a <= high)


def test_missing_shipped_expert_names_the_training_command():
    with pytest.raises(FileNotFoundError, match="masklam expert train --task nosuchtask"):
        make_policy("expert", np.zeros(2), np.ones(2), task="nosuchtask")
