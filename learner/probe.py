"""Latent-action quality: linear probes from z (stop-grad) to the true action a_t.

probe_nmse = MSE / mean_j Var(a_j): 1.0 is no better than predicting the mean action, 0.0 is perfect.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


class OnlineLinearProbe(nn.Module):
    """Trained alongside the LAM on stop-grad z; tracks action variance to report a normalised MSE."""

    def __init__(self, latent_dim: int, action_dim: int, lr: float = 1e-3):
        super().__init__()
        self.linear = nn.Linear(latent_dim, action_dim)
        self.opt = torch.optim.Adam(self.linear.parameters(), lr=lr)
        self.register_buffer("a_sum", torch.zeros(action_dim, dtype=torch.float64))
        self.register_buffer("a_sq", torch.zeros(action_dim, dtype=torch.float64))
        self.register_buffer("count", torch.zeros((), dtype=torch.float64))

    def update(self, z: torch.Tensor, actions: torch.Tensor) -> float:
        a = actions.detach()
        self.count += a.shape[0]
        self.a_sum += a.sum(0).double()
        self.a_sq += a.pow(2).sum(0).double()
        mse = (self.linear(z.detach()) - a).pow(2).mean()
        self.opt.zero_grad(set_to_none=True)
        mse.backward()
        self.opt.step()
        return float(mse.item() / self.action_var())

    def action_var(self) -> float:
        mean = self.a_sum / self.count.clamp(min=1)
        var = (self.a_sq / self.count.clamp(min=1) - mean.pow(2)).clamp(min=1e-8)
        return float(var.mean())


def _ridge(x: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    x1 = np.hstack([x, np.ones((len(x), 1))])
    reg = lam * len(x) * np.eye(x1.shape[1])
    reg[-1, -1] = 0.0  # never shrink the intercept
    return np.linalg.solve(x1.T @ x1 + reg, x1.T @ y)


def _predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.hstack([x, np.ones((len(x), 1))]) @ w


RIDGES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)


def fit_frozen_probe(z_train: np.ndarray, a_train: np.ndarray, z_test: np.ndarray, a_test: np.ndarray) -> float:
    """Ridge regression z -> a fitted on one set (strength chosen on its last 20%), probe_nmse on the other.

    Rows must be distinct samples in stream order: the validation tail is contiguous, so neighbouring (nearly
    identical) blocks do not leak into it, and the chosen strength keeps the probe honest at small sample sizes.
    """
    mu, sd = z_train.mean(0), z_train.std(0) + 1e-6
    x, xt = (z_train - mu) / sd, (z_test - mu) / sd
    n_val = max(1, len(x) // 5)
    fit, val = np.arange(len(x) - n_val), np.arange(len(x) - n_val, len(x))
    scores = [((_predict(_ridge(x[fit], a_train[fit], lam), x[val]) - a_train[val]) ** 2).mean() for lam in RIDGES]
    w = _ridge(x, a_train, RIDGES[int(np.argmin(scores))])
    mse = ((_predict(w, xt) - a_test) ** 2).mean()
    return float(mse / a_test.var(0).mean())
