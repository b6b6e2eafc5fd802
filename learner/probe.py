"""Latent-action quality: linear probes from z (stop-grad) to the true action a_t.

probe_nmse = MSE / mean_j Var(a_j): 1.0 is no better than predicting the mean action, 0.0 is perfect. The frozen
probe (`episode_cv_probe`) is cross-validated over whole episodes with a bootstrap interval (DESIGN.md section 5).
"""

from __future__ import annotations

from dataclasses import dataclass

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


RIDGES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)
"""Ridge strengths tried, as multiples of the number of training rows (the penalty is lambda * n * |w|^2)."""


@dataclass
class ProbeScore:
    """A linear probe's held-out quality: every row predicted by a ridge map fitted on other episodes only."""

    nmse: float
    """Out-of-fold MSE / mean_j Var(a_j) over the probe set (1.0: no better than the mean action)."""
    ci90: tuple[float, float]
    """Bootstrap 90% interval of `nmse` over episodes (episodes resampled with replacement)."""
    ridge: float
    """Median ridge strength chosen by the inner cross-validation of the outer folds."""
    rows: int
    """Probe rows (transitions)."""
    episodes: int
    """Distinct episodes."""


def _ridge_path(x: np.ndarray, y: np.ndarray, ridges) -> list[tuple[np.ndarray, np.ndarray]]:
    """Ridge fits (W, b) for every strength at the cost of one eigendecomposition; the intercept is never shrunk."""
    xm, ym = x.mean(0), y.mean(0)
    xc = x - xm
    evals, evecs = np.linalg.eigh(xc.T @ xc)
    proj = evecs.T @ (xc.T @ (y - ym))
    out = []
    for lam in ridges:
        w = evecs @ (proj / (evals + lam * len(x))[:, None])
        out.append((w, ym - xm @ w))
    return out


def _fold_of(episodes: np.ndarray, folds: int, rng: np.random.Generator) -> np.ndarray:
    """Assign whole episodes to folds (shuffled, balanced by count of episodes)."""
    uniq, inverse = np.unique(episodes, return_inverse=True)
    order = rng.permutation(len(uniq))
    fold_of_episode = np.empty(len(uniq), dtype=np.int64)
    fold_of_episode[order] = np.arange(len(uniq)) % folds
    return fold_of_episode[inverse]


def _choose_ridge(x: np.ndarray, y: np.ndarray, fold: np.ndarray, ridges) -> float:
    errors = np.zeros(len(ridges))
    for f in np.unique(fold):
        tr, va = fold != f, fold == f
        for i, (w, b) in enumerate(_ridge_path(x[tr], y[tr], ridges)):
            errors[i] += ((x[va] @ w + b - y[va]) ** 2).sum()
    return float(ridges[int(np.argmin(errors))])


def episode_cv_probe(features: np.ndarray, actions: np.ndarray, episodes: np.ndarray, folds: int = 5,
                     ridges=RIDGES, bootstrap: int = 2000, seed: int = 0) -> ProbeScore:
    """Nested cross-validation over whole episodes: ridge features -> actions, strength chosen by inner CV.

    Features are standardised with the training folds' statistics. Neighbouring transitions of one episode are
    nearly identical, so no fold ever shares an episode with the rows it is scored on.
    """
    x, y = np.asarray(features, np.float64), np.asarray(actions, np.float64)
    episodes = np.asarray(episodes)
    n_ep = len(np.unique(episodes))
    if n_ep < 3:
        raise ValueError(f"the probe needs at least 3 episodes to cross-validate over episodes, got {n_ep}")
    folds = min(folds, n_ep)
    rng = np.random.default_rng(seed)
    fold = _fold_of(episodes, folds, rng)
    pred, chosen = np.empty_like(y), []
    for f in range(folds):
        tr, te = fold != f, fold == f
        mu, sd = x[tr].mean(0), x[tr].std(0) + 1e-6
        xtr, xte = (x[tr] - mu) / sd, (x[te] - mu) / sd
        inner = _fold_of(episodes[tr], min(folds - 1, len(np.unique(episodes[tr]))), rng)
        lam = _choose_ridge(xtr, y[tr], inner, ridges) if len(np.unique(inner)) > 1 else ridges[len(ridges) // 2]
        (w, b), = _ridge_path(xtr, y[tr], [lam])
        pred[te] = xte @ w + b
        chosen.append(lam)
    nmse, ci = _nmse_with_interval(pred, y, episodes, bootstrap, rng)
    return ProbeScore(nmse, ci, float(np.median(chosen)), len(y), n_ep)


def _nmse_with_interval(pred, y, episodes, bootstrap: int, rng) -> tuple[float, tuple[float, float]]:
    """NMSE and its 90% bootstrap interval, resampling episodes; per-episode sums make each draw one matmul."""
    _, inverse = np.unique(episodes, return_inverse=True)
    n_ep = inverse.max() + 1
    sums = lambda v: np.stack([np.bincount(inverse, weights=v[:, j], minlength=n_ep)  # noqa: E731
                               for j in range(v.shape[1])], axis=1)
    sq_err, cnt = sums((pred - y) ** 2).sum(1), np.bincount(inverse, minlength=n_ep).astype(np.float64)
    s1, s2 = sums(y), sums(y ** 2)

    def nmse(weights: np.ndarray) -> np.ndarray:  # weights [B, episodes]
        n = weights @ cnt
        var = (weights @ s2) / n[:, None] - ((weights @ s1) / n[:, None]) ** 2
        return (weights @ sq_err) / n / y.shape[1] / np.maximum(var.mean(1), 1e-12)

    point = float(nmse(np.ones((1, n_ep)))[0])
    draws = rng.multinomial(n_ep, np.full(n_ep, 1.0 / n_ep), size=bootstrap).astype(np.float64)
    lo, hi = np.quantile(nmse(draws), [0.05, 0.95])
    return point, (float(lo), float(hi))
