"""Optional vector quantisation of the latent action (VQ-VAE style, straight-through gradients)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class VectorQuantizer(nn.Module):
    """Splits z into `groups` sub-vectors, each snapped to the nearest of `codes` learned codes.

    Returns the quantised z (straight-through) and the codebook + beta * commitment loss.
    """

    def __init__(self, dim: int, codes: int, groups: int = 1, beta: float = 0.25):
        super().__init__()
        if dim % groups:
            raise ValueError(f"latent_dim {dim} must be divisible by vq_groups {groups}")
        self.groups, self.beta = groups, beta
        self.codebook = nn.Parameter(torch.randn(codes, dim // groups) * 0.1)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        flat = z.reshape(-1, self.codebook.shape[1])
        idx = torch.cdist(flat, self.codebook).argmin(dim=1)
        q = self.codebook[idx].view_as(z)
        loss = F.mse_loss(q, z.detach()) + self.beta * F.mse_loss(z, q.detach())
        return z + (q - z).detach(), loss
