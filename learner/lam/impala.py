"""IMPALA-style CNN blocks: the encoder of the IDM and FDM, and the FDM's mirrored decoder."""

from __future__ import annotations

import torch
from torch import nn


class ResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv0 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv1(torch.relu(self.conv0(torch.relu(x))))


class DownStage(nn.Module):
    """conv -> 3x3/2 max-pool -> residual blocks (IMPALA, Espeholt et al. 2018)."""

    def __init__(self, cin: int, cout: int, blocks: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.res = nn.Sequential(*[ResidualBlock(cout) for _ in range(blocks)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.res(self.pool(self.conv(x)))


class UpStage(nn.Module):
    """Mirror of DownStage: residual blocks -> 2x nearest upsample -> conv."""

    def __init__(self, cin: int, cout: int, blocks: int):
        super().__init__()
        self.res = nn.Sequential(*[ResidualBlock(cin) for _ in range(blocks)])
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.up(self.res(x)))


class ImpalaEncoder(nn.Module):
    """Stages of `channels` with `blocks` residual blocks each; returns the feature map [B, C_last, H/2^n, W/2^n]."""

    def __init__(self, in_channels: int, channels: tuple[int, ...], blocks: int):
        super().__init__()
        stages, cin = [], in_channels
        for c in channels:
            stages.append(DownStage(cin, c, blocks))
            cin = c
        self.stages = nn.Sequential(*stages)
        self.out_channels = cin

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stages[0].conv.weight.is_contiguous(memory_format=torch.channels_last):
            x = x.contiguous(memory_format=torch.channels_last)  # oneDNN's fast layout, end to end
        return torch.relu(self.stages(x))
