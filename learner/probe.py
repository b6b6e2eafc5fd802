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


def fit_frozen_probe(z_train: np.ndarray, a_train: np.ndarray, z_test: np.ndarray, a_test: np.ndarray,
                     ridge: float = 1e-3) -> float:
    """Closed-form ridge regression z -> a on one set, probe_nmse on the other."""
    mu, sd = z_train.mean(0), z_train.std(0) + 1e-6
    x = np.hstack([(z_train - mu) / sd, np.ones((len(z_train), 1))])
    w = np.linalg.solve(x.T @ x + ridge * len(x) * np.eye(x.shape[1]), x.T @ a_train)
    xt = np.hstack([(z_test - mu) / sd, np.ones((len(z_test), 1))])
    mse = ((xt @ w - a_test) ** 2).mean()
    return float(mse / a_test.var(0).mean())
