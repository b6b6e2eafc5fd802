"""Behaviour policies for the actors: random, or an exported expert MLP plus Gaussian action noise.

Expert checkpoint format (framework-light, loadable without RLlib): an `.npz` with
  w0, b0, w1, b1, ...   dense layers, w_i of shape [in, out], applied as x @ w_i + b_i
  activation            0-d string array: "tanh" or "relu" (hidden layers)
  obs_mean, obs_std     optional observation normalisation (x - mean) / std
  obs_clip              optional 0-d float: the normalised observation is clipped to [-obs_clip, obs_clip]
  squash                optional 0-d bool: tanh on the output before scaling to the action bounds; without it
                        the output is already in action units and is only clipped to the bounds
The network maps the proprioceptive state to the mean action (deterministic policy).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np


class BehaviourPolicy(Protocol):
    name: str

    def act(self, state: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Return an action (float32, within the action bounds) for one proprioceptive state."""
        ...


class RandomPolicy:
    """Uniform random actions within the bounds."""

    name = "random"

    def __init__(self, low: np.ndarray, high: np.ndarray):
        self.low, self.high = np.asarray(low, np.float32), np.asarray(high, np.float32)

    def act(self, state: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.low, self.high).astype(np.float32)


class MLPExpertPolicy:
    """A deterministic MLP expert from an `.npz` checkpoint (format in the module docstring)."""

    def __init__(self, path: str | Path, low: np.ndarray, high: np.ndarray):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"expert checkpoint {self.path} does not exist")
        with np.load(self.path, allow_pickle=False) as z:
            n = 0
            self.layers: list[tuple[np.ndarray, np.ndarray]] = []
            while f"w{n}" in z:
                self.layers.append((z[f"w{n}"].astype(np.float32), z[f"b{n}"].astype(np.float32)))
                n += 1
            if not self.layers:
                raise ValueError(f"{self.path}: no dense layers (w0, b0, ...) found")
            self.activation = str(z["activation"]) if "activation" in z else "tanh"
            self.obs_mean = z["obs_mean"].astype(np.float32) if "obs_mean" in z else None
            self.obs_std = z["obs_std"].astype(np.float32) if "obs_std" in z else None
            self.obs_clip = float(z["obs_clip"]) if "obs_clip" in z else None
            self.squash = bool(z["squash"]) if "squash" in z else True
        if self.activation not in ("tanh", "relu"):
            raise ValueError(f"{self.path}: unknown activation {self.activation!r}")
        self.low, self.high = np.asarray(low, np.float32), np.asarray(high, np.float32)
        out = self.layers[-1][0].shape[1]
        if out != self.low.shape[0]:
            raise ValueError(f"{self.path}: network outputs {out} values, the task has {self.low.shape[0]} actions")
        self.name = f"expert:{self.path.stem}"

    def act(self, state: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x = np.asarray(state, np.float32)
        if x.shape[0] != self.layers[0][0].shape[0]:
            raise ValueError(f"{self.path}: expects a state of size {self.layers[0][0].shape[0]}, got {x.shape[0]}")
        if self.obs_mean is not None:
            x = (x - self.obs_mean) / np.maximum(self.obs_std, 1e-8)
        if self.obs_clip is not None:
            x = np.clip(x, -self.obs_clip, self.obs_clip)
        for i, (w, b) in enumerate(self.layers):
            x = x @ w + b
            if i < len(self.layers) - 1:
                x = np.tanh(x) if self.activation == "tanh" else np.maximum(x, 0.0)
        if self.squash:
            x = self.low + (np.tanh(x) + 1.0) * 0.5 * (self.high - self.low)
        return np.clip(x, self.low, self.high).astype(np.float32)


class NoisyPolicy:
    """Adds N(0, std * half-range) noise to another policy's action, clipped to the bounds."""

    def __init__(self, inner: BehaviourPolicy, std: float, low: np.ndarray, high: np.ndarray):
        if std < 0:
            raise ValueError("action noise std must be >= 0")
        self.inner, self.std = inner, std
        self.low, self.high = np.asarray(low, np.float32), np.asarray(high, np.float32)
        self.name = f"{inner.name}+noise{std:g}"

    def act(self, state: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        a = self.inner.act(state, rng)
        if self.std > 0:
            a = a + rng.normal(0.0, self.std, size=a.shape) * 0.5 * (self.high - self.low)
        return np.clip(a, self.low, self.high).astype(np.float32)


EXPERTS_DIR = Path(__file__).parent / "experts"
"""The shipped experts: <task>.npz with a <task>.json card (trained by `masklam expert train`)."""


def shipped_expert(task: str) -> Path:
    """Path of the shipped expert checkpoint for `task`; FileNotFoundError naming the command that makes it."""
    path = EXPERTS_DIR / f"{task}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"no shipped expert for {task!r} at {path}; train one with "
                                f"`masklam expert train --task {task}` or set policy.expert_path")
    return path


def make_policy(kind: str, low: np.ndarray, high: np.ndarray, expert_path: str | None = None,
                noise_std: float = 0.0, task: str | None = None) -> BehaviourPolicy:
    """kind: "random" or "expert" (expert_path, else the shipped expert of `task`); noise_std adds Gaussian noise."""
    if kind == "random":
        base: BehaviourPolicy = RandomPolicy(low, high)
    elif kind == "expert":
        if not expert_path:
            if not task:
                raise ValueError("policy kind 'expert' needs policy.expert_path or a task with a shipped expert")
            expert_path = str(shipped_expert(task))
        base = MLPExpertPolicy(expert_path, low, high)
    else:
        raise ValueError(f"unknown behaviour policy {kind!r}; choose 'random' or 'expert'")
    return NoisyPolicy(base, noise_std, low, high) if noise_std > 0 else base
