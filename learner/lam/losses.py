"""Reconstruction objectives of LAPO and MaskLAM, exactly as DESIGN.md section 5 states them."""

from __future__ import annotations

import torch


def lapo_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over all elements of (x_hat - x_{t+1})^2."""
    return (pred - target).pow(2).mean()


def masklam_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, w_bg: float = 0.0) -> torch.Tensor:
    """sum_{b,c,h,w} W (x_hat - x)^2 / max(1, sum_{b,h,w} M), with W = M + w_bg (1 - M).

    pred, target: [B, C, H, W]; mask: [B, 1, H, W] or [B, H, W] in {0, 1} (the target frame's agent mask).
    Normalised by the batch's total agent area, so the loss does not shrink with the agent's size, and a batch
    without any agent pixel gives a finite loss (0 when w_bg = 0) instead of dividing by zero.
    """
    if mask.dim() == 3:
        mask = mask.unsqueeze(1)
    mask = mask.to(pred.dtype)
    weight = mask if w_bg == 0.0 else mask + w_bg * (1.0 - mask)
    return (weight * (pred - target).pow(2)).sum() / mask.sum().clamp(min=1.0)
