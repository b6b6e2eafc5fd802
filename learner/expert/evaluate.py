"""Deterministic evaluation of a policy function on a task's proprioceptive gymnasium env."""

from __future__ import annotations

from typing import Callable

import gymnasium as gym
import numpy as np


def evaluate_returns(env_id: str, act: Callable[[np.ndarray], np.ndarray], episodes: int, seed: int) -> list[float]:
    """Undiscounted returns of `episodes` episodes with reset seeds seed, seed+1, ... (fixed list, reproducible)."""
    env = gym.make(env_id)
    try:
        returns = []
        for i in range(episodes):
            obs, _ = env.reset(seed=seed + i)
            total, done = 0.0, False
            while not done:
                obs, reward, terminated, truncated, _ = env.step(act(obs))
                total += float(reward)
                done = terminated or truncated
            returns.append(total)
        return returns
    finally:
        env.close()


def action_space(env_id: str) -> gym.spaces.Box:
    env = gym.make(env_id)
    try:
        return env.action_space
    finally:
        env.close()


def action_bounds(env_id: str) -> tuple[np.ndarray, np.ndarray]:
    space = action_space(env_id)
    return space.low.astype(np.float32), space.high.astype(np.float32)
