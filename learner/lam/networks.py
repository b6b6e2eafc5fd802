"""Inverse and forward dynamics models of LAPO / MaskLAM (DESIGN.md section 5).

Observations are frame stacks X = (x_{t-2}, x_{t-1}, x_t) with frames in [-0.5, 0.5], laid out as channels
[B, 3F, H, W]; with masks on, each stack carries F extra mask channels [B, 4F, H, W].
"""

from __future__ import annotations

import torch
from torch import nn

from learner.lam.config import LAMModelConfig
from learner.lam.impala import ImpalaEncoder, UpStage
from learner.lam.vq import VectorQuantizer


def obs_channels(cfg: LAMModelConfig, with_masks: bool) -> int:
    return cfg.frame_stack * (4 if with_masks else 3)


class InverseDynamicsModel(nn.Module):
    """IMPALA CNN on [X_t, X_{t+k}] (channel-concatenated) -> Linear -> z in R^latent_dim (optionally quantised;
    the quantiser's loss of the last call is in `aux_loss`)."""

    def __init__(self, cfg: LAMModelConfig, with_masks: bool):
        super().__init__()
        self.encoder = ImpalaEncoder(2 * obs_channels(cfg, with_masks), cfg.widths, cfg.blocks)
        side = cfg.size // 2 ** len(cfg.widths)
        self.head = nn.Linear(self.encoder.out_channels * side * side, cfg.latent_dim)
        self.vq = VectorQuantizer(cfg.latent_dim, cfg.vq_codes, cfg.vq_groups) if cfg.vq_codes else None
        self.aux_loss = torch.zeros(())

    def forward(self, obs_t: torch.Tensor, obs_tk: torch.Tensor) -> torch.Tensor:
        h = self.encoder(torch.cat([obs_t, obs_tk], dim=1))
        z = self.head(h.flatten(1))
        if self.vq is not None:
            z, self.aux_loss = self.vq(z)
        return z


class ForwardDynamicsModel(nn.Module):
    """IMPALA encoder-decoder on X_t with z injected at the bottleneck; outputs x_hat_{t+1} = tanh(.)/2."""

    def __init__(self, cfg: LAMModelConfig, with_masks: bool):
        super().__init__()
        self.encoder = ImpalaEncoder(obs_channels(cfg, with_masks), cfg.widths, cfg.blocks)
        self.side = cfg.size // 2 ** len(cfg.widths)
        c = self.encoder.out_channels
        self.inject = nn.Linear(cfg.latent_dim, c * self.side * self.side)
        ups, widths = [], list(cfg.widths)
        outs = list(reversed(widths[:-1])) + [widths[0]]
        cin = c
        for cout in outs:
            ups.append(UpStage(cin, cout, cfg.blocks))
            cin = cout
        self.decoder = nn.Sequential(*ups)
        self.out = nn.Conv2d(cin, 3, 3, padding=1)

    def forward(self, obs_t: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        h = self.encoder(obs_t)
        h = h + self.inject(z).view_as(h)  # the latent action enters at the bottleneck
        return torch.tanh(self.out(torch.relu(self.decoder(h)))) / 2
