"""Random shift / rotation / perspective of frame stacks in one warp: a homography near the identity per sample.

`random_augment` is LAOM's scheme: each image gets its own random choice among none, shift, rotation,
perspective and their compositions (each component on with probability 1/2).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def random_augment(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Per image, a random subset of {shift, rotation, perspective} (the empty subset included)."""
    on = (torch.rand(3, x.shape[0], generator=generator) < 0.5).float().to(x.device)
    return random_homography_warp(x, shift=0.08 * on[0], rotate_deg=5.0 * on[1], perspective=0.05 * on[2],
                                  generator=generator)


def random_homography_warp(x: torch.Tensor, shift=0.08, rotate_deg=5.0, perspective=0.05,
                           generator: torch.Generator | None = None) -> torch.Tensor:
    """Warp [B, C, H, W] with per-sample random homographies (all channels of a sample alike), border padding.
    Magnitudes are floats or per-sample tensors [B]."""
    b, _, h, w = x.shape
    dev = x.device

    def u(scale):
        return (torch.rand(b, generator=generator) * 2 - 1).to(dev) * scale

    th = torch.deg2rad(u(rotate_deg))
    hom = torch.zeros(b, 3, 3, device=dev)
    hom[:, 0, 0], hom[:, 0, 1], hom[:, 0, 2] = torch.cos(th), -torch.sin(th), u(shift)
    hom[:, 1, 0], hom[:, 1, 1], hom[:, 1, 2] = torch.sin(th), torch.cos(th), u(shift)
    hom[:, 2, 0], hom[:, 2, 1], hom[:, 2, 2] = u(perspective), u(perspective), 1.0
    ys, xs = torch.linspace(-1, 1, h, device=dev), torch.linspace(-1, 1, w, device=dev)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    base = torch.stack([gx, gy, torch.ones_like(gx)], dim=-1).view(1, h * w, 3)
    warped = base @ hom.transpose(1, 2)  # [B, HW, 3]
    grid = (warped[..., :2] / warped[..., 2:].clamp(min=1e-3)).view(b, h, w, 2)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)
